"""Notifications: what a member is told, live in every tab, and by e-mail if they chose it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CALL_MATCH = "call.match", _("Un appel à compétences qui vous correspond")
    CALL_FOLLOWED = "call.followed", _("Un appel publié par un projet que vous suivez")
    CALL_ANSWER = "call.answer", _("Une réponse à votre appel à compétences")
    CALL_DECISION = "call.decision", _("La décision d'une équipe sur votre réponse")
    MENTION = "mention", _("Une mention dans une discussion")
    SUPPORT_ANSWER = "support.answer", _("La réponse d'un partenaire à votre demande")
    NEW_FOLLOWER = "project.follower", _("Une personne suit votre projet")
    INVITATION = "project.invitation", _("Une invitation à rejoindre une équipe")
    MODERATION = "moderation", _("Un message de la modération")
    MEETING_INVITATION = "meeting.invitation", _("Une rencontre sur vos thématiques")
    MEETING_CHANGE = "meeting.change", _("Le changement ou l'annulation d'une rencontre")


class Channel(models.TextChoices):
    LIVE = "live", _("En direct seulement")
    EMAIL = "email", _("En direct et par e-mail")
    OFF = "off", _("Jamais")


DEFAULT_CHANNEL = Channel.LIVE


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    url = models.CharField(max_length=300, blank=True)
    actor = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.title}"


class Preference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=DEFAULT_CHANNEL)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {self.channel}"
