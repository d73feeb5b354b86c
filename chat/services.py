"""Every change to a chat goes through here: the only writer of rooms, messages, read markers
and mentions.

Each op service runs in one transaction (`room_op`): it locks the room row, answers a retried
op with the ack it already got, checks rights, validates, writes, and appends one event to the
room's stream (`chat:<id>`, published after commit). Refusals are realtime.errors exceptions:
the HTTP views and the WebSocket consumer turn them into a status or an `error` frame.
"""

from __future__ import annotations

import functools
import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.moderation import activity
from boards.services import check_not_muted
from chat import rules
from chat.models import MESSAGE_TEXT_MAX, Mention, Message, ReadMarker, Room, RoomKind
from chat.selectors import message_data, quote_data
from notifications.models import Kind
from notifications.services import notify, rewrite_bodies
from realtime import publish, streams
from realtime.auth import actor_of, client_key
from realtime.errors import Forbidden, Invalid, NotFound
from realtime.streams import Applied

# `@username`, not inside a word or an e-mail address; Django usernames also allow . + -
# but a trailing dot ends a sentence, not a name.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
MAX_MENTIONS = 20  # names looked up per message: a wall of @ costs one query, not hundreds


def get_or_create_room(*, project, kind: str) -> Room:
    """A project's room of this kind, created on first use."""
    if kind not in RoomKind.values:
        raise Invalid(_("Type de salon inconnu."))
    room, _created = Room.objects.get_or_create(project=project, kind=kind)
    return room


def room_op(service):
    """Make `service(actor, room, ...)` a room write callable as `(actor, room_id, ...)`.

    One transaction; the room row locked (writes to a room queue up, so a message's seq is
    its event's); a reader who may not see the room gets `not_found`; an op retried with an
    id this person already used is answered with the seq it produced, without running again.
    """

    @functools.wraps(service)
    @transaction.atomic
    def run(*, actor, room_id: int, op_id: str = "", **kwargs) -> Applied:
        room = (
            Room.objects.select_for_update(of=("self",))
            .select_related("project")
            .filter(pk=room_id)
            .first()
        )
        # A moderator enters any room to hide or restore a message, team rooms included.
        moderating = getattr(service, "moderation", False) and rules.is_moderator(actor)
        if room is None or not (moderating or rules.can_read_room(actor, room)):
            raise NotFound(_("Ce salon n'existe pas ou vous n'y avez pas accès."))
        # Reading on is never refused to a muted member; a banned one does nothing at all.
        check_not_muted(actor, mute_too=service.__name__ != "mark_read")
        if op_id:
            seq = streams.applied_seq(key=room.stream_key, client=client_key(actor), op_id=op_id)
            if seq is not None:
                return Applied(seq=seq, duplicate=True)
        return service(actor=actor, room=room, op_id=op_id, **kwargs)

    return run


@room_op
def send_message(
    *, actor, room: Room, text: str, reply_to_id: int | None = None, op_id: str = ""
) -> Applied:
    """Post a message (optionally a reply to one of the room's messages); tell the mentioned."""
    if not rules.can_post(actor, room):
        raise Forbidden(_("Connectez-vous pour écrire dans cette discussion."))
    text = _clean_text(text)
    reply_to = None
    if reply_to_id is not None:
        if isinstance(reply_to_id, bool) or not isinstance(reply_to_id, int):
            raise Invalid(_("Le message auquel vous répondez est mal indiqué."))
        reply_to = (
            Message.objects.select_related("author")
            .filter(pk=reply_to_id, room=room, deleted_at=None, hidden_at=None)
            .first()
        )
        if reply_to is None:
            raise NotFound(_("Le message auquel vous répondez n'existe pas ou plus."))
    # Under the room's lock every append to its stream is ours: the next seq is the event's.
    seq = streams.head(room.stream_key)[0] + 1
    message = Message.objects.create(room=room, author=actor, text=text, reply_to=reply_to, seq=seq)
    applied = _emit(room, actor, op_id, "message.created", {"message": message_data(message)})
    if applied.seq != seq:  # a writer that skipped the lock: refuse rather than lie
        raise RuntimeError(f"{room.stream_key}: message seq {seq} but event {applied.seq}")
    _mention(actor, room, message)
    if room.kind == RoomKind.OPEN and room.project_id:  # team rooms: counted, never shown
        activity.message_posted(message, actor=actor)
    transaction.on_commit(functools.partial(_tell_unread, room.pk, actor.pk))
    return Applied(seq=applied.seq, result=message)


