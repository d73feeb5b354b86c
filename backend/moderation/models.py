"""Moderation: members' reports, the moderators' audit log, and mutes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

REPORT_TEXT_MAX = 1000
EXCERPT_MAX = 200


class TargetKind(models.TextChoices):
    CARD = "card", _("carte")
    MESSAGE = "message", _("message")
    PROJECT = "project", _("projet")
    PROFILE = "profile", _("profil")
    CALL = "call", _("appel à compétences")


class Reason(models.TextChoices):
    SPAM = "spam", _("spam")
    ABUSE = "abuse", _("propos abusifs")
    PERSONAL_DATA = "personal_data", _("données personnelles")
    OFF_TOPIC = "off_topic", _("hors sujet")
    OTHER = "other", _("autre")


class Action(models.TextChoices):
    HIDE = "hide", _("masquer")
    RESTORE = "restore", _("rétablir")
    WARN = "warn", _("avertir")
    MUTE = "mute", _("mettre en sourdine")
    BAN = "ban", _("bannir")
    DISMISS = "dismiss", _("classer sans suite")


class Report(models.Model):
    """A member's report on one piece of content or one profile; open until acted upon."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports"
    )
    # The territory whose moderators see it (the target's, when reported).
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, null=True, related_name="reports"
    )
    target_kind = models.CharField(_("type"), max_length=10, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField()
    # What the target said and where it is, when reported: the queue draws without a query per
    # target, and keeps them once the content is hidden.
    excerpt = models.CharField(max_length=EXCERPT_MAX, blank=True)
    url = models.CharField(max_length=300, blank=True)
    reason = models.CharField(_("motif"), max_length=16, choices=Reason.choices)
    text = models.TextField(_("précisions"), max_length=REPORT_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("signalement")
        indexes = [
            models.Index(fields=["territory", "resolved_at"], name="report_open"),
            models.Index(fields=["target_kind", "target_id"], name="report_target"),
        ]

    def __str__(self) -> str:
        return f"{self.target_kind} {self.target_id} · {self.reason}"


class AuditEntry(models.Model):
    """One moderation action: who, when, what, on what, why. Written only by
    moderation.services, in the action's transaction; never edited."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.CASCADE, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    target_kind = models.CharField(_("type"), max_length=10, choices=TargetKind.choices)
    target_id = models.PositiveBigIntegerField()
    reason = models.TextField(_("motif"), max_length=REPORT_TEXT_MAX, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal de modération")
        indexes = [models.Index(fields=["territory", "-created_at"], name="audit_latest")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} · {self.action} {self.target_kind}"


class Mute(models.Model):
    """A member muted until a moment (the user row's `muted_until` is what ops read)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField(max_length=REPORT_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mise en sourdine")

    def __str__(self) -> str:
        return f"{self.user} · {self.until:%Y-%m-%d %H:%M}"
