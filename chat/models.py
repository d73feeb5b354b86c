"""Chat rooms, their messages, read markers and mentions. Written only by chat.services."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MESSAGE_TEXT_MAX = 4000


class RoomKind(models.TextChoices):
    TEAM = "team", _("Équipe")
    OPEN = "open", _("Discussion ouverte")


class Room(models.Model):
    """A place to talk. Generic: a kind and an optional project (workshops will add theirs)."""

    kind = models.CharField(_("type"), max_length=16, choices=RoomKind.choices)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("projet"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rooms",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("salon")
        verbose_name_plural = _("salons")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=models.Q(project__isnull=False),
                name="one_room_per_project_and_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.project or self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("chat:room", args=[self.pk])

    @property
    def stream_key(self) -> str:
        return f"chat:{self.pk}"


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="messages"
    )
    text = models.TextField(_("texte"), max_length=MESSAGE_TEXT_MAX, blank=True)
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    # The seq of its `message.created` event: unread = messages after one's read marker.
    seq = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # A deleted message keeps its place; its text is gone (emptied), for everyone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator: it keeps its place, its text is sent to no one until restored.
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        indexes = [
            models.Index(fields=["room", "id"], name="message_room_id"),
            models.Index(fields=["room", "seq"], name="message_room_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq} {self.text[:40]}"


class ReadMarker(models.Model):
    """How far a person has read a room: the seq of the last message they saw."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_markers"
    )
    seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="one_read_marker_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.room_id}#{self.seq}"


class Mention(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_mention_per_person")
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.message_id}"
