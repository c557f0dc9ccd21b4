from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "custode.backups"
    label = "backups"
