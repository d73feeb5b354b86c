"""Reads of rooms. Snapshots, event payloads and the history endpoint all come from here, so
what a client gets on connect, live and when scrolling up cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from backend.projects.models import Membership
from chat import rules
from chat.models import Message, ReadMarker, Room, RoomKind
from realtime.auth import actor_of

PAGE = 50  # messages in a snapshot and in each page of history
EXCERPT = 140  # characters of the message a reply quotes


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def room_data(room: Room) -> dict:
    project = room.project if room.project_id else None
    return {
        "id": room.pk,
        "kind": room.kind,
        "project": (
            {"id": project.pk, "title": project.title, "url": project.get_absolute_url()}
            if project is not None
            else None
        ),
    }


def room_title(room: Room) -> str:
    if room.project_id is None:
        return str(room.get_kind_display())
    words = {"project": room.project.title}
    if room.kind == RoomKind.TEAM:
        return _("Équipe de « %(project)s »") % words
    return _("Discussion ouverte de « %(project)s »") % words


def quote_data(quoted: Message) -> dict:
    """How a reply quotes a message: its excerpt; none once deleted; once a moderator hid it,
    a neutral « message masqué par la modération » (`hidden`: the client words it itself)."""
    hidden = quoted.hidden_at is not None
    if quoted.deleted_at is not None:
        words = None
    elif hidden:
        words = _("message masqué par la modération")
    else:
        words = excerpt(quoted.text)
    return {
        "id": quoted.pk,
        "author": actor_of(quoted.author),
        "excerpt": words,
        "hidden": hidden,
    }


def message_data(message: Message) -> dict:
    """A message as clients see it. A deleted or hidden one carries no text, nor does a quote
    of it (`quote_data`)."""
    deleted = message.deleted_at is not None
    hidden = message.hidden_at is not None
    reply = message.reply_to
    return {
        "id": message.pk,
        "seq": message.seq,
        "author": actor_of(message.author),
        "text": None if deleted or hidden else message.text,
        "reply_to": quote_data(reply) if reply is not None else None,
        "created_at": _iso(message.created_at),
        "edited_at": None if deleted else _iso(message.edited_at),
        "deleted": deleted,
        "hidden": hidden,
    }


def _messages(room: Room):
    return Message.objects.filter(room=room).select_related("author", "reply_to__author")


def messages_before(room: Room, *, before: int | None = None) -> tuple[list[Message], bool]:
    """The PAGE messages before message id `before` (the latest, without it), oldest first,
    and whether there are older ones. A cursor, not an offset: pages stay right while
    messages keep coming."""
    messages = _messages(room).order_by("-id")
    if before is not None:
        messages = messages.filter(id__lt=before)
    page = list(messages[: PAGE + 1])
    return page[:PAGE][::-1], len(page) > PAGE


def read_seq(room: Room, user) -> int:
    if not rules.is_signed_in(user):
        return 0
    marker = ReadMarker.objects.filter(room=room, user=user).values_list("seq", flat=True)
    return marker.first() or 0


def unread_count(room: Room, user) -> int:
    return unread_counts(user, [room])[room.pk]


def room_snapshot(room: Room, user) -> dict:
    """What a reader needs to draw the room: the latest messages and how far they read."""
    messages, has_more = messages_before(room)
    return {
        "room": room_data(room),
        "messages": [message_data(m) for m in messages],
        "has_more": has_more,
        "read_seq": read_seq(room, user),
        "unread": unread_count(room, user),
    }


def room_me(room: Room, user) -> dict:
    signed_in = rules.is_signed_in(user)
    return {
        "id": user.pk if signed_in else None,
        "name": user.public_name if signed_in else None,
        "username": user.get_username() if signed_in else None,
        "can_post": rules.can_post(user, room),
    }


def unread_counts(user, rooms: Iterable[Room]) -> dict[int, int]:
    """room id → messages of others after `user`'s read marker, for rooms they may read.

    One query, however many rooms: the read marker and the team-room right are subqueries.
    Deleted messages and those a moderator hid do not count; nothing counts for an anonymous
    reader.
    """
    ids = [room.pk for room in rooms]
    counts = dict.fromkeys(ids, 0)
    if not ids or not rules.is_signed_in(user):
        return counts
    marker = ReadMarker.objects.filter(room=OuterRef("room"), user=user).values("seq")[:1]
    in_team = Membership.objects.filter(project=OuterRef("room__project"), user=user)
    readable = Q(room__kind=RoomKind.OPEN) | Q(Exists(in_team), room__kind=RoomKind.TEAM)
    rows = (
        Message.objects.filter(
            room_id__in=ids, room__project__isnull=False, deleted_at=None, hidden_at=None
        )
        .filter(readable)
        .exclude(author=user)
        .annotate(marker=Coalesce(Subquery(marker), Value(0), output_field=IntegerField()))
        .filter(seq__gt=F("marker"))
        .values("room_id")
        .annotate(n=Count("id"))
        .values_list("room_id", "n")
    )
    counts.update(rows)
    return counts


def project_rooms(project) -> dict[str, Room]:
    """The project's rooms that exist so far, by kind (rooms are created on first visit)."""
    rooms = Room.objects.filter(project=project).select_related("project")
    return {room.kind: room for room in rooms}


def project_chat_links(user, project, *, in_team: bool | None = None) -> list[dict]:
    """The links to a project's rooms that `user` may open, with their unread counts:
    `[{"kind", "label", "url", "unread"}]`, the team room first (its members only). Three queries at
    most (rooms, membership unless `in_team` is given, unread counts); rooms not created yet
    count 0 and their link creates them on first visit."""
    if in_team is None:
        in_team = rules.is_signed_in(user) and project.memberships.filter(user=user).exists()
    rooms = project_rooms(project)
    counts = unread_counts(user, rooms.values())
    links = []
    for kind, name in ((RoomKind.TEAM, "chat:project_team"), (RoomKind.OPEN, "chat:project_open")):
        if kind == RoomKind.TEAM and not in_team:
            continue
        room = rooms.get(kind)
        links.append(
            {
                "kind": kind.value,
                "room": room.pk if room else None,
                "label": str(kind.label),
                "url": room.get_absolute_url() if room else reverse(name, args=[project.slug]),
                "unread": counts[room.pk] if room else 0,
            }
        )
    return links


def rooms_of(user):
    """The rooms whose unread messages a member is shown: their projects' team rooms and the
    open discussions they have read in."""
    if not rules.is_signed_in(user):
        return Room.objects.none()
    mine = Q(kind=RoomKind.TEAM, project__memberships__user=user) | Q(read_markers__user=user)
    return Room.objects.filter(mine).distinct()


def total_unread(user) -> int:
    return sum(unread_counts(user, rooms_of(user)).values())
