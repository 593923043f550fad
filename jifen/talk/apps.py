from django.apps import AppConfig


class TalkConfig(AppConfig):
    name = "jifen.talk"
    label = "talk"
