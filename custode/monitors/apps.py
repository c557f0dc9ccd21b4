from django.apps import AppConfig


class MonitorsConfig(AppConfig):
    name = "custode.monitors"
    label = "monitors"