def _tell_unread(room_id: int, author_id: int) -> None:
    """Each reader who follows this room (its team, those who read in it) gets, on their own
    stream, their unread count for it and in all: the navigation and the project page follow
    without a reload. A signal: losing one costs a stale badge until the next."""
    room = Room.objects.select_related("project").get(pk=room_id)
    readers = set(room.read_markers.values_list("user_id", flat=True))
    if room.kind == RoomKind.TEAM and room.project_id:
        readers |= set(room.project.memberships.values_list("user_id", flat=True))
    readers.discard(author_id)
    for reader in get_user_model().objects.filter(pk__in=readers, is_active=True):
        _send_counts(reader, room_id)


def _send_counts(reader, room_id: int) -> None:
    from chat.selectors import rooms_of, unread_counts

    counts = unread_counts(reader, rooms_of(reader))
    data = {"room": room_id, "unread": counts.get(room_id, 0), "total": sum(counts.values())}
    frame = streams.dumps({"type": "signal", "name": "chat.unread", "data": data})
    publish.send_signal(f"user:{reader.pk}", frame)


@room_op
def edit_message(*, actor, room: Room, message_id: int, text: str, op_id: str = "") -> Applied:
    """Change one's own message; people newly mentioned are told (each once per message)."""
    message = _own_message(actor, room, message_id)
    text = _clean_text(text)
    if text == message.text:
        return Applied(seq=None, result=message)
    message.text = text
    message.edited_at = timezone.now()
    message.save(update_fields=["text", "edited_at"])
    applied = _emit(room, actor, op_id, "message.edited", {"message": message_data(message)})
    _mention(actor, room, message)
    return Applied(seq=applied.seq, result=message)


@room_op
def delete_message(*, actor, room: Room, message_id: int, op_id: str = "") -> Applied:
    """Delete one's own message: it keeps its place, its text is gone for everyone."""
    message = _own_message(actor, room, message_id)
    message.text = ""
    message.deleted_at = timezone.now()
    message.save(update_fields=["text", "deleted_at"])
    applied = _emit(room, actor, op_id, "message.deleted", {"message": message_data(message)})
    return Applied(seq=applied.seq, result=message)


@room_op
def mark_read(*, actor, room: Room, seq: int, op_id: str = "") -> Applied:
    """Move one's read marker forward to `seq`; the `read` event tells one's other tabs.

    A marker never goes back: an older `seq` (a late tab) changes nothing and is no event.
    """
    if not rules.is_signed_in(actor):
        raise Forbidden(_("Connectez-vous pour garder votre place dans la discussion."))
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise Invalid(_("Position de lecture invalide."))
    if seq > streams.head(room.stream_key)[0]:
        raise Invalid(_("Position de lecture au-delà du dernier message."))
    marker, _created = ReadMarker.objects.get_or_create(room=room, user=actor)
    if seq <= marker.seq:
        return Applied(seq=None)
    marker.seq = seq
    marker.save(update_fields=["seq", "updated_at"])
    transaction.on_commit(functools.partial(_send_counts, actor, room.pk))  # every tab's badges
    return _emit(room, actor, op_id, "read", {"user": actor.pk, "seq": seq})


# Moderation --------------------------------------------------------------------------------


def _moderation(service):
    service.moderation = True
    return service


@room_op
@_moderation
def hide_message(*, actor, room: Room, message_id: int, op_id: str = "") -> Applied:
    """Hide a message (a moderator): it keeps its place without its text, for every reader
    (`message.hidden` with the message as it is now). Its earlier events in the log become
    restricted with nothing in them, so a replay from before never carries its text.
    Called by moderation.services, which audits it."""
    message = _moderated_message(actor, room, message_id, hidden=False)
    message.hidden_at = timezone.now()
    message.save(update_fields=["hidden_at"])
    earlier = streams.events_of(room.stream_key).filter(data__message__id=message.pk)
    streams.restrict_events(
        key=room.stream_key, ids=list(earlier), redacted={}, private_to=streams.NO_READER
    )
    _requote(room, message)
    rewrite_bodies(kind=Kind.MENTION, url=mention_url(room, message), body="")
    applied = _emit(room, actor, op_id, "message.hidden", {"message": message_data(message)})
    return Applied(seq=applied.seq, result=message)


