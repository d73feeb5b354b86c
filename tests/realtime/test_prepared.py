"""Prepared queries: the ORM's SQL built once, rows as the ORM would give them."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from boards.models import Board, Card, Vote
from realtime.models import Event
from realtime.prepared import PreparedInsert, PreparedQuery
from realtime.streams import ensure_stream
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db

by_pk = PreparedQuery(lambda pk: Board.objects.filter(pk=pk)[:1], int)


def test_rows_are_the_orm_s_own_with_converted_values():
    board = make_board(make_user("Awa"))
    Board.objects.filter(pk=board.pk).update(locked=True)
    expected = Board.objects.get(pk=board.pk)
    got = by_pk.first(board.pk)
    assert isinstance(got, Board) and got.pk == board.pk
    fields = [f.attname for f in Board._meta.concrete_fields]
    assert {f: getattr(got, f) for f in fields} == {f: getattr(expected, f) for f in fields}
    assert got.locked is True  # a boolean, not SQLite's 1
    assert got.created_at.tzinfo is not None  # an aware datetime, not SQLite's text
    assert got._state.adding is False and got._state.db == "default"
    assert by_pk.first(board.pk + 1000) is None


def test_each_call_is_one_query_with_its_own_values():
    first, second = make_board(title="Un"), make_board(title="Deux")
    by_pk.first(first.pk)  # compiled here, once
    with CaptureQueriesContext(connection) as queries:
        assert by_pk.first(second.pk).title == "Deux"
        assert by_pk.first(first.pk).title == "Un"
    assert len(queries) == 2
    assert str(second.pk) in queries[0]["sql"] and str(first.pk) in queries[1]["sql"]


def test_deferred_columns_and_two_values():
    user = make_user("Bruno")
    named = PreparedQuery(
        lambda pk, name: (
            get_user_model().objects.filter(pk=pk, username=name).only("pk", "username")[:1]
        ),
        int,
        str,
    )
    got = named.first(user.pk, "bruno")
    assert got.username == "bruno" and got.get_deferred_fields() >= {"display_name"}
    assert named.first(user.pk, "awa") is None


def test_values_of_another_type_are_refused():
    with pytest.raises(TypeError):
        by_pk.first("1")
    with pytest.raises(TypeError):
        by_pk.first(1, 2)
    with pytest.raises(TypeError):
        PreparedQuery(lambda when: Board.objects.filter(created_at=when), object)


def test_queries_it_cannot_replay_are_refused_when_built():
    joined = PreparedQuery(lambda pk: Board.objects.select_related("project").filter(pk=pk), int)
    with pytest.raises(ValueError, match="plain rows"):
        joined.first(1)
    # The value does not reach the SQL as itself (icontains wraps it in %…%).
    wrapped = PreparedQuery(lambda title: Board.objects.filter(title__icontains=title), str)
    with pytest.raises(ValueError, match="once as a parameter"):
        wrapped.first("x")


@pytest.mark.django_db(transaction=True)
def test_each_thread_uses_its_own_connection():
    board = make_board(title="Partagé")
    seen, errors = [], []

    def read():
        try:
            seen.append(by_pk.first(board.pk).title)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and seen == ["Partagé"] * 3


# Inserts -------------------------------------------------------------------------------------

new_event = PreparedInsert(Event)


def event_values(stream, seq: int, **extra) -> dict:
    return {
        "stream_id": stream.pk,
        "seq": seq,
        "name": "card.voted",
        "data": {"card": 7, "votes": 3, "texte": "éà"},
        "actor": {"id": 1, "name": "Awa"},
        "client": "user:1",
        "op_id": f"op-{seq}",
        "created_at": timezone.now(),
        **extra,
    }


def test_an_insert_writes_the_row_the_orm_would():
    stream = ensure_stream("board:prepared")
    made = Event.objects.create(**event_values(stream, 1))
    ours = new_event.create(**event_values(stream, 2, redacted={"cards_total": 4}))
    assert type(ours.pk) is int and ours.pk != made.pk
    assert ours._state.adding is False and ours._state.db == "default"
    read, expected = Event.objects.get(pk=ours.pk), Event.objects.get(pk=made.pk)
    fields = [f.attname for f in Event._meta.concrete_fields if f.attname not in ("id", "seq")]
    differ = {"op_id", "created_at", "redacted"}
    assert {f: getattr(read, f) for f in fields if f not in differ} == {
        f: getattr(expected, f) for f in fields if f not in differ
    }
    assert read.data == {"card": 7, "votes": 3, "texte": "éà"}  # JSON, as the ORM writes it
    assert read.redacted == {"cards_total": 4} and expected.redacted is None
    assert read.created_at == ours.created_at and read.created_at.tzinfo is not None


def test_an_insert_is_one_query_and_fills_what_save_fills():
    owner, voter = make_user("Awa"), make_user("Bruno")
    board = make_board(owner)
    column = board.columns.first()
    card = Card.objects.create(board=board, column=column, author=owner, text="Idée")
    new_vote = PreparedInsert(Vote)
    saved = []

    def on_save(sender, instance, created, **kwargs):
        saved.append((sender, instance.pk, created))

    post_save.connect(on_save, sender=Vote)
    try:
        new_vote.create(card=card, board=board, voter=owner)  # compiled here, once
        with CaptureQueriesContext(connection) as queries:
            vote = new_vote.create(card=card, board=board, voter=voter)
    finally:
        post_save.disconnect(on_save, sender=Vote)
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    assert vote.created_at is not None  # auto_now_add, as save() sets it
    assert Vote.objects.get(pk=vote.pk).voter_id == voter.pk
    assert saved[-1] == (Vote, vote.pk, True)  # the signals a save sends (the page cache's)


def test_an_insert_refusing_the_row_changes_nothing():
    stream = ensure_stream("board:prepared-twice")
    new_event.create(**event_values(stream, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        new_event.create(**event_values(stream, 1))  # the same seq: one event per seq
    assert Event.objects.filter(stream=stream).count() == 1
    with pytest.raises(TypeError):
        new_event.create(**event_values(stream, 2, seq=F("seq") + 1))
    with pytest.raises(ValueError):
        PreparedInsert(Session)  # keyed by a text column it must be given: not for it
