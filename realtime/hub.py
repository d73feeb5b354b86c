"""The per-process hub: one subscription per stream that has local sockets.

Each event reaches a process once (one channel-layer message per event, not per socket) and
is handed, already serialised, to the bounded send queue of every local socket of its stream.
Sockets do not receive events through channel-layer queues of their own, and the forwarding
path never touches the database, so it does not pay Channels' per-message thread hop.

The hub also keeps each stream's events in seq order: an event that arrives early waits for
the ones before it, and a seq that does not arrive in time is read back from the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import secrets
import time
import types
from collections import deque
from collections.abc import Callable, Coroutine, Generator, Iterator
from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from realtime import publish, streams, tickets
from realtime.loops import one_per_loop
from realtime.protocol import CLOSE_TOO_SLOW, CLOSE_UNAUTHENTICATED
from realtime.publish import HUB_GROUP, group_name

logger = logging.getLogger(__name__)

PROCESS_ID = secrets.token_hex(6)
GAP_WAIT = 0.25  # seconds an out-of-order event waits for the ones before it
# Every HEAD_CHECK seconds a process reads the heads of its streams (one query for all): an
# event whose publish was lost (Redis restarting, say) reaches the sockets from the log within
# a few seconds, even when no later event reveals the hole. Once a second: Redis subscribers
# lose what is published before they have subscribed again, and at 10,000 sockets on shared
# cores the delivery itself takes a second or two of the 5 s a client may wait (one indexed
# query a second per process).
HEAD_CHECK = 1.0
# How many times a socket waiting on another's setup of its stream tries again if it fails.
JOIN_ATTEMPTS = 3
PRESENCE_DEBOUNCE = 0.15
PRESENCE_PER_SOCKET = 0.001  # seconds between presence frames, per socket of the stream
PRESENCE_HEARTBEAT = 20.0
PRESENCE_EXPIRY = 3 * PRESENCE_HEARTBEAT
CENSUS_INTERVAL = 5.0  # seconds between a process's census of its signed-in sockets
CENSUS_EXPIRY = 3 * CENSUS_INTERVAL
# The socket fell behind or saw a hole: the client reconnects and resumes from its seq.
CLOSE_RESYNC = CLOSE_TOO_SLOW
# Frames that piled up for a socket leave together, as one JSON array, up to these limits.
BATCH_FRAMES = 100
BATCH_BYTES = 64 * 1024


class Subscription:
    """One socket's place in a stream: its last seq and a bounded queue of frames to send.

    Until `start` the socket is sending its `hello`; events that arrive meanwhile are held and
    those the hello already covers are dropped.
    """

    def __init__(
        self,
        *,
        send: Callable[[str], Coroutine],
        close: Callable[[int], Coroutine],
        person: dict | None,
        limit: int | None = None,
        sees_all: bool = False,
        in_presence: bool = True,
        territory: int | None = None,
    ) -> None:
        self.id = secrets.token_hex(8)
        self.person = person
        # The person's territory, for the moderators' count of who is connected there.
        self.territory = territory
        # A watcher (the workshop console, say) follows the stream without being « here ».
        self.in_presence = in_presence
        # Which version of a restricted event this socket gets (see streams.Delivery).
        self.reader = streams.Reader(person["id"] if person else None, sees_all)
        self.seq: int | None = None
        self.limit = limit or settings.REALTIME["SEND_QUEUE"]
        self.closed = False
        self._send = send
        self._close = close
        self._held: list[tuple[int, str]] = []
        self._after: dict[int, list[str]] = {}
        self._queue: deque[str] = deque()
        self._writes: Writes | None = None  # set by `start`: until the hello, frames wait
        self._context: contextvars.Context | None = None
        # A send the server made wait (backpressure): the task finishing it, then the queue.
        self._finishing: asyncio.Task | None = None

    def start(self, seq: int) -> None:
        self.seq = seq
        held, self._held = self._held, []
        self._writes = writes_of_this_loop()
        # The sends run in the context of whoever started the socket (its consumer's), as
        # they would in a task of its own, not in that of whichever socket queued first.
        self._context = contextvars.copy_context()
        if self._queue:
            self._writes.add(self)
        for held_seq, frame in held:
            self.offer_event(held_seq, frame)

    def offer_event(self, seq: int, frame: str) -> None:
        if self.seq is None:
            self._held.append((seq, frame))
            return
        if seq <= self.seq:
            return
        if seq != self.seq + 1:
            self.resync()
            return
        self.seq = seq
        self.put(frame)
        if self._after:
            for ready in sorted(s for s in self._after if s <= seq):
                for waiting in self._after.pop(ready):
                    self.put(waiting)

    def send_after(self, seq: int | None, frame: str) -> None:
        """Send `frame` once the event `seq` has been sent (acks follow their event)."""
        if seq is None or (self.seq is not None and seq <= self.seq):
            self.put(frame)
        else:
            self._after.setdefault(seq, []).append(frame)

    def offer_signal(self, frame: str) -> None:
        # Signals are harmless to lose: drop them first when the socket is slow.
        if len(self._queue) < self.limit // 2:
            self.put(frame)

    def put(self, frame: str) -> None:
        if self.closed:
            return
        if len(self._queue) >= self.limit:
            self.resync()
            return
        self._queue.append(frame)
        if self._writes is not None and self._finishing is None:
            self._writes.add(self)

    def resync(self) -> None:
        self.close(CLOSE_RESYNC)

    def close(self, code: int) -> None:
        """Close the socket with `code`, dropping what it has not sent yet."""
        if not self.closed:
            self.closed = True
            self._queue.clear()
            asyncio.get_running_loop().create_task(self._close(code))

    def stop(self) -> None:
        self.closed = True
        if self._finishing is not None:
            self._finishing.cancel()

    def _next_frame(self) -> str:
        """The next frame, or the frames waiting in the queue as one array, in order.

        Coalescing comes with the load, with no timer: a socket that keeps up gets each frame
        alone and at once; when events come faster than a socket's turn to write (a burst, a
        busy process), it gets them by the dozen in one frame, which costs the server and the
        phone one frame instead of dozens.
        """
        queue = self._queue
        first = queue.popleft()
        if not queue or len(first) + len(queue[0]) > BATCH_BYTES:
            return first
        batch, size = [first], len(first) + 2
        while queue and len(batch) < BATCH_FRAMES and size + len(queue[0]) < BATCH_BYTES:
            frame = queue.popleft()
            batch.append(frame)
            size += len(frame) + 1
        return "[" + ",".join(batch) + "]"

    def write_out(self) -> None:
        """Send what is queued, each send run at once: no task, unless the server makes one
        wait (uvicorn when the socket's buffer is full; daphne never does). Then a task
        finishes that send and writes the rest, and frames queue behind it meanwhile."""
        queue = self._queue
        while queue and not self.closed:
            try:
                sending = self._send(self._next_frame())
                waiting_on = self._context.run(sending.send, None)
            except StopIteration:
                continue
            except Exception:
                self._gone()
                return
            self._finishing = asyncio.get_running_loop().create_task(
                self._finish(sending, waiting_on), context=self._context.copy()
            )
            return

    async def _finish(self, sending: Coroutine, waiting_on: object) -> None:
        try:
            await _rest_of(sending, waiting_on)
            while self._queue and not self.closed:
                await self._send(self._next_frame())
        except asyncio.CancelledError:
            pass
        except Exception:
            self._gone()
        finally:
            self._finishing = None

    def _gone(self) -> None:
        logger.debug("socket gone while sending", exc_info=True)
        self.closed = True


class Writes:
    """The sockets of a process with frames to send, written out once per turn of its loop.

    An event offered to 500 sockets queues its frame on each of them and they are written out
    together a moment later, in the order they were offered it (whoever sent the op first),
    by one callback: not 500 tasks woken, each a future, a callback and a task step, about a
    sixth of daphne's time at 500 edits in 10 s to 500 sockets. What arrives for a socket
    before its turn leaves with the rest, as one array (`Subscription._next_frame`).
    """

    def __init__(self) -> None:
        self.pending: dict[Subscription, None] = {}  # an ordered set (no reference to the loop)

    def add(self, sub: Subscription) -> None:
        if not self.pending:
            asyncio.get_running_loop().call_soon(self.write_out)
        self.pending[sub] = None

    def write_out(self) -> None:
        pending, self.pending = self.pending, {}
        for sub in pending:
            try:
                sub.write_out()
            except Exception:  # one socket's failure does not keep the others waiting
                logger.exception("could not write to a socket")


writes_of_this_loop = one_per_loop(Writes)


@types.coroutine
def _rest_of(coroutine: Coroutine, waiting_on: object) -> Generator:
    """Await the rest of `coroutine`, already run up to its first wait, on `waiting_on` (what
    it yielded): the task running this hands it the results and exceptions of its waits, as
    it would to the coroutine itself (Python 3.12's eager tasks do the same)."""
    while True:
        try:
            sent = yield waiting_on
        except GeneratorExit:  # closed unfinished: close the coroutine with it
            coroutine.close()
            raise
        except BaseException as exc:
            try:
                waiting_on = coroutine.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting_on = coroutine.send(sent)
            except StopIteration as done:
                return done.value


@dataclass
class LocalStream:
    key: str
    subs: dict[str, Subscription] = field(default_factory=dict)
    next_seq: int | None = None
    early: dict[int, streams.Delivery] = field(default_factory=dict)
    ready: asyncio.Future | None = None
    gap_task: asyncio.Task | None = None
    presence_task: asyncio.Task | None = None
    # process id → (people, anonymous count, expiry)
    presence: dict[str, tuple[list[dict], int, float]] = field(default_factory=dict)
    announce_task: asyncio.Task | None = None
    epoch: str = ""
    # Sockets with an op being applied (sub id → how many): served first (Hub.answering).
    authors: dict[str, int] = field(default_factory=dict)

    def in_delivery_order(self) -> list[Subscription]:
        """The sockets waiting for their own op first, then the others."""
        subs = self.subs
        if not self.authors:
            return list(subs.values())
        first = [subs[i] for i in self.authors if i in subs]
        return first + [sub for i, sub in subs.items() if i not in self.authors]

    def local_people(self) -> tuple[list[dict], int]:
        people: dict[int, dict] = {}
        anonymous = 0
        for sub in self.subs.values():
            if not sub.in_presence:
                continue
            if sub.person is None:
                anonymous += 1
            else:
                people[sub.person["id"]] = sub.person
        return list(people.values()), anonymous


class Hub:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.streams: dict[str, LocalStream] = {}
        self._reader: asyncio.Task | None = None
        self._heartbeat: asyncio.Task | None = None
        self._watcher: asyncio.Task | None = None
        self._census_task: asyncio.Task | None = None
        self.process = PROCESS_ID
        self.tickets = tickets.Checks()  # resume tickets' sessions, checked together
        # process id → ({territory: [person ids]}, expiry)
        self.census: dict[str, tuple[dict[int, list[int]], float]] = {}

    # Sockets joining and leaving ---------------------------------------------------------

    async def join(self, key: str, sub: Subscription, *, attempts: int = JOIN_ATTEMPTS) -> None:
        """Register a socket before it reads its snapshot, so that it misses no event.

        The first socket of a stream sets it up (the layer's group, the head); the others wait
        for it. If that fails (Redis or the database busy for a moment, as in a reconnect
        storm), the socket that tried gets the error and the waiting ones try again
        themselves: one failed setup does not close every socket that arrived meanwhile.
        """
        local = self.streams.get(key)
        if local is None:
            local = self.streams[key] = LocalStream(key)
            local.ready = asyncio.get_running_loop().create_future()
            try:
                await self._ensure_reader()
                await self.layer.group_add(group_name(key), self.channel)
                seq, local.epoch = await database_sync_to_async(streams.head)(key)
            except BaseException as exc:
                self.streams.pop(key, None)
                local.ready.set_exception(exc)
                local.ready.exception()  # mark retrieved: the joiners waiting get it raised
                raise
            local.next_seq = seq + 1
            self._deliver_in_order(local)
            local.ready.set_result(None)
            await self._send_layer(key, {"type": "stream.presence.query"})
        else:
            try:
                await asyncio.shield(local.ready)
            except Exception:
                if attempts <= 1:
                    raise
                return await self.join(key, sub, attempts=attempts - 1)
        local.subs[sub.id] = sub
        self._announce(local)

    async def leave(self, key: str, sub: Subscription) -> None:
        sub.stop()
        local = self.streams.get(key)
        if local is None or local.subs.pop(sub.id, None) is None:
            return
        self._announce(local)
        if local.subs:
            return
        del self.streams[key]
        for task in (local.gap_task, local.presence_task):
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            await self.layer.group_discard(group_name(key), self.channel)
        if not self.streams:
            self._stop_reader()

    # Ephemeral signals ------------------------------------------------------------------

    async def signal(self, key: str, frame: str, *, sender: str | None = None) -> None:
        """Send a serialised `signal` frame to every socket of the stream but the sender."""
        await self._send_layer(key, {"type": "stream.signal", "frame": frame, "sender": sender})

    def deliver_here(self, key: str, seq: int, delivery: streams.Delivery) -> None:
        """An event committed by this process: to its sockets now, before the layer's copy."""
        local = self.streams.get(key)
        if local is not None and local.next_seq is not None and seq >= local.next_seq:
            local.early[seq] = delivery
            self._deliver_in_order(local)

    def known_head(self, key: str) -> tuple[int, str] | None:
        """The last seq this process delivered on the stream, and its epoch, if it follows the
        stream. A socket resuming from there needs no database read for the head: whatever
        was committed since reaches it through the hub, in order, like every event."""
        local = self.streams.get(key)
        if local is None or local.next_seq is None or not local.epoch:
            return None
        return local.next_seq - 1, local.epoch

    @contextlib.contextmanager
    def answering(self, key: str, sub: Subscription) -> Iterator[None]:
        """While `sub`'s op is applied, its socket gets the stream's next events before the
        others: whoever makes a change sees it (and its ack, queued right behind it) first,
        not after the frames to hundreds of other sockets."""
        local = self.streams.get(key)
        if local is None:
            yield
            return
        local.authors[sub.id] = local.authors.get(sub.id, 0) + 1
        try:
            yield
        finally:
            left = local.authors.pop(sub.id, 1) - 1
            if left:
                local.authors[sub.id] = left

    def expect(self, key: str, seq: int) -> None:
        """An op just produced `seq`: if its publish gets lost, read it back from the log."""
        local = self.streams.get(key)
        if local is not None and local.next_seq is not None and local.next_seq <= seq:
            self._schedule_gap_fill(local, until=seq)

    # Receiving from the channel layer ----------------------------------------------------

    async def _ensure_reader(self) -> None:
        if self.channel is None:
            self.channel = await self.layer.new_channel(prefix="hub")
        if self._reader is None or self._reader.done():
            loop = asyncio.get_running_loop()
            self._reader = loop.create_task(self._read())
            self._heartbeat = loop.create_task(self._beat())
            self._watcher = loop.create_task(self._watch_heads())
            self._census_task = loop.create_task(self._take_census())
            await self.layer.group_add(HUB_GROUP, self.channel)

    def _stop_reader(self) -> None:
        for task in (self._reader, self._heartbeat, self._watcher, self._census_task):
            if task is not None:
                task.cancel()
        self._reader = self._heartbeat = self._watcher = self._census_task = None
        self.census.pop(self.process, None)
        # channels-redis drops a channel whose receive() is cancelled: start afresh next time.
        self.channel = None

    async def _read(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("hub could not read from the channel layer")
                await asyncio.sleep(0.5)
                continue
            kind = message.get("type")
            if kind in ("hub.census", "hub.close_person"):
                self._on_hub_message(kind, message)
                continue
            local = self.streams.get(message.get("stream"))
            if local is None:
                continue
            if kind == "stream.event":
                local.early[message["seq"]] = streams.Delivery(
                    message["frame"], message.get("redacted"), message.get("private_to")
                )
                self._deliver_in_order(local)
            elif kind == "stream.signal":
                sender = message.get("sender")
                for sub in list(local.subs.values()):
                    if sub.id != sender:
                        sub.offer_signal(message["frame"])
            elif kind == "stream.presence":
                local.presence[message["process"]] = (
                    message["people"],
                    message["anonymous"],
                    time.monotonic() + PRESENCE_EXPIRY,
                )
                self._push_presence(local)
            elif kind == "stream.presence.query":
                self._announce(local)

    def _deliver_in_order(self, local: LocalStream) -> None:
        if local.next_seq is None:
            return
        for seq in [s for s in local.early if s < local.next_seq]:
            del local.early[seq]
        while local.next_seq in local.early:
            delivery = local.early.pop(local.next_seq)
            if delivery.redacted is None:
                for sub in local.in_delivery_order():
                    sub.offer_event(local.next_seq, delivery.frame)
            else:
                for sub in local.in_delivery_order():
                    sub.offer_event(local.next_seq, delivery.for_reader(sub.reader))
            local.next_seq += 1
        if local.early:
            self._schedule_gap_fill(local, until=max(local.early))

    def _schedule_gap_fill(self, local: LocalStream, *, until: int) -> None:
        if local.gap_task is None or local.gap_task.done():
            local.gap_task = asyncio.get_running_loop().create_task(self._fill_gap(local, until))

    async def _fill_gap(self, local: LocalStream, until: int) -> None:
        await asyncio.sleep(GAP_WAIT)
        if local.next_seq is None or local.next_seq > until:
            return
        missing = await database_sync_to_async(streams.replay_deliveries)(
            local.key,
            since=local.next_seq - 1,
            until=until,
            limit=settings.REALTIME["REPLAY_LIMIT"],
        )
        for seq, delivery in missing:
            local.early.setdefault(seq, delivery)
        if local.early and local.next_seq not in local.early:
            # Not in the log either (cut history): skip ahead; sockets see the hole and resume.
            local.next_seq = min(local.early)
        local.gap_task = None
        self._deliver_in_order(local)

    # Presence ------------------------------------------------------------------------------

    def _announce(self, local: LocalStream) -> None:
        """Tell every process (this one included) who is here, at most every PRESENCE_DEBOUNCE."""
        if local.announce_task is None or local.announce_task.done():
            local.announce_task = asyncio.get_running_loop().create_task(self._announce_soon(local))

    async def _announce_soon(self, local: LocalStream) -> None:
        await asyncio.sleep(PRESENCE_DEBOUNCE)
        people, anonymous = local.local_people()
        await self._send_layer(
            local.key,
            {
                "type": "stream.presence",
                "process": PROCESS_ID,
                "people": people,
                "anonymous": anonymous,
            },
        )

    def _push_presence(self, local: LocalStream) -> None:
        if local.presence_task is None or local.presence_task.done():
            local.presence_task = asyncio.get_running_loop().create_task(
                self._push_presence_soon(local)
            )

    async def _push_presence_soon(self, local: LocalStream) -> None:
        # The presence frame goes to every socket of the stream: the bigger the room, the less
        # often (a millisecond per socket), so that a room filling up or coming back after a
        # restart does not spend its time telling everyone who else arrived.
        await asyncio.sleep(max(PRESENCE_DEBOUNCE / 3, len(local.subs) * PRESENCE_PER_SOCKET))
        frame = streams.dumps({"type": "signal", "name": "presence", "data": presence(local)})
        for sub in list(local.subs.values()):
            sub.offer_signal(frame)

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(PRESENCE_HEARTBEAT)
            now = time.monotonic()
            for local in list(self.streams.values()):
                expired = [p for p, (_, _, until) in local.presence.items() if until < now]
                for process in expired:
                    del local.presence[process]
                if expired:
                    self._push_presence(local)
                self._announce(local)
                # Renew the membership: the in-memory layer forgets group members after a day.
                with contextlib.suppress(Exception):
                    await self.layer.group_add(group_name(local.key), self.channel)

    async def _watch_heads(self) -> None:
        while True:
            await asyncio.sleep(HEAD_CHECK)
            keys = list(self.streams)
            if not keys:
                continue
            try:
                heads = await database_sync_to_async(streams.heads)(keys)
            except Exception:
                logger.exception("hub could not read the stream heads")
                continue
            for key, seq in heads.items():
                local = self.streams.get(key)
                if local is not None and local.next_seq is not None and seq >= local.next_seq:
                    self._schedule_gap_fill(local, until=seq)

    # What concerns every process -------------------------------------------------------------

    def connected(self, territory: int) -> int:
        """How many people have a socket open in this territory, across every process, as of
        their last census (at most CENSUS_INTERVAL old)."""
        now = time.monotonic()
        people: set[int] = set()
        for territories, until in list(self.census.values()):
            if until >= now:
                people.update(territories.get(territory, ()))
        return len(people)

    def local_census(self) -> dict[int, list[int]]:
        territories: dict[int, set[int]] = {}
        for local in self.streams.values():
            for sub in local.subs.values():
                if sub.person is not None and sub.territory is not None and sub.in_presence:
                    territories.setdefault(sub.territory, set()).add(sub.person["id"])
        return {territory: sorted(people) for territory, people in territories.items()}

    async def _take_census(self) -> None:
        while True:
            census = self.local_census()
            # Our own census counts at once; the others' come through the layer.
            self.census[self.process] = (census, time.monotonic() + CENSUS_EXPIRY)
            with contextlib.suppress(Exception):
                await self.layer.group_send(
                    HUB_GROUP,
                    {
                        "type": "hub.census",
                        "process": self.process,
                        # pairs, not a map: msgpack (Redis) wants string keys
                        "territories": list(census.items()),
                    },
                )
            await asyncio.sleep(CENSUS_INTERVAL)

    def _on_hub_message(self, kind: str, message: dict) -> None:
        if kind == "hub.census":
            now = time.monotonic()
            for process in [p for p, (_, until) in self.census.items() if until < now]:
                del self.census[process]
            if message.get("process") != self.process:
                territories = {int(t): people for t, people in message["territories"]}
                self.census[message["process"]] = (territories, time.monotonic() + CENSUS_EXPIRY)
        elif kind == "hub.close_person":
            self.close_person(message["person"], message.get("code", CLOSE_UNAUTHENTICATED))

    def close_person(self, person: int, code: int = CLOSE_UNAUTHENTICATED) -> int:
        """Close every local socket of this person (banned, say); they reconnect and are
        refused. Returns how many were closed."""
        closing = [
            sub
            for local in self.streams.values()
            for sub in local.subs.values()
            if sub.person is not None and sub.person["id"] == person and not sub.closed
        ]
        for sub in closing:
            sub.close(code)
        return len(closing)

    async def _send_layer(self, key: str, message: dict) -> None:
        message["stream"] = key
        try:
            await self.layer.group_send(group_name(key), message)
        except Exception:
            logger.exception("hub could not send %s", message.get("type"))


def presence(local: LocalStream) -> dict:
    """Who is here across all processes: people (each once) and a count of anonymous readers."""
    people: dict[int, dict] = {}
    anonymous = 0
    for entries, anon, _until in local.presence.values():
        anonymous += anon
        for person in entries:
            people[person["id"]] = person
    ordered = sorted(people.values(), key=lambda person: person["name"].casefold())
    return {"people": ordered[:100], "count": len(people), "anonymous": anonymous}


def _new_hub() -> Hub:
    hub = Hub()
    publish.bind_loop(asyncio.get_running_loop(), hub.deliver_here)
    return hub


#: The hub of the running event loop (one per process in production, one per test loop).
get_hub = one_per_loop(_new_hub)
