"""After restoring a backup: give every stream a new epoch.

Clients may hold seqs the restored database never had; with a new epoch their next resume
gets a full snapshot instead of a replay on top of a history that is no longer theirs.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from realtime.models import Stream, new_epoch


class Command(BaseCommand):
    help = "Donne une nouvelle époque à chaque flux (après une restauration de sauvegarde)."

    @transaction.atomic
    def handle(self, *args, **options):
        streams = list(Stream.objects.select_for_update().only("id"))
        for stream in streams:
            stream.epoch = new_epoch()
        Stream.objects.bulk_update(streams, ["epoch"], batch_size=1000)
        self.stdout.write(f"{len(streams)} flux : nouvelle époque.")
