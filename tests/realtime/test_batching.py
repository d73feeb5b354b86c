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


class OuterAtomic:
    """`transaction.atomic` as the batcher opens it, knowing whether it is the outermost."""

    def __init__(self, *args, **kwargs):
        self.inner = REAL_ATOMIC(*args, **kwargs)

    def __enter__(self):
        self.outer = not connection.in_atomic_block
        return self.inner.__enter__()


REAL_ATOMIC = transaction.atomic


async def test_a_batch_that_cannot_commit_is_applied_op_by_op(monkeypatch):
    board, column, people = await a_board_and_people(3)
    failures = []

    class FailingOnce(OuterAtomic):
        """The batch's own transaction fails to commit, once (a deadlock, say)."""

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


async def test_each_applied_op_is_handed_back_on_the_loop_before_its_trip_returns():
    board, column, people = await a_board_and_people(3)
    batcher = get_batcher()
    handed: list[tuple[str, int, bool]] = []
    ops = {}

    def apply(person, text, op_id):
        ops[op_id] = asyncio.ensure_future(
            batcher.apply(
                creating(board, column, person, text, op_id),
                on_applied=lambda applied: handed.append((op_id, applied.seq, ops[op_id].done())),
            )
        )
        return ops[op_id]

    outcomes = await asyncio.gather(
        apply(people[0], "Première", "a"),
        apply(people[1], "x" * 10_000, "b"),  # refused: nothing to hand back
        apply(people[2], "Troisième", "c"),
        return_exceptions=True,
    )
    assert isinstance(outcomes[1], Refused)
    # Once each, with the seq its result has, before the op's own result was in.
    assert handed == [("a", outcomes[0].seq, False), ("c", outcomes[2].seq, False)]


async def test_an_op_of_a_batch_that_did_not_commit_is_handed_back_once_applied_alone(
    monkeypatch,
):
    board, column, people = await a_board_and_people(3)
    failures = []

    class RolledBack(OuterAtomic):
        """The batch's transaction is rolled back instead of committing (a deadlock, say)."""

        def __exit__(self, *exc):
            if self.outer and not failures and exc[0] is None:
                failures.append(1)
                error = OperationalError("deadlock detected")
                self.inner.__exit__(OperationalError, error, None)  # rolled back, hooks dropped
                raise error
            return self.inner.__exit__(*exc)

    real_apply = batching.apply_together

    def apply_together(ops):
        if len(ops) == 1:
            return real_apply(ops)
        with monkeypatch.context() as m:
            m.setattr(batching.transaction, "atomic", RolledBack)
            return real_apply(ops)

    monkeypatch.setattr(batching, "apply_together", apply_together)
    batcher = get_batcher()
    handed = []
    results = await asyncio.gather(
        *(
            batcher.apply(
                creating(board, column, person, f"Carte {i}", f"r-{i}"),
                on_applied=lambda applied, i=i: handed.append((i, applied.seq)),
            )
            for i, person in enumerate(people)
        )
    )
    assert failures == [1]  # a batch went, and did not commit
    assert sorted(handed) == [(i, applied.seq) for i, applied in enumerate(results)]
    assert not any(applied.duplicate for applied in results)
    assert await db(cards_of)(board) == ["Carte 0", "Carte 1", "Carte 2"]


async def test_what_a_trip_hands_to_the_loop_goes_in_one_callback_in_order(caplog):
    """An event for the hub and its op's result, handed over one by one, can land in two turns
    of the loop, with every socket's writer in between."""
    from realtime import publish

    loop = asyncio.get_running_loop()
    handed_over, ran = [], []
    real = loop.call_soon_threadsafe

    def counting(callback, *args):
        handed_over.append(callback)
        return real(callback, *args)

    def fails():
        raise ValueError("one failing call")

    def in_the_database_thread():
        with publish.together():
            publish.call_on_loop(loop, ran.append, "event")
            with publish.together():  # nested: the outer block hands over
                publish.call_on_loop(loop, fails)
            publish.call_on_loop(loop, ran.append, "result")
            assert ran == [] and handed_over == []  # kept until the block ends
        publish.call_on_loop(loop, ran.append, "alone")  # outside: at once

    loop.call_soon_threadsafe = counting
    try:
        await asyncio.to_thread(in_the_database_thread)
        await asyncio.sleep(0.05)
    finally:
        del loop.call_soon_threadsafe
    assert ran == ["event", "result", "alone"]  # the failing call did not stop the others
    # The block's three calls in one callback, then the last (then to_thread's own result).
    assert handed_over[:2] == [publish._run_in_order, ran.append]
    assert len(handed_over) == 3
    assert "failed on the loop" in caplog.text
