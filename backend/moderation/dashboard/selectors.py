"""The territory's figures, for its moderators: each dataset one or two queries, whatever the
territory's size, and every count filtered by the territory.

Where things belong: members by `User.territory`; projects, needs and workshops by their own
`territory`; calls and support requests by their project's; chat messages by their room's
project; cards by their board's project, else the workshop of its table, else the territory of
whoever created the board (the rule moderation applies to a reported card).

Weeks start on Monday, in the site's time zone (`TruncWeek`, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.calls.models import Call
from backend.needs.models import Need
from backend.partners.models import SupportRequest
from backend.projects.models import Project, Stage
from backend.territories.models import Theme
from backend.workshops.models import Workshop
from boards.models import Card
from chat.models import Message

WEEKS = 12
WORKSHOPS_SHOWN = 12
# Emerging themes compare the last 30 days with the 30 before.
EMERGING_WINDOW = timedelta(days=30)
EMERGING_THEMES = "thematiques-emergentes"


@dataclass(frozen=True)
class Dataset:
    """One figure of the dashboard: its table (also its CSV) and the column its chart draws.

    `rows` hold a label first (a date for weekly series, a text otherwise), then the values.
    `plotted` is the index of the value a bar shows; None: a table without a chart.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]
    plotted: int | None = 1
    over_time: bool = False


