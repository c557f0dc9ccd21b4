from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "custode.incidents"
    label = "incidents"
