from django.apps import AppConfig


class VotesConfig(AppConfig):
    name = "jifen.votes"
    label = "votes"
