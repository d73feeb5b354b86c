from django.core.management.base import BaseCommand

from notifications.services import send_all_due_emails


class Command(BaseCommand):
    help = "Envoie les e-mails de notifications en attente (au plus un par type et par heure)."

    def handle(self, *args, **options):
        self.stdout.write(f"{send_all_due_emails()} e-mail(s) envoyé(s).")
