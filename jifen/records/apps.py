from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "jifen.records"
    label = "records"
