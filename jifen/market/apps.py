from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "jifen.market"
    label = "market"
