from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "jifen.notify"
    label = "notify"
