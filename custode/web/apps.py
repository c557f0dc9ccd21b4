from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "custode.web"
    label = "web"
