from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The cache of anonymous pages (backend/pages/cache.py): its invalidation signals."""

    name = "backend.pages"
    verbose_name = "Pages"

    def ready(self) -> None:
        from backend.pages import cache

        cache.connect()
