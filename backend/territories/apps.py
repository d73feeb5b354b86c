from django.apps import AppConfig


class TerritoriesConfig(AppConfig):
    name = "backend.territories"
    label = "territories"
