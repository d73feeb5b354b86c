from django.core.management.base import BaseCommand

from backend.search.indexing import reindex_all


class Command(BaseCommand):
    help = "Reconstruit l'index de recherche (après un import en masse, par exemple)."

    def handle(self, *args, **options):
        self.stdout.write(f"{reindex_all()} documents indexés.")
