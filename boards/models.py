from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

CARD_TEXT_MAX = 500
COLUMN_TITLE_MAX = 80
BOARD_TITLE_MAX = 120
GROUP_TITLE_MAX = 80
TIMER_MIN_SECONDS = 10
TIMER_MAX_SECONDS = 3600


class CardColor(models.TextChoices):
    YELLOW = "yellow", _("jaune")
    GREEN = "green", _("vert")
    BLUE = "blue", _("bleu")
    PINK = "pink", _("rose")
    ORANGE = "orange", _("orange")
    PURPLE = "purple", _("violet")


class Phase(models.TextChoices):
    """The phases a facilitator runs a workshop table through ("" : a board without phases)."""

    WELCOME = "accueil", _("Accueil")
    IDEAS = "idees", _("Idées")
    GROUPING = "regroupement", _("Regroupement")
    VOTE = "vote", _("Vote")
    RESULTS = "resultats", _("Résultats")
    CLOSED = "clos", _("Clos")


class Board(models.Model):
    """An idea board, attached to a project or standalone. Written only by boards.services."""

    title = models.CharField(_("titre"), max_length=BOARD_TITLE_MAX)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("projet"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="boards",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_boards"
    )
    is_public = models.BooleanField(_("public"), default=True)
    locked = models.BooleanField(_("verrouillé"), default=False)
    votes_per_person = models.PositiveSmallIntegerField(
        _("votes par personne"),
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0 : pas de vote sur ce tableau."),
    )
    phase = models.CharField(_("phase"), max_length=12, choices=Phase.choices, blank=True)
    # Hidden mode: each participant sees only their own cards (and a count of the others')
    # until the team reveals them. Decided on the server, never blurred in the browser.
    cards_hidden = models.BooleanField(_("cartes cachées jusqu'à la révélation"), default=False)
    # Grouping: everyone who may write stacks cards into groups, or the board's team only.
    grouping_by_team_only = models.BooleanField(
        _("seule l'équipe regroupe les cartes"), default=False
    )
    # The facilitator's countdown: running until `timer_ends_at` (null: no countdown).
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_seconds = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tableau")
        verbose_name_plural = _("tableaux")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("boards:detail", args=[self.pk])

    @property
    def stream_key(self) -> str:
        return f"board:{self.pk}"


class Column(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    title = models.CharField(_("titre"), max_length=COLUMN_TITLE_MAX)
    position = models.CharField(max_length=255)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("colonne")

    def __str__(self) -> str:
        return self.title


class CardGroup(models.Model):
    """Cards stacked under a title: in results and votes, one proposal."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="groups")
    title = models.CharField(_("titre"), max_length=GROUP_TITLE_MAX)
    position = models.CharField(max_length=255)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A deleted group is a tombstone; its cards go back to ungrouped.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("groupe de cartes")
        verbose_name_plural = _("groupes de cartes")

    def __str__(self) -> str:
        return self.title


class Card(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    column = models.ForeignKey(Column, on_delete=models.CASCADE, related_name="cards")
    group = models.ForeignKey(
        CardGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="cards"
    )
    text = models.CharField(_("texte"), max_length=CARD_TEXT_MAX)
    color = models.CharField(
        _("couleur"), max_length=10, choices=CardColor.choices, default=CardColor.YELLOW
    )
    position = models.CharField(max_length=255)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="cards"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A deleted card is a tombstone: it can be restored (undo) and its history stays.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Hidden by a moderator: out of every snapshot and replay until restored (moderation).
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["board", "column", "position"])]
        verbose_name = _("carte")

    def __str__(self) -> str:
        return self.text[:50]


class CardRevision(models.Model):
    """A card's text before an edit: what a concurrent edit replaced is never lost."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    text = models.CharField(max_length=CARD_TEXT_MAX)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["card", "version"]

    def __str__(self) -> str:
        return f"{self.card_id} v{self.version}"


class Vote(models.Model):
    """One person's support for a card, or for a group of cards (exactly one of the two)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, null=True, related_name="votes")
    group = models.ForeignKey(CardGroup, on_delete=models.CASCADE, null=True, related_name="votes")
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "voter"], name="one_vote_per_card_and_person"),
            models.UniqueConstraint(
                fields=["group", "voter"], name="one_vote_per_group_and_person"
            ),
            models.CheckConstraint(
                condition=(Q(card__isnull=False) & Q(group__isnull=True))
                | (Q(card__isnull=True) & Q(group__isnull=False)),
                name="vote_for_a_card_or_a_group",
            ),
        ]
        indexes = [models.Index(fields=["board", "voter"])]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.card_id or f'group {self.group_id}'}"
