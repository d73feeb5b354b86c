from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "backend.search"
    verbose_name = _("Recherche")

    def ready(self) -> None:
        from backend.search import signals

        signals.connect()
