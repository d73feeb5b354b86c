"""`/ws/activity/`: the territory's activity, live, for its moderators.

The stream is the territory's `activity:<id>` (see backend.moderation.activity): the hello
brings the latest lines and the counters, events bring each new line. The counters (people
connected, active boards and rooms, cards and messages of the last hour) come as a `counters`
signal every COUNTERS_EVERY seconds, counted once per territory and process whatever the
number of moderators watching.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref

from channels.db import database_sync_to_async

from backend.moderation import activity, rules
from realtime import protocol, streams
from realtime.consumers import StreamConsumer, StreamRefused
from realtime.hub import Hub, Subscription, get_hub

COUNTERS_EVERY = 5.0  # seconds


class ActivityConsumer(StreamConsumer):
    in_presence = False  # a moderator watching is not « on » the territory's boards

    def authorize(self) -> str:
        if self.person is None:
            raise StreamRefused(protocol.CLOSE_UNAUTHENTICATED)
        if not rules.is_territory_moderator(self.user):
            raise StreamRefused(protocol.CLOSE_FORBIDDEN)
        self.territory_id = self.user.territory_id
        return activity.stream_key(self.territory_id)

    def sees_all(self) -> bool:
        return True

    def snapshot(self) -> dict:
        return {
            "lines": activity.latest(self.territory_id),
            "counters": activity.counters(
                self.territory_id, connected=self.hub.connected(self.territory_id)
            ),
        }

    async def connect(self) -> None:
        self.hub = get_hub()
        await super().connect()
        if self.sub is not None and not self.sub.closed:
            counters_of(self.hub).watch(self.territory_id, self.sub)

    async def disconnect(self, code: int) -> None:
        if self.sub is not None and getattr(self, "territory_id", None) is not None:
            counters_of(self.hub).unwatch(self.territory_id, self.sub)
        await super().disconnect(code)


class Counters:
    """Per process: one task per watched territory, counting and telling its watchers."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.watchers: dict[int, dict[str, Subscription]] = {}
        self.tasks: dict[int, asyncio.Task] = {}

    def watch(self, territory: int, sub: Subscription) -> None:
        self.watchers.setdefault(territory, {})[sub.id] = sub
        if territory not in self.tasks:
            self.tasks[territory] = asyncio.get_running_loop().create_task(self._tick(territory))

    def unwatch(self, territory: int, sub: Subscription) -> None:
        watchers = self.watchers.get(territory, {})
        watchers.pop(sub.id, None)
        if not watchers:
            self.watchers.pop(territory, None)
            task = self.tasks.pop(territory, None)
            if task is not None:
                task.cancel()

    async def _tick(self, territory: int) -> None:
        while True:
            await asyncio.sleep(COUNTERS_EVERY)
            with contextlib.suppress(Exception):
                data = await database_sync_to_async(activity.counters)(
                    territory, connected=self.hub.connected(territory)
                )
                frame = streams.dumps({"type": "signal", "name": "counters", "data": data})
                for sub in list(self.watchers.get(territory, {}).values()):
                    sub.offer_signal(frame)


_counters: weakref.WeakKeyDictionary[Hub, Counters] = weakref.WeakKeyDictionary()


def counters_of(hub: Hub) -> Counters:
    found = _counters.get(hub)
    if found is None:
        found = _counters[hub] = Counters(hub)
    return found
