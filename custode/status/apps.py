from django.apps import AppConfig


class StatusConfig(AppConfig):
    name = "custode.status"
    label = "status"
    verbose_name = "Status pages"
