from django.apps import AppConfig


class DividendsConfig(AppConfig):
    name = "jifen.dividends"
    label = "dividends"
