from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "custode.reports"
    label = "reports"
