from django.apps import AppConfig


class ProbesConfig(AppConfig):
    name = "custode.probes"
    label = "probes"
