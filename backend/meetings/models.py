"""Meetings by theme (« rencontres »): the moderators of a territory gather the members
interested in some themes, in a place, on a date, within a number of seats."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 200
PLACE_MAX = 200
DESCRIPTION_MAX = 3000


class Meeting(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("prévue")
        CANCELLED = "cancelled", _("annulée")

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name=_("territoire"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"), null=True, blank=True)
    place = models.CharField(_("lieu"), max_length=PLACE_MAX)
    themes = models.ManyToManyField(
        "territories.Theme", verbose_name=_("thématiques"), related_name="meetings"
    )
    capacity = models.PositiveIntegerField(_("nombre de places"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("rencontre")
        verbose_name_plural = _("rencontres")
        indexes = [
            models.Index(fields=["territory", "status", "starts_at"], name="meeting_upcoming")
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="meeting_has_seats"),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])


class Registration(models.Model):
    """A member holds a seat; cancelling gives it back (the row goes)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_registrations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"], name="one_registration_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.meeting}"


class Invitation(models.Model):
    """A member was told about a meeting: inviting again tells only the others."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_invitation_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} ← {self.meeting}"
