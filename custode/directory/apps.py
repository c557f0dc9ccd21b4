from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "custode.directory"
    label = "directory"