def week_starts(now: datetime, *, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` weeks, the current one last."""
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _per_week(queryset: QuerySet, field: str, weeks: list[date]) -> list[int]:
    """How many rows of `queryset` fall in each week (by `field`), in one query."""
    counts = (
        queryset.filter(**{f"{field}__gte": _start_of(weeks[0])})
        .annotate(week=TruncWeek(field))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by("week")
    )
    by_week = {timezone.localtime(row["week"]).date(): row["n"] for row in counts}
    return [by_week.get(week, 0) for week in weeks]


def _cards_of(territory_id: int) -> Q:
    return (
        Q(board__project__territory_id=territory_id)
        | Q(board__project__isnull=True, board__table__workshop__territory_id=territory_id)
        | Q(
            board__project__isnull=True,
            board__table__isnull=True,
            board__created_by__territory_id=territory_id,
        )
    )


def members_by_week(territory_id: int, *, now: datetime) -> Dataset:
    """Members (signed-up accounts still active, workshop guests aside) week by week."""
    weeks = week_starts(now)
    members = get_user_model().objects.filter(
        territory_id=territory_id, is_guest=False, is_active=True
    )
    total = members.filter(date_joined__lt=_start_of(weeks[0])).count()
    rows = []
    for week, joined in zip(weeks, _per_week(members, "date_joined", weeks), strict=True):
        total += joined
        rows.append((week, joined, total))
    return Dataset(
        key="membres",
        title=_("Membres au fil des semaines"),
        columns=(_("Semaine du"), _("Nouveaux membres"), _("Membres")),
        rows=tuple(rows),
        plotted=2,
        over_time=True,
    )


def projects_by_stage(territory_id: int, *, now: datetime) -> Dataset:
    counts = dict(
        Project.objects.filter(territory_id=territory_id)
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
        .order_by()
    )
    return Dataset(
        key="projets-par-etape",
        title=_("Projets par étape"),
        columns=(_("Étape"), _("Projets")),
        rows=tuple((str(label), counts.get(stage, 0)) for stage, label in Stage.choices),
    )


def projects_by_theme(territory_id: int, *, now: datetime) -> Dataset:
    """A project with several themes counts once for each; one without, under its own row."""
    counts = (
        Project.objects.filter(territory_id=territory_id)
        .values("themes__id", "themes__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    themed = sorted(
        ((row["themes__name"], row["n"]) for row in counts if row["themes__id"] is not None),
        key=lambda row: (-row[1], row[0]),
    )
    unthemed = [(_("Sans thématique"), row["n"]) for row in counts if row["themes__id"] is None]
    return Dataset(
        key="projets-par-thematique",
        title=_("Projets par thématique"),
        columns=(_("Thématique"), _("Projets")),
        rows=tuple(themed + unthemed),
    )


def ideas_by_week(territory_id: int, *, now: datetime) -> Dataset:
    """Cards written on the territory's boards, deleted ones aside (hidden ones count)."""
    weeks = week_starts(now)
    cards = Card.objects.filter(_cards_of(territory_id), deleted_at__isnull=True)
    return Dataset(
        key="idees",
        title=_("Idées déposées par semaine"),
        columns=(_("Semaine du"), _("Cartes")),
        rows=tuple(zip(weeks, _per_week(cards, "created_at", weeks), strict=True)),
        over_time=True,
    )


def messages_by_week(territory_id: int, *, now: datetime) -> Dataset:
    """Messages in the project rooms, team rooms included (counted, never read)."""
    weeks = week_starts(now)
    messages = Message.objects.filter(
        room__project__territory_id=territory_id, deleted_at__isnull=True
    )
    return Dataset(
        key="messages",
        title=_("Messages par semaine"),
        columns=(_("Semaine du"), _("Messages")),
        rows=tuple(zip(weeks, _per_week(messages, "created_at", weeks), strict=True)),
        over_time=True,
    )


def _by_status(queryset: QuerySet) -> dict[str, int]:
    return dict(
        queryset.values("status").annotate(n=Count("pk")).values_list("status", "n").order_by()
    )


def _status_rows(counts: dict[str, int], choices) -> tuple[tuple[str, int], ...]:
    return tuple((str(label).capitalize(), counts.get(status, 0)) for status, label in choices)


def calls_by_status(territory_id: int, *, now: datetime) -> Dataset:
    """Every call published, then how many were filled, are still open, or closed unfilled."""
    counts = _by_status(Call.objects.filter(project__territory_id=territory_id))
    return Dataset(
        key="appels",
        title=_("Appels à compétences publiés et pourvus"),
        columns=(_("Appels"), _("Nombre")),
        rows=(
            (_("Publiés"), sum(counts.values())),
            (_("Pourvus"), counts.get(Call.Status.FILLED, 0)),
            (_("Encore ouverts"), counts.get(Call.Status.OPEN, 0)),
            (_("Clos sans être pourvus"), counts.get(Call.Status.CLOSED, 0)),
        ),
    )


def support_requests_by_status(territory_id: int, *, now: datetime) -> Dataset:
    """Requests sent by the territory's projects (to partners of any territory)."""
    counts = _by_status(SupportRequest.objects.filter(project__territory_id=territory_id))
    return Dataset(
        key="demandes-accompagnement",
        title=_("Demandes d'accompagnement et leur issue"),
        columns=(_("Issue"), _("Demandes")),
        rows=_status_rows(counts, SupportRequest.Status.choices),
    )


def workshops_and_participants(territory_id: int, *, now: datetime) -> Dataset:
    workshops = (
        Workshop.objects.filter(territory_id=territory_id)
        .annotate(
            seats=Count("participants"),
            guests=Count("participants", filter=Q(participants__user__is_guest=True)),
        )
        .order_by("-starts_at", "-pk")[:WORKSHOPS_SHOWN]
    )
    return Dataset(
        key="ateliers",
        title=_("Ateliers et leurs participants"),
        columns=(_("Atelier"), _("Date"), _("Participants"), _("Dont invités sans compte")),
        rows=tuple(
            (w.title, timezone.localdate(w.starts_at), w.seats, w.guests) for w in workshops
        ),
        plotted=2,
    )


# What counts as a theme's activity: (rows of the territory, the path to their themes).
# Each project created, need published, call published and card written counts one.
_THEMED_ACTIVITY: tuple[tuple[Callable[[int], QuerySet], str], ...] = (
    (lambda t: Project.objects.filter(territory_id=t), "themes"),
    (lambda t: Need.objects.filter(territory_id=t), "themes"),
    (lambda t: Call.objects.filter(project__territory_id=t), "project__themes"),
    (
        lambda t: Card.objects.filter(board__project__territory_id=t, deleted_at__isnull=True),
        "board__project__themes",
    ),
    (
        lambda t: Card.objects.filter(
            board__project__isnull=True,
            board__table__workshop__territory_id=t,
            deleted_at__isnull=True,
        ),
        "board__table__workshop__themes",
    ),
)


def emerging_themes(territory_id: int, *, now: datetime) -> Dataset:
    """Themes ranked by their growth: activity of the last 30 days minus the 30 before.

    A theme's activity is the number of projects created, needs published and calls for
    skills published with that theme, and of cards written on the boards of its projects or
    of its workshops' tables (deleted cards aside), all in the territory. Ties: the busier
    theme of the last 30 days first, then by name. Themes with no activity are left out.
    """
    recent_since = now - EMERGING_WINDOW
    previous_since = recent_since - EMERGING_WINDOW
    totals: dict[int, list[int]] = {}
    for rows_of, themes in _THEMED_ACTIVITY:
        counts = (
            rows_of(territory_id)
            .filter(
                created_at__gte=previous_since,
                created_at__lte=now,
                **{f"{themes}__isnull": False},
            )
            .values(themes)
            .annotate(
                previous=Count("pk", filter=Q(created_at__lt=recent_since)),
                recent=Count("pk", filter=Q(created_at__gte=recent_since)),
            )
            .order_by()
        )
        for row in counts:
            total = totals.setdefault(row[themes], [0, 0])
            total[0] += row["previous"]
            total[1] += row["recent"]
    names = dict(Theme.objects.filter(pk__in=totals).values_list("pk", "name"))
    ranked = sorted(
        ((names[pk], previous, recent) for pk, (previous, recent) in totals.items()),
        key=lambda row: (-(row[2] - row[1]), -row[2], row[0]),
    )
    return Dataset(
        key=EMERGING_THEMES,
        title=_("Thématiques émergentes"),
        columns=(
            _("Thématique"),
            _("Les 30 jours d'avant"),
            _("Les 30 derniers jours"),
            _("Écart"),
            _("Évolution (%)"),
        ),
        rows=tuple(
            (
                name,
                previous,
                recent,
                recent - previous,
                round(100 * (recent - previous) / previous) if previous else None,
            )
            for name, previous, recent in ranked
        ),
        plotted=None,
    )


DATASETS: dict[str, Callable[..., Dataset]] = {
    "membres": members_by_week,
    "projets-par-etape": projects_by_stage,
    "projets-par-thematique": projects_by_theme,
    "idees": ideas_by_week,
    "messages": messages_by_week,
    "appels": calls_by_status,
    "demandes-accompagnement": support_requests_by_status,
    "ateliers": workshops_and_participants,
    EMERGING_THEMES: emerging_themes,
}


def dashboard(territory_id: int, *, now: datetime) -> list[Dataset]:
    """Every figure of the territory's dashboard, in a number of queries that does not grow."""
    return [figure(territory_id, now=now) for figure in DATASETS.values()]
