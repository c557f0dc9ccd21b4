from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "custode.assets"
    label = "assets"
