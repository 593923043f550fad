from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "jifen.places"
    label = "places"
