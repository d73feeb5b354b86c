"""`/ws/ateliers/<id>/console/`: the facilitator's console, live.

The console follows every table without a database query per board event: it subscribes to
each table's board stream through the process hub, like a board socket would, but its
subscriptions only mark the summary out of date. At most once a second, when something
changed (an event, or who is present), one query counts every table (`table_counts`) and one
`console.tables` signal goes out, with the people present per table from the hub's presence.

Frames (server → client only; the client may send `{"op": "ping"}`):

    {"type": "signal", "name": "console.tables",
     "data": {"tables": [{"number": 1, "board": 12, "seated": 4, "present": 3, "cards": 10,
                          "votes": 7, "phase": "idees", "locked": false}, …],
              "totals": {"seated": 4, "present": 3, "cards": 10, "votes": 7}}}

The first one is sent on connect. Close codes: 4401 not signed in, 4403 not the workshop's
facilitator, 4404 no such workshop.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from backend.workshops import selectors
from backend.workshops.models import Workshop
from realtime import protocol, streams
from realtime.auth import actor_of
from realtime.consumers import StreamRefused
from realtime.hub import Subscription, get_hub, presence

logger = logging.getLogger(__name__)

SUMMARY_INTERVAL = 1.0  # seconds: at most one summary (one query) a second per console
COALESCE = 0.1  # seconds a first change waits for the ones that come with it


class ConsoleConsumer(AsyncWebsocketConsumer):
    workshop_id: int | None = None

    async def connect(self) -> None:
        # Accept first so that a refusal carries its application close code.
        await self.accept()
        self.user = self.scope.get("user")
        self.subs: dict[str, Subscription] = {}
        self.numbers: dict[str, int] = {}  # stream key → table number
        self.dirty = False
        self.flush_task: asyncio.Task | None = None
        self.last_sent = 0.0
        self.gone = False
        try:
            self.workshop_id, tables = await database_sync_to_async(self._authorize)()
        except StreamRefused as refused:
            self.gone = True
            await self.close(code=refused.code)
            return
        # The console watches the tables without being « here » (in_presence=False); the
        # facilitator's own board tabs are left out of the counts too.
        self.person = actor_of(self.user)
        self.numbers = {f"board:{board_id}": number for number, board_id in tables}
        await self._follow(list(self.numbers))
        await self._send_summary()

    def _authorize(self) -> tuple[int, list[tuple[int, int]]]:
        workshop_id = self.scope["url_route"]["kwargs"]["workshop_id"]
        workshop = Workshop.objects.filter(pk=workshop_id).first()
        if workshop is None:
            raise StreamRefused(protocol.CLOSE_NOT_FOUND)
        if self.user is None or not self.user.is_authenticated:
            raise StreamRefused(protocol.CLOSE_UNAUTHENTICATED)
        if self.user.pk != workshop.facilitator_id:
            raise StreamRefused(protocol.CLOSE_FORBIDDEN)
        return workshop.pk, list(workshop.tables.values_list("number", "board_id"))

    async def _follow(self, keys: list[str]) -> None:
        """Follow these tables' board streams: every frame for them only marks the summary
        stale. Joined before reading the heads (one query), as a board socket joins before
        reading its snapshot: what comes after the heads is counted anew, the rest is already
        in the counts."""
        hub = get_hub()
        for key in keys:
            sub = Subscription(
                send=self._on_frame,
                close=lambda _code, key=key: self._on_dropped(key),
                person=self.person,
                in_presence=False,  # the facilitator watching is not « at » every table
            )
            self.subs[key] = sub
            await hub.join(key, sub)
        heads = await database_sync_to_async(streams.heads)(keys)
        for key in keys:
            self.subs[key].start(heads.get(key, 0))

    async def _on_frame(self, _frame: str) -> None:
        self._mark()

    async def _on_dropped(self, key: str) -> None:
        # The hub saw a hole in the stream (a lost publish): follow it afresh.
        if self.gone:
            return
        sub = self.subs.pop(key, None)
        if sub is not None:
            await get_hub().leave(key, sub)
        await self._follow([key])
        self._mark()

    def _mark(self) -> None:
        self.dirty = True
        if not self.gone and (self.flush_task is None or self.flush_task.done()):
            self.flush_task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        while True:
            await asyncio.sleep(max(COALESCE, self.last_sent + SUMMARY_INTERVAL - time.monotonic()))
            if not self.dirty or self.gone:
                return
            self.dirty = False
            try:
                await self._send_summary()
            except Exception:
                logger.exception("console summary failed for workshop %s", self.workshop_id)

    async def _send_summary(self) -> None:
        self.last_sent = time.monotonic()
        counts = await database_sync_to_async(selectors.table_counts)(self.workshop_id)
        hub = get_hub()
        me = self.person["id"] if self.person else None
        tables = []
        for key, number in sorted(self.numbers.items(), key=lambda item: item[1]):
            row = counts.get(number)
            if row is None:
                continue
            local = hub.streams.get(key)
            here = presence(local) if local is not None else {"people": [], "count": 0}
            present = here["count"] - any(person["id"] == me for person in here["people"])
            tables.append({"number": number, **row, "present": present})
        totals = {
            name: sum(table[name] for table in tables)
            for name in ("seated", "present", "cards", "votes")
        }
        frame = {
            "type": "signal",
            "name": "console.tables",
            "data": {"tables": tables, "totals": totals},
        }
        if not self.gone:
            await self.send(text_data=streams.dumps(frame))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        # The console only listens; a ping keeps a quiet socket alive through proxies.
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            if json.loads(text_data or "").get("op") == "ping":
                await self.send(text_data=streams.dumps({"type": "pong", "id": None}))

    async def disconnect(self, code: int) -> None:
        self.gone = True
        if self.flush_task is not None:
            self.flush_task.cancel()
        hub = get_hub()
        for key, sub in list(self.subs.items()):
            await hub.leave(key, sub)
        self.subs.clear()
