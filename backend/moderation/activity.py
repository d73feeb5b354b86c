"""The territory's activity: one stream per territory, read live by its moderators.

Each service that makes something worth watching (a member joins, a project is created or
changes stage, a card, a message in an open discussion, a call for skills and its answers, a
support request, a workshop, a report) calls `record` in its own transaction: the line and the
change commit together, get the stream's next seq, and reach every moderator's screen through
the same hub as the boards. Team rooms stay private: their messages are counted, never shown.

A line is data, not a sentence: its kind, an excerpt of what was written (user content), a
link, where it happened, the themes it belongs to and what a moderator can act on. The page
words it in the reader's language.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.moderation.models import TargetKind
from realtime import streams
from realtime.auth import actor_of
from realtime.models import Event
from realtime.prepared import PreparedQuery

EXCERPT_MAX = 200
PAGE = 50
SCAN_MAX = 1000  # events read at most to fill one page of older lines through the filters


class Kind:
    MEMBER = "member"
    PROJECT = "project"
    STAGE = "stage"
    CARD = "card"
    MESSAGE = "message"
    CALL = "call"
    ANSWER = "answer"
    SUPPORT = "support"
    WORKSHOP = "workshop"
    REPORT = "report"

    labels = {
        MEMBER: _("Nouveau membre"),
        PROJECT: _("Nouveau projet"),
        STAGE: _("Étape de projet"),
        CARD: _("Idée"),
        MESSAGE: _("Message"),
        CALL: _("Appel à compétences"),
        ANSWER: _("Réponse à un appel"),
        SUPPORT: _("Demande d'accompagnement"),
        WORKSHOP: _("Atelier"),
        REPORT: _("Signalement"),
    }


# Read for every card made (a workshop's idea phase is made of them): built once by the ORM
# (realtime.prepared). The models are imported when first used: their apps record lines too.
def _project_by_pk(pk):
    from backend.projects.models import Project

    return Project.objects.filter(pk=pk)[:1]


def _themes_of_project(pk):
    from backend.projects.models import Project

    return Project.themes.through.objects.filter(project_id=pk).only("theme_id")


def _table_of_board(pk):
    from backend.workshops.models import Table

    return Table.objects.filter(board_id=pk).only("workshop_id")[:1]


def _workshop_by_pk(pk):
    from backend.workshops.models import Workshop

    return Workshop.objects.filter(pk=pk).only("territory_id")[:1]


_project = PreparedQuery(_project_by_pk, int)
_project_themes = PreparedQuery(_themes_of_project, int)
_table = PreparedQuery(_table_of_board, int)
_workshop = PreparedQuery(_workshop_by_pk, int)


def stream_key(territory_id: int) -> str:
    return f"activity:{territory_id}"


def record(
    *,
    territory_id: int | None,
    kind: str,
    actor,
    excerpt: str,
    url: str,
    project=None,
    themes: list[int] | None = None,
    target: tuple[str, int] | None = None,
    detail: str = "",
) -> None:
    """Append one line to the territory's activity, in the caller's transaction.

    `target` is what a moderator may act on from the line (a card, a message… as
    `(TargetKind, id)`); the actor is who may be warned or muted.
    """
    if territory_id is None or kind not in Kind.labels:
        return
    if themes is None:
        themes = []
        if project is not None:
            themes = [row.theme_id for row in _project_themes.rows(project.pk)]
    data = {
        "kind": kind,
        "excerpt": " ".join(str(excerpt).split())[:EXCERPT_MAX],
        "url": url,
        "detail": detail,
        "project": (
            {"id": project.pk, "title": project.title, "url": project.get_absolute_url()}
            if project is not None
            else None
        ),
        "themes": sorted(themes),
        "target": {"kind": target[0], "id": target[1]} if target else None,
    }
    streams.append_event(
        key=stream_key(territory_id), name="activity", data=data, actor=actor_of(actor)
    )


def latest(
    territory_id: int, *, before: int | None = None, filters: dict | None = None
) -> list[dict]:
    """The newest lines (older than seq `before`, if given) that pass the filters, newest first.

    Filters are read from the line's data in Python (the same test as the page's script
    applies to live lines), reading at most SCAN_MAX events per page.
    """
    key = stream_key(territory_id)
    events = Event.objects.filter(stream__key=key).order_by("-seq")
    if before is not None:
        events = events.filter(seq__lt=before)
    found = []
    for event in events[:SCAN_MAX].iterator(chunk_size=200):
        if matches(event.data, filters or {}):
            found.append(streams.event_frame(key, event))  # as the page gets it live
            if len(found) == PAGE:
                break
    return found


def clean_filters(query) -> dict:
    """The filters of a query string (`kind`, `theme`, `project`), unknown values dropped."""
    filters = {}
    kind = query.get("kind", "")
    if kind in Kind.labels:
        filters["kind"] = kind
    for name in ("theme", "project"):
        try:
            value = int(query.get(name, ""))
        except (TypeError, ValueError):
            continue
        if value > 0:
            filters[name] = value
    return filters


def matches(data: dict, filters: dict) -> bool:
    if "kind" in filters and data.get("kind") != filters["kind"]:
        return False
    if "theme" in filters and filters["theme"] not in data.get("themes", ()):
        return False
    project = (data.get("project") or {}).get("id")
    return "project" not in filters or project == filters["project"]


def counters(territory_id: int, *, connected: int) -> dict:
    """The live counters: people connected now (from the hubs' census), boards and rooms
    active in the last hour, cards and messages of the last hour (team rooms included)."""
    from boards.models import Card
    from chat.models import Message

    since = timezone.now() - timedelta(hours=1)
    cards = Card.objects.filter(
        Q(board__project__territory_id=territory_id)
        | Q(board__table__workshop__territory_id=territory_id),
        created_at__gte=since,
        deleted_at__isnull=True,
    )
    messages = Message.objects.filter(
        room__project__territory_id=territory_id, created_at__gte=since, deleted_at__isnull=True
    )
    cards = cards.aggregate(n=Count("pk"), places=Count("board_id", distinct=True))
    messages = messages.aggregate(n=Count("pk"), places=Count("room_id", distinct=True))
    return {
        "connected": connected,
        "boards": cards["places"],
        "rooms": messages["places"],
        "cards": cards["n"],
        "messages": messages["n"],
    }


# What the services call -------------------------------------------------------------------


def card_created(card, *, actor) -> None:
    board = card.board
    project = _project.first(board.project_id) if board.project_id else None
    if project is not None:
        territory = project.territory_id
    else:  # a workshop's table, or a board of its own (no territory: no line)
        table = _table.first(board.pk)
        workshop = _workshop.first(table.workshop_id) if table else None
        territory = workshop.territory_id if workshop else None
    record(
        territory_id=territory,
        kind=Kind.CARD,
        actor=actor,
        excerpt=card.text,
        url=f"{board.get_absolute_url()}#card-{card.pk}",
        project=project,
        target=(TargetKind.CARD, card.pk),
        detail=board.title,
    )


def message_posted(message, *, actor) -> None:
    room = message.room
    project = room.project
    record(
        territory_id=project.territory_id,
        kind=Kind.MESSAGE,
        actor=actor,
        excerpt=message.text,
        url=f"{room.get_absolute_url()}#message-{message.pk}",
        project=project,
        target=(TargetKind.MESSAGE, message.pk),
    )
