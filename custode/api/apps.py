from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "custode.api"
    label = "api"
