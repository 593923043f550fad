from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "jifen.campaigns"
    label = "campaigns"
