from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "jifen.disclosure"
    label = "disclosure"
