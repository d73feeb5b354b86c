"""Ops queued behind a busy database thread are applied in one trip and one transaction,
each in its own savepoint, and each keeps its own outcome."""

import asyncio

import pytest
from django.db import OperationalError, connection, transaction
from django.utils import translation

from boards import services
from boards.models import Card
from realtime import batching
from realtime.batching import get_batcher
from realtime.errors import Refused
from tests.factories import make_board, make_user
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


@db
def a_board_and_people(n: int):
    owner = make_user("Awa")
    board = make_board(owner, votes_per_person=1)
    column = board.columns.order_by("position").first()
    return board, column, [make_user(f"Membre{i}") for i in range(n)]


def cards_of(board) -> list[str]:
    return sorted(Card.objects.filter(board=board).values_list("text", flat=True))


def creating(board, column, person, text, op_id):
    return lambda: services.create_card(
        actor=person, board_id=board.pk, column_id=column.pk, text=text, op_id=op_id
    )


async def test_ops_waiting_together_share_one_transaction(monkeypatch):
    board, column, people = await a_board_and_people(4)
    trips = []
    original = batching.apply_together
    monkeypatch.setattr(
        batching, "apply_together", lambda ops: trips.append(len(ops)) or original(ops)
    )
    batcher = get_batcher()
    results = await asyncio.gather(
        *(
            batcher.apply(creating(board, column, person, f"Idée {i}", f"op-{i}"))
            for i, person in enumerate(people)
        )
    )
    assert sum(trips) == 4 and max(trips) > 1  # the ops sent at once went together
    seqs = [applied.seq for applied in results]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    texts = await db(
        lambda: sorted(Card.objects.filter(board=board).values_list("text", flat=True))
    )()
    assert texts == [f"Idée {i}" for i in range(4)]


async def test_a_refused_op_leaves_the_others_of_its_batch_applied():
    board, column, people = await a_board_and_people(3)
    batcher = get_batcher()
    outcomes = await asyncio.gather(
        batcher.apply(creating(board, column, people[0], "Première", "a")),
        batcher.apply(creating(board, column, people[1], "x" * 10_000, "b")),  # too long
        batcher.apply(creating(board, column, people[2], "Troisième", "c")),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], Refused)
    assert outcomes[0].seq and outcomes[2].seq
    assert await db(cards_of)(board) == ["Première", "Troisième"]


async def test_each_op_keeps_its_language():
    board, column, people = await a_board_and_people(2)
    batcher = get_batcher()

    async def refused_in(language):
        with translation.override(language):  # as a socket's receive does
            return await batcher.apply(creating(board, column, people[0], "", f"e-{language}"))

    first = asyncio.ensure_future(batcher.apply(creating(board, column, people[1], "Un", "un")))
    outcomes = await asyncio.gather(refused_in("fr"), refused_in("en"), return_exceptions=True)
    await first
    assert all(isinstance(o, Refused) for o in outcomes)
    assert outcomes[0].message != outcomes[1].message  # French, then English


async def test_a_batch_that_cannot_commit_is_applied_op_by_op(monkeypatch):
    board, column, people = await a_board_and_people(3)
    failures = []
    original = transaction.atomic

    class FailingOnce:
        """The batch's own transaction fails to commit, once (a deadlock, say)."""

        def __init__(self, *args, **kwargs):
            self.inner = original(*args, **kwargs)

        def __enter__(self):
            self.outer = not connection.in_atomic_block
            return self.inner.__enter__()

        def __exit__(self, *exc):
            result = self.inner.__exit__(*exc)
            if self.outer and not failures and exc[0] is None and len(pending) > 1:
                failures.append(1)
                raise OperationalError("deadlock detected")
            return result

    pending = []
    real_apply = batching.apply_together

    def apply_together(ops):
        pending[:] = ops
        with monkeypatch.context() as m:
            m.setattr(batching.transaction, "atomic", FailingOnce)
            return real_apply(ops)

    monkeypatch.setattr(batching, "apply_together", apply_together)
    batcher = get_batcher()
    results = await asyncio.gather(
        *(
            batcher.apply(creating(board, column, person, f"Carte {i}", f"k-{i}"))
            for i, person in enumerate(people)
        )
    )
    assert failures == [1]
    assert all(applied.seq for applied in results)
    count = await db(lambda: Card.objects.filter(board=board).count())()
    assert count == 3  # each once: the failed batch left nothing, each op then ran alone
