from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "custode.notify"
    label = "notify"
