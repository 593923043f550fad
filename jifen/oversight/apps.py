from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "jifen.oversight"
    label = "oversight"
