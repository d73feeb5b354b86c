from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "backend.api"
    verbose_name = "Open data API"
