from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jifen.api"
    label = "api"
