from django.apps import AppConfig


class SubscriptionsConfig(AppConfig):
    name = "custode.subscriptions"
    verbose_name = "Subscriptions"
