"""Workshops like « Parlons ensemble de Sceaux »: tables, each on its own board, run by a
facilitator through phases; people join from their phone with a short code."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# No O/0, I/1/L: a code read aloud in a town hall must not be misheard or mistyped.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


class Workshop(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("ouvert")
        CLOSED = "closed", _("clos")

    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="workshops"
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshops",
    )
    title = models.CharField(_("titre"), max_length=120)
    starts_at = models.DateTimeField(_("date et heure"))
    place = models.CharField(_("lieu"), max_length=120, blank=True)
    question = models.CharField(_("la question posée"), max_length=300)
    themes = models.ManyToManyField(
        "territories.Theme", verbose_name=_("thématiques"), blank=True, related_name="workshops"
    )
    votes_per_participant = models.PositiveSmallIntegerField(_("votes par participant"), default=3)
    hidden_until_reveal = models.BooleanField(
        _("cartes cachées jusqu'à la révélation"), default=False
    )
    guests_allowed = models.BooleanField(_("invités sans compte acceptés"), default=True)
    grouping_by_facilitator_only = models.BooleanField(
        _("seul l'animateur ou l'animatrice regroupe les cartes"), default=False
    )
    join_code = models.CharField(max_length=CODE_LENGTH, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitated_workshops"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("atelier")
        verbose_name_plural = _("ateliers")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workshops:detail", args=[self.pk])

    def join_url(self) -> str:
        return reverse("join_workshop", args=[self.join_code])


class Table(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="tables")
    number = models.PositiveSmallIntegerField()
    board = models.OneToOneField("boards.Board", on_delete=models.PROTECT, related_name="table")

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "number"], name="one_table_number")
        ]

    def __str__(self) -> str:
        return f"{self.workshop} · table {self.number}"


class Participant(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workshop_seats"
    )
    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="participants")
    neighbourhood = models.ForeignKey(
        "territories.Neighbourhood", on_delete=models.SET_NULL, null=True, blank=True
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_seat_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.table}"


class ProposalOutcome(models.Model):
    """What a proposal became: a draft project or a need of the town, with the way back to
    the workshop. A proposal is a card today, or a group of cards (`group_id`); each becomes
    one thing at most (whichever of them it names)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="outcomes")
    card = models.ForeignKey(
        "boards.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    group = models.ForeignKey(
        "boards.CardGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    project = models.OneToOneField(
        "projects.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_outcome",
    )
    need = models.OneToOneField(
        "needs.Need",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="workshop_outcome",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["card"], condition=models.Q(card__isnull=False), name="one_outcome_per_card"
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=models.Q(group__isnull=False),
                name="one_outcome_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} → {self.project or self.need}"
