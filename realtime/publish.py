"""After-commit broadcast of events and signals, each serialised once.

One channel-layer message per event goes to the stream's group, to which each process's hub
(realtime.hub) subscribes once; the hub fans the already-serialised frame out to its sockets.
"""

from __future__ import annotations

import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def group_name(key: str) -> str:
    """Channel-layer group of a stream (`board:42` → `stream.board.42`)."""
    return "stream." + key.replace(":", ".")


def publish_event_on_commit(key: str, seq: int, frame: str) -> None:
    transaction.on_commit(partial(send_event, key, seq, frame))


def send_event(key: str, seq: int, frame: str) -> None:
    message = {"type": "stream.event", "stream": key, "seq": seq, "frame": frame}
    try:
        async_to_sync(get_channel_layer().group_send)(group_name(key), message)
    except Exception:
        # The change is committed; the hubs find the missing seq in the log (gap fill).
        logger.exception("could not publish %s#%s", key, seq)
