"""The event log: append with the next seq in the caller's transaction, replay since a seq."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from realtime import publish
from realtime.models import Event, Stream
from realtime.prepared import PreparedInsert, PreparedQuery


@dataclass(frozen=True)
class Applied:
    """What a service answers after a write: the seq of its event, and whether it was a retry."""

    seq: int | None
    duplicate: bool = False
    result: Any = None


def dumps(payload: dict) -> str:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def ensure_stream(key: str) -> Stream:
    stream, _ = Stream.objects.get_or_create(key=key)
    return stream


def head(key: str) -> tuple[int, str]:
    """The stream's last seq and epoch (0 and a fresh epoch for a stream never written)."""
    stream = Stream.objects.filter(key=key).values_list("seq", "epoch").first()
    if stream is None:
        stream = ensure_stream(key)
        return stream.seq, stream.epoch
    return stream


def heads(keys: list[str]) -> dict[str, int]:
    """The last seq of each of these streams, in one query."""
    return dict(Stream.objects.filter(key__in=keys).values_list("key", "seq"))


def applied_seq(*, key: str, client: str, op_id: str) -> int | None:
    """The seq an op already produced, if this client already sent an op with this id."""
    if not op_id:
        return None
    event = _event_of_op.first(key, client, op_id)
    return event.seq if event is not None else None


# Every op asks it first (a vote opening, hundreds a second): the ORM builds it once.
_event_of_op = PreparedQuery(
    lambda key, client, op_id: Event.objects.filter(
        stream__key=key, client=client, op_id=op_id
    ).only("seq")[:1],
    str,
    str,
    str,
)


def append_event(
    *,
    key: str,
    name: str,
    data: dict,
    actor: dict | None = None,
    client: str = "",
    op_id: str = "",
    private_to: int | None = None,
    redacted: dict | None = None,
) -> Event:
    """Append one event with the stream's next seq and publish it once the transaction commits.

    Must run inside the transaction that makes the change: the change and its event commit
    together or not at all. Bumping the counter first takes the stream's row lock, so
    concurrent writers get consecutive seqs in commit order.

    With `redacted`, the event is restricted: it goes whole only to the person `private_to`
    (if any) and to the readers who see everything; every other reader gets the same seq as a
    `redacted` event whose data is `redacted` — live, on replay and in gap fills alike.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_event must run inside the transaction of the change")
    bumped = _bump(key)
    if bumped is None:
        ensure_stream(key)
        bumped = _bump(key)
    stream_id, seq = bumped
    event = _new_event.create(
        stream_id=stream_id,
        seq=seq,
        name=name,
        data=data,
        actor=actor,
        client=client,
        op_id=op_id,
        created_at=timezone.now(),
        private_to=private_to if redacted is not None else None,
        redacted=redacted,
    )
    event.stream_key = key
    publish.publish_event_on_commit(key, event.seq, delivery(key, event))
    return event


# Every op writes one (a vote opening, hundreds a second): the ORM builds the INSERT once.
_new_event = PreparedInsert(Event)


def _bump(key: str) -> tuple[int, int] | None:
    """Take the stream's next seq (and its row lock): (stream id, seq), or None if the stream
    does not exist. One statement where the database can say what it updated."""
    connection = transaction.get_connection()
    if connection.vendor in ("postgresql", "sqlite"):
        table, column = (connection.ops.quote_name(n) for n in (Stream._meta.db_table, "key"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET seq = seq + 1 WHERE {column} = %s RETURNING id, seq",
                [key],
            )
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None
    if not Stream.objects.filter(key=key).update(seq=F("seq") + 1):
        return None
    return Stream.objects.filter(key=key).values_list("id", "seq").get()


def events_of(key: str):
    """A stream's logged events (a queryset), for a service that restricts some of them."""
    return Event.objects.filter(stream__key=key)


