from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "custode.engine"
    label = "engine"