@room_op
@_moderation
def unhide_message(*, actor, room: Room, message_id: int, op_id: str = "") -> Applied:
    """Restore a hidden message: `message.unhidden` with its text; its events open again."""
    message = _moderated_message(actor, room, message_id, hidden=True)
    message.hidden_at = None
    message.save(update_fields=["hidden_at"])
    earlier = streams.events_of(room.stream_key).filter(data__message__id=message.pk)
    streams.restrict_events(key=room.stream_key, ids=list(earlier), redacted=None)
    _requote(room, message)
    rewrite_bodies(kind=Kind.MENTION, url=mention_url(room, message), body=message.text[:300])
    applied = _emit(room, actor, op_id, "message.unhidden", {"message": message_data(message)})
    return Applied(seq=applied.seq, result=message)


def _requote(room: Room, message: Message) -> None:
    """The logged events of the replies to `message` quote it as it is now: a replay never
    carries a hidden message's text inside a reply, and carries it again once restored."""
    quote = quote_data(message)
    replies = streams.events_of(room.stream_key).filter(data__message__reply_to__id=message.pk)
    for event in replies.only("pk", "data"):
        data = {**event.data, "message": {**event.data["message"], "reply_to": quote}}
        streams.rewrite_event_data(key=room.stream_key, event_id=event.pk, data=data)


def _moderated_message(actor, room: Room, message_id, *, hidden: bool) -> Message:
    if not rules.is_moderator(actor):
        raise Forbidden()
    message = (
        Message.objects.select_related("author", "reply_to__author")
        .filter(pk=message_id, room=room, hidden_at__isnull=not hidden)
        .first()
    )
    if message is None:
        raise NotFound(_("Ce message n'existe pas ou plus."))
    return message


# Shared steps ------------------------------------------------------------------------------


def _emit(room: Room, actor, op_id: str, name: str, data: dict) -> Applied:
    event = streams.append_event(
        key=room.stream_key,
        name=name,
        data=data,
        actor=actor_of(actor),
        client=client_key(actor),
        op_id=op_id,
    )
    return Applied(seq=event.seq)


def _clean_text(value) -> str:
    if not isinstance(value, str):
        raise Invalid(_("Le message doit être un texte."))
    value = value.strip()
    if not value:
        raise Invalid(_("Le message est vide."))
    if len(value) > MESSAGE_TEXT_MAX:
        raise Invalid(
            _("Le message dépasse %(max)s caractères (%(n)s).")
            % {"max": MESSAGE_TEXT_MAX, "n": len(value)}
        )
    return value


def _own_message(actor, room: Room, message_id) -> Message:
    if isinstance(message_id, bool) or not isinstance(message_id, int):
        raise Invalid(_("Le message est mal indiqué."))
    message = (
        Message.objects.select_related("author", "reply_to__author")
        .filter(pk=message_id, room=room, deleted_at=None, hidden_at=None)
        .first()
    )
    if message is None:
        raise NotFound(_("Ce message n'existe pas ou plus."))
    if not rules.can_change_message(actor, message):
        raise Forbidden(_("Seul l'auteur d'un message peut le modifier ou le supprimer."))
    return message


def mentioned_names(text: str) -> list[str]:
    """The usernames a text mentions, each once, in order (at most MAX_MENTIONS)."""
    names: dict[str, None] = {}
    for match in MENTION.finditer(text):
        name = match.group(1).rstrip(".")
        if name:
            names.setdefault(name.lower(), None)
    return list(names)[:MAX_MENTIONS]


def _mention(actor, room: Room, message: Message) -> None:
    """One Mention and one notification per member the message names who can read the room
    and was not named in it before; never the sender."""
    names = mentioned_names(message.text)
    if not names:
        return
    named = Q()
    for name in names:
        named |= Q(username__iexact=name)
    people = get_user_model().objects.filter(named, is_active=True).exclude(pk=actor.pk)
    if room.kind != RoomKind.OPEN:
        people = people.filter(memberships__project_id=room.project_id)
    already = Mention.objects.filter(message=message).values_list("user_id", flat=True)
    people = list(people.exclude(pk__in=already).distinct())
    if not people:
        return
    Mention.objects.bulk_create([Mention(message=message, user=person) for person in people])
    where = room.project.title if room.project_id else ""
    notify(
        people,
        kind=Kind.MENTION,
        title=_("%(name)s vous mentionne dans « %(room)s »")
        % {"name": actor.public_name, "room": where},
        body=message.text[:300],
        url=mention_url(room, message),
        actor=actor,
    )


def mention_url(room: Room, message: Message) -> str:
    return f"{room.get_absolute_url()}#message-{message.pk}"
