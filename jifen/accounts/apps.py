from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jifen.accounts"
    label = "accounts"
