from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "custode.maintenance"
    label = "maintenance"
