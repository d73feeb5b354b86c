"""After-commit broadcast of events and signals, each serialised once.

One channel-layer message per event goes to the stream's group, to which each process's hub
(realtime.hub) subscribes once; the hub fans the already-serialised frame out to its sockets.

Services run in worker threads. Publishing hands the message to the process's event loop and
returns at once: waiting for the loop (async_to_sync) would hold the database thread while the
loop is busy writing frames, and the ops would queue behind the fan-out.

The process that made the change does not wait for its own message to come back through the
channel layer (a Redis round trip, and a turn of a busy loop): its hub gets the event at once,
then ignores the copy the layer brings back. The other processes get it through the layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

if TYPE_CHECKING:
    from realtime.streams import Delivery

logger = logging.getLogger(__name__)

_loop: asyncio.AbstractEventLoop | None = None
_loop_thread: int | None = None
_deliver_here: Callable[[str, int, Delivery], None] | None = None


# Every process's hub is in this group: what concerns all of them (who is connected in each
# territory, a person's sockets to close) goes there, not to a stream.
HUB_GROUP = "hub.all"


def group_name(key: str) -> str:
    """Channel-layer group of a stream (`board:42` → `stream.board.42`)."""
    return "stream." + key.replace(":", ".")


def bind_loop(
    loop: asyncio.AbstractEventLoop, deliver_here: Callable[[str, int, Delivery], None]
) -> None:
    """Publish through this event loop (the process's; the hub binds it when it starts), and
    hand each event to `deliver_here` (the hub's local fan-out) on that loop."""
    global _loop, _loop_thread, _deliver_here
    _loop, _loop_thread, _deliver_here = loop, threading.get_ident(), deliver_here


_gathered = threading.local()  # what `together()` keeps for the loop, in this thread


def call_on_loop(loop: asyncio.AbstractEventLoop, function: Callable, *args) -> None:
    """`loop.call_soon_threadsafe(function, *args)`, or, within `together()`, kept for its
    one hand-over."""
    calls = getattr(_gathered, "calls", None)
    if calls is None:
        loop.call_soon_threadsafe(function, *args)
    else:
        calls.append((loop, function, args))


@contextlib.contextmanager
def together() -> Iterator[None]:
    """What this thread hands to the loop within the block (`call_on_loop`: the events for
    the hub, the ops' results) goes in one callback at the end, in order, so the loop runs it
    all without a turn in between. Handed over one by one, an event could reach the hub in one
    turn and its op's result only after the frames to every socket (each socket's writer
    scheduled in between): the author's ack waited behind hundreds of frames."""
    if getattr(_gathered, "calls", None) is not None:  # nested: the outer block hands over
        yield
        return
    _gathered.calls = calls = []
    try:
        yield
    finally:
        _gathered.calls = None
        by_loop: dict[asyncio.AbstractEventLoop, list] = {}
        for loop, function, args in calls:
            by_loop.setdefault(loop, []).append((function, args))
        for loop, in_order in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody to tell
                loop.call_soon_threadsafe(_run_in_order, in_order)


def _run_in_order(calls: list[tuple[Callable, tuple]]) -> None:
    for function, args in calls:
        try:
            function(*args)
        except Exception:  # one failing call must not keep the others from the loop
            logger.exception("%r failed on the loop", function)


def publish_event_on_commit(key: str, seq: int, delivery: Delivery) -> None:
    transaction.on_commit(partial(send_event, key, seq, delivery))


def send_event(key: str, seq: int, delivery: Delivery) -> None:
    message = {"type": "stream.event", "stream": key, "seq": seq, "frame": delivery.frame}
    if delivery.redacted is not None:
        message.update(redacted=delivery.redacted, private_to=delivery.private_to)
    loop = _loop
    if (
        loop is not None
        and loop.is_running()
        and not loop.is_closed()
        and threading.get_ident() != _loop_thread
    ):
        if _deliver_here is not None:
            call_on_loop(loop, _deliver_here, key, seq, delivery)
        # Through the same hand-over: the layer's copy must not reach this process's hub
        # before its own delivery and the op's result (see `together`).
        call_on_loop(loop, _publish_from_loop, key, seq, message)
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group_name(key), message)
    except Exception:
        # The change is committed; the hubs find the missing seq in the log (gap fill).
        logger.exception("could not publish %s#%s", key, seq)


_publishing: set[asyncio.Task] = set()  # held until done (the loop keeps weak references)


def _publish_from_loop(key: str, seq: int, message: dict) -> None:
    task = asyncio.get_running_loop().create_task(
        get_channel_layer().group_send(group_name(key), message)
    )
    _publishing.add(task)
    task.add_done_callback(partial(_published, key, seq))


def _published(key: str, seq: int, task: asyncio.Task) -> None:
    _publishing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error("could not publish %s#%s", key, seq, exc_info=task.exception())


def publish_signal_on_commit(key: str, frame: str) -> None:
    """An ephemeral `signal` frame for every socket of a stream, once the transaction commits."""
    transaction.on_commit(partial(send_signal, key, frame))


def send_signal(key: str, frame: str) -> None:
    message = {"type": "stream.signal", "stream": key, "frame": frame, "sender": None}
    _send_soon(group_name(key), message, f"a signal to {key}")  # a signal may be lost


def close_person_sockets(person_id: int) -> None:
    """Once the transaction commits, every process closes this person's open sockets (4401):
    a banned member stops reading at once, wherever they are connected."""
    transaction.on_commit(partial(send_close_person, person_id))


def send_close_person(person_id: int) -> None:
    message = {"type": "hub.close_person", "person": person_id}
    _send_soon(HUB_GROUP, message, f"the close of person {person_id}'s sockets")


def _send_soon(group: str, message: dict, what: str) -> None:
    """Hand a message to the process's loop and return (from a worker thread), or send it
    here and now (no loop running, or on the loop's own thread: tests, commands)."""
    loop = _loop
    if loop is not None and loop.is_running() and threading.get_ident() != _loop_thread:
        asyncio.run_coroutine_threadsafe(get_channel_layer().group_send(group, message), loop)
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group, message)
    except Exception:
        logger.exception("could not send %s", what)
