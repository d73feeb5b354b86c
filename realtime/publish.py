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
import logging
import threading
from collections.abc import Callable
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
            loop.call_soon_threadsafe(_deliver_here, key, seq, delivery)
        future = asyncio.run_coroutine_threadsafe(
            get_channel_layer().group_send(group_name(key), message), loop
        )
        future.add_done_callback(partial(_log_failure, key, seq))
        return
    try:
        async_to_sync(get_channel_layer().group_send)(group_name(key), message)
    except Exception:
        # The change is committed; the hubs find the missing seq in the log (gap fill).
        logger.exception("could not publish %s#%s", key, seq)


def _log_failure(key: str, seq: int, future) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("could not publish %s#%s", key, seq, exc_info=future.exception())


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
