from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "jifen.board"
    label = "board"
