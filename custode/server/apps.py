from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "custode.server"
    label = "server"
