"""Ops applied together: the ops a process's sockets sent while the database thread was busy
go through it in one trip and one transaction, each in its own savepoint.

When a workshop opens its vote, 400 phones vote within seconds: hundreds of ops a second for
one database thread. Applied one by one, each pays a trip to that thread and a transaction
of its own (BEGIN IMMEDIATE, the commit); applied together, the ops queued behind a busy
thread share them. Nothing changes for an op on its own: with no other op waiting, it goes at
once, alone.

What each op keeps: its savepoint (an op refused, or failing, leaves the others applied), its
language (error messages), its result or its exception, and its ack after the commit that
makes it durable. An op's `on_applied` gets its result on the loop as soon as it is
committed, right behind the event it made and before the trip back from the database thread
is over: the socket that sent it can have its ack ready when its event goes out. If the
shared transaction cannot commit (a deadlock between two processes' batches on PostgreSQL,
say), nothing of it was applied and each op runs again alone, in its own transaction, as it
would have without batching.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from channels.db import database_sync_to_async
from django.db import DatabaseError, transaction
from django.utils import translation

from realtime import publish
from realtime.loops import one_per_loop

logger = logging.getLogger(__name__)

#: ops applied in one transaction at most (a batch holds the database's write lock)
MAX_BATCH = 32


@dataclass
class _Op:
    call: Callable[[], Any]
    language: str | None
    future: asyncio.Future = field(repr=False)
    on_applied: Callable[[Any], None] | None = field(default=None, repr=False)


class OpBatcher:
    """One per event loop: `await get_batcher().apply(handler, *args)`."""

    def __init__(self) -> None:
        self.waiting: list[_Op] = []
        self.task: asyncio.Task | None = None

    async def apply(
        self, handler: Callable, *args, on_applied: Callable[[Any], None] | None = None
    ) -> Any:
        loop = asyncio.get_running_loop()
        op = _Op(
            lambda: handler(*args), translation.get_language(), loop.create_future(), on_applied
        )
        self.waiting.append(op)
        if self.task is None or self.task.done():
            self.task = loop.create_task(self._drain())
        return await op.future

    async def _drain(self) -> None:
        while self.waiting:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            try:
                outcomes = await database_sync_to_async(apply_together)(batch)
            except asyncio.CancelledError:
                for op in batch + self.waiting:
                    op.future.cancel()
                raise
            except Exception as exc:  # the trip to the database thread itself failed
                outcomes = [(False, exc)] * len(batch)
            for op, (ok, value) in zip(batch, outcomes, strict=True):
                if op.future.done():
                    continue  # its socket went away
                if ok:
                    op.future.set_result(value)
                else:
                    op.future.set_exception(value)


def apply_together(batch: list[_Op]) -> list[tuple[bool, Any]]:
    """Run the ops in one transaction, each in a savepoint; (applied, result or exception)
    for each. Synchronous: the database thread. What the commits hand to the loop (the events
    for the hub, then each op's result) goes in one callback, in that order."""
    with publish.together():
        if len(batch) == 1:
            return [_alone(batch[0])]
        try:
            with transaction.atomic():
                return [_in_savepoint(op) for op in batch]
        except DatabaseError:
            logger.warning("a batch of %d ops could not commit: applied one by one", len(batch))
            return [_alone(op) for op in batch]


def _in_savepoint(op: _Op) -> tuple[bool, Any]:
    try:
        with translation.override(op.language), transaction.atomic():
            return True, _committed_then_handed_back(op, op.call())
    except DatabaseError:
        raise  # the transaction may be unusable: the batch goes one by one
    except Exception as exc:
        return False, exc


def _alone(op: _Op) -> tuple[bool, Any]:
    try:
        with translation.override(op.language):
            return True, _committed_then_handed_back(op, op.call())
    except Exception as exc:
        return False, exc


def _committed_then_handed_back(op: _Op, result: Any) -> Any:
    """Once `result` is committed (at once if it already is), hand it to `op.on_applied` on
    the loop: after the hooks the op registered itself (its event's publication), and only if
    it commits (a savepoint rolled back, or a batch that falls back, drops the hook)."""
    if op.on_applied is not None:
        transaction.on_commit(partial(_hand_back, op, result))
    return result


def _hand_back(op: _Op, result: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to answer
        publish.call_on_loop(op.future.get_loop(), op.on_applied, result)


#: The batcher of the running event loop.
get_batcher = one_per_loop(OpBatcher)
