from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "custode.results"
    label = "results"
