from django.apps import AppConfig


class FairnessConfig(AppConfig):
    name = "jifen.fairness"
    label = "fairness"
