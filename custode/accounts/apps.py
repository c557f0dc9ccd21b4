from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "custode.accounts"
    label = "accounts"