def restrict_events(*, key: str, ids, redacted: dict | None, private_to: int | None = None) -> int:
    """Change the restriction of logged events (`redacted=None`: open to every reader).

    A moderator's hiding does this: replays and gap fills read the restriction from the row,
    so a reader who was not there never gets what was hidden (`private_to=NO_READER`: no
    reader gets it whole, not even one who sees all). Events already sent stay sent.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("restrict_events must run inside the transaction of the change")
    events = [getattr(event, "pk", event) for event in ids]
    return Event.objects.filter(stream__key=key, pk__in=events).update(
        redacted=redacted, private_to=private_to if redacted is not None else None
    )


def rewrite_event_data(*, key: str, event_id: int, data: dict) -> int:
    """Replace what a logged event carries, for every reader (a moderator's hiding does this
    to an event that names several things, one of them hidden: the rest must still replay).
    Events already sent stay sent."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("rewrite_event_data must run inside the transaction of the change")
    return Event.objects.filter(stream__key=key, pk=event_id).update(data=data)


@dataclass(frozen=True)
class Delivery:
    """An event ready to send: its frame, serialised once, and for a restricted event the
    redacted frame (also serialised once) with the person who may see it whole."""

    frame: str
    redacted: str | None = None
    private_to: int | None = None

    def for_reader(self, reader: Reader | None) -> str:
        if self.redacted is None or (reader is not None and reader.may_see(self.private_to)):
            return self.frame
        return self.redacted


# `private_to` of an event a moderator restricted: it goes whole to no reader, not even to
# those who see everything else (a board's team sees hidden-mode cards, not hidden content).
NO_READER = 0


@dataclass(frozen=True)
class Reader:
    """Who reads a stream, for restricted events: a person (or None) and whether they see all."""

    person: int | None = None
    sees_all: bool = False

    def may_see(self, private_to: int | None) -> bool:
        if private_to == NO_READER:
            return False
        return self.sees_all or (self.person is not None and self.person == private_to)


def delivery(key: str, event: Event) -> Delivery:
    frame = dumps(event_frame(key, event))
    if event.redacted is None:
        return Delivery(frame)
    redacted = {
        "type": "event",
        "stream": key,
        "seq": event.seq,
        "name": "redacted",
        "data": event.redacted,
        "actor": None,
        "at": event_frame(key, event)["at"],
        "op": None,
    }
    return Delivery(frame, dumps(redacted), event.private_to)


def event_frame(key: str, event: Event) -> dict:
    """The `event` frame for one logged event: the same dict live and on replay."""
    return {
        "type": "event",
        "stream": key,
        "seq": event.seq,
        "name": event.name,
        "data": event.data,
        "actor": event.actor,
        "at": event.created_at.isoformat().replace("+00:00", "Z"),
        "op": event.op_id or None,
    }


def replay_deliveries(
    key: str, *, since: int, until: int | None = None, limit: int
) -> list[tuple[int, Delivery]]:
    """(seq, delivery) of the events with since < seq <= until, at most `limit`."""
    events = Event.objects.filter(stream__key=key, seq__gt=since).order_by("seq")
    if until is not None:
        events = events.filter(seq__lte=until)
    return [(event.seq, delivery(key, event)) for event in events[:limit]]


def replay_events(
    key: str, *, since: int, until: int | None = None, limit: int, reader: Reader | None = None
) -> list[tuple[int, str]]:
    """(seq, serialised frame) of the events with since < seq <= until, at most `limit`, each
    as `reader` may see it."""
    return [
        (seq, found.for_reader(reader))
        for seq, found in replay_deliveries(key, since=since, until=until, limit=limit)
    ]


def can_replay(key: str, *, since: int, epoch: str, limit: int) -> tuple[bool, int, str]:
    """Whether a client at (since, epoch) can catch up by replay, with the head seq and epoch."""
    seq, current_epoch = head(key)
    ok = epoch == current_epoch and 0 <= since <= seq and seq - since <= limit
    return ok, seq, current_epoch
