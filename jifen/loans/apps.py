from django.apps import AppConfig


class LoansConfig(AppConfig):
    name = "jifen.loans"
    label = "loans"
