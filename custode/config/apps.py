from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "custode.config"
    label = "config"
