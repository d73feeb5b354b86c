"""Prepared queries: the ORM's SQL built once, rows as the ORM would give them."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from boards.models import Board
from realtime.prepared import PreparedQuery
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
