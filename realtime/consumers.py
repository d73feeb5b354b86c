"""The base stream consumer: hello, acks, idempotent ops, resume, limits.

A feature consumer says which stream a socket reads (`authorize`), what a snapshot is
(`snapshot`), and implements one sync method per op, `op_<name>` (dots become underscores),
that calls a service and returns its `Applied`. It holds no business rule: rights and
validation beyond types live in the services.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from realtime import protocol, streams, tickets
from realtime.auth import actor_of, client_key, fresh_user
from realtime.batching import get_batcher
from realtime.errors import Forbidden, Invalid, Refused
from realtime.hub import CLOSE_RESYNC, Subscription, get_hub
from realtime.models import Stream
from realtime.protocol import Field, RateLimited

logger = logging.getLogger(__name__)


class StreamRefused(Exception):
    def __init__(self, code: int):
        self.code = code
        super().__init__(code)


def language_of(scope) -> str:
    """The reader's language: the page's (``?lang=``), else the language cookie, else
    Accept-Language, else the default."""
    from django.utils.translation import trans_real

    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    candidates = query.get("lang", [])[:1]
    cookie = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME)
    if cookie:
        candidates.append(cookie)
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            header = value.decode("latin-1")
            candidates += [code for code, _q in trans_real.parse_accept_lang_header(header)]
    for code in candidates:
        try:
            return trans_real.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class StreamConsumer(AsyncWebsocketConsumer):
    #: op name → schema of its `data`
    op_schemas: dict[str, dict[str, Field]] = {}
    #: signal name → schema of its `data`; signals are relayed, never stored
    signal_schemas: dict[str, dict[str, Field]] = {}

    # A socket gets its events from the hub, never from a channel-layer queue of its own: no
    # channel per socket (Channels would make one for each consumer — with Redis, a SUBSCRIBE
    # on connect, an UNSUBSCRIBE on close, and one more task to wait on for every socket). An
    # alias that names no layer is how Channels says "none".
    channel_layer_alias = "no layer for sockets"
    stream_key: str | None = None
    #: whether the socket shows in the stream's « who is here » (a watcher does not)
    in_presence: bool = True
    sub: Subscription | None = None
    person: dict | None = None
    client: str = ""
    territory: int | None = None
    #: whether a socket resuming with a ticket is spared `authorize` (realtime/tickets.py);
    #: a consumer that says so gives what its `authorize` left behind (`ticket_state`) and
    #: puts it back (`restore`)
    resume_tickets: bool = False
    ticket: str | None = None  # the socket's resume ticket, as its client holds it
    ticket_issued = 0.0  # when it was signed (time.time())
    by_ticket: bool = False  # this socket resumed on its ticket

    # What a feature consumer provides (called in a worker thread) -------------------------

    def authorize(self) -> str:
        """Return the stream key this socket may read, or raise StreamRefused(close code)."""
        raise NotImplementedError

    def snapshot(self) -> dict:
        raise NotImplementedError

    def me(self) -> dict:
        return {"id": self.user.pk, "name": self.user.public_name} if self.person else {}

    def sees_all(self) -> bool:
        """Whether this reader gets restricted events whole (a board's team, say). Called in
        `authorize`'s thread, once per connection."""
        return False

    def ticket_state(self) -> dict:
        """What `authorize` set on the consumer that ops need later (JSON), for a ticket."""
        return {}

    def restore(self, state: dict) -> None:
        """Put back what `ticket_state` gave, for a socket resuming on its ticket (on the event
        loop: no database)."""

    def limits(self) -> dict:
        conf = settings.REALTIME
        return {
            "max_frame_bytes": conf["MAX_FRAME_BYTES"],
            "ops_per_second": conf["OPS_PER_SECOND"],
            "ops_burst": conf["OPS_BURST"],
        }

    # Connection -----------------------------------------------------------------------------

    async def dispatch(self, message):
        """Channels' dispatch, without its `aclose_old_connections()` before every message.

        That call is a hop to the database thread for each frame a socket receives (and for
        its connect and disconnect): a third of the server's time in a reconnect storm. Every
        database access here goes through `database_sync_to_async`, which closes stale
        connections itself, in the thread that uses them.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message) -> None:
        """Channels' own, without its `aclose_old_connections()`: a hop to the database thread
        for every socket that closes — 37% of uvicorn's time closing 5,000 sockets on
        shutdown (py-spy), one after the other behind that one thread."""
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def connect(self) -> None:
        # Accept first so that a refusal carries its application close code (4401, 4403…).
        await self.accept()
        self.user = self.scope.get("user")  # read from the session in `_authorize`'s thread
        self.language = language_of(self.scope)
        conf = settings.REALTIME
        self.ops_bucket = TokenBucket(conf["OPS_PER_SECOND"], conf["OPS_BURST"])
        self.frames_bucket = TokenBucket(conf["OPS_PER_SECOND"] * 5, conf["OPS_BURST"] * 2)
        self.signals_bucket = TokenBucket(conf["SIGNALS_PER_SECOND"], conf["SIGNALS_PER_SECOND"])
        self.strikes = 0
        since, epoch, ticket = self._resume_point()
        try:
            self.stream_key, sees_all, me = await self._admit(since, ticket)
        except StreamRefused as refused:
            await self.close(code=refused.code)
            return
        self.sub = Subscription(
            send=self._send_text,
            close=self._close_with,
            person=self.person,
            sees_all=sees_all,
            in_presence=self.in_presence,
            territory=self.territory if self.person else None,
        )
        hub = get_hub()
        await hub.join(self.stream_key, self.sub)
        known = hub.known_head(self.stream_key)
        if since is not None and (me is not None or self.by_ticket) and known == (since, epoch):
            # Up to date with what this process already delivered (most of a reconnect storm):
            # the hello is ready without a second trip to the database thread.
            hello = {"type": "hello", "stream": self.stream_key, "epoch": epoch, "seq": since}
            hello["replay"] = True
            if me is not None:
                hello["me"] = me
            hello["limits"] = self.limits()
            frames, seq = [streams.dumps(self._with_ticket(hello))], since
        else:
            frames, seq = await database_sync_to_async(self._hello)(since, epoch, known)
        hello, *replayed = frames
        max_bytes = settings.REALTIME["MESSAGE_BYTES"]
        for frame in [*protocol.in_parts(hello, max_bytes=max_bytes), *replayed]:
            await self._send_text(frame)
        self.sub.start(seq)
        self._keep_ticket_fresh()

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "_ticket_timer", None)
        if timer is not None:
            timer.cancel()
        if self.sub is not None and self.stream_key is not None:
            await get_hub().leave(self.stream_key, self.sub)
            self.sub = None

    async def _admit(self, since: int | None, ticket: str) -> tuple[str, bool, dict | None]:
        """`_authorize` (in the database thread), or for a socket resuming on a sound ticket
        of its own, what the ticket says (with no `me`: the client keeps the one it has), its
        session checked together with those of the sockets arriving at the same time."""
        if since is not None and ticket and self.resume_tickets:
            session_key = self.scope.get("session_key")
            held = tickets.read(ticket, path=self.scope["path"], session_key=session_key)
            if held is not None and await get_hub().tickets.holds(held, session_key):
                self.person, self.client, self.territory = held.person, held.client, held.territory
                self.restore(held.state)
                self.ticket, self.ticket_issued, self.by_ticket = held.text, held.issued, True
                return held.stream, held.sees_all, None
        return await database_sync_to_async(self._authorize)(resuming=since is not None)

    def _authorize(self, *, resuming: bool = False) -> tuple[str, bool, dict | None]:
        """The stream, whether this reader sees restricted events whole, and for a client
        resuming, its `me` (what it may do now: a replay brings whatever changes it)."""
        self.person = actor_of(self.user)
        self.client = client_key(self.user)
        self.territory = getattr(self.user, "territory_id", None) if self.person else None
        key = self.authorize()
        sees_all = self.sees_all()
        if self.resume_tickets:
            self.ticket_issued = time.time()
            self.ticket = tickets.issue(
                path=self.scope["path"],
                session_key=self.scope.get("session_key"),
                user=self.user,
                stream=key,
                person=self.person,
                client=self.client,
                territory=self.territory,
                sees_all=sees_all,
                state=self.ticket_state(),
            )
        return key, sees_all, self.me() if resuming else None

    def _with_ticket(self, hello: dict) -> dict:
        if self.ticket:
            hello["ticket"] = self.ticket
        return hello

    def _keep_ticket_fresh(self) -> None:
        """Before the ticket ages out, check the socket in full again and give it a new one
        (spread out: not all the sockets of a storm at once)."""
        if not self.ticket:
            return
        age = tickets.max_age()
        due = self.ticket_issued + age * random.uniform(0.5, 0.8) - time.time()
        self._ticket_timer = asyncio.get_running_loop().call_later(
            max(due, age * random.uniform(0.05, 0.1)), self._refresh_ticket_soon
        )

    def _refresh_ticket_soon(self) -> None:
        self._ticket_task = asyncio.get_running_loop().create_task(self._refresh_ticket())

    async def _refresh_ticket(self) -> None:
        """Authorize the socket in full again: closed if its reader may no longer read (a
        right lost while it stayed open), else a new ticket; if what the reader sees changed,
        the client resumes on that new ticket, with its new rights."""
        if self.sub is None or self.sub.closed:
            return
        before = (self.stream_key, self.sub.reader.sees_all, self.person)
        if "session_key" in self.scope:  # read the member again (a test's user stays)
            self.user = fresh_user(self.scope)
        try:
            key, sees_all, _ = await database_sync_to_async(self._authorize)()
        except StreamRefused as refused:
            await self._close_with(refused.code)
            return
        except Exception:  # the database away for a moment: the ticket ages, try again later
            logger.exception("could not check %s again", self.stream_key)
            self._keep_ticket_fresh()
            return
        if self.sub is None or self.sub.closed:
            return
        self.by_ticket = False
        frame = streams.dumps({"type": "ticket", "ticket": self.ticket}) if self.ticket else None
        if (key, sees_all, self.person) != before:
            if frame:
                await self._send_text(frame)  # before the close, not after the queued frames
            await self._close_with(CLOSE_RESYNC)
            return
        if frame:
            self.sub.put(frame)
        self._keep_ticket_fresh()

    def _resume_point(self) -> tuple[int | None, str, str]:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            since = int(query["since"][0])
        except (KeyError, ValueError, IndexError):
            since = None
        return since, query.get("epoch", [""])[0][:16], query.get("ticket", [""])[0]

    def _hello(
        self, since: int | None, epoch: str, known: tuple[int, str] | None = None
    ) -> tuple[list[str], int]:
        """The hello frame (then the replayed events, if any) and the seq the socket is at.

        `known` is the head as this process's hub already has it: a client resuming from there
        or from before it (most of a reconnect storm) is answered without reading the head.
        """
        key = self.stream_key
        hello = {"type": "hello", "stream": key}
        if since is not None:
            limit = settings.REALTIME["REPLAY_LIMIT"]
            if known is not None and epoch == known[1] and 0 <= since <= known[0] <= since + limit:
                ok, (seq, current_epoch) = True, known
            else:
                ok, seq, current_epoch = streams.can_replay(
                    key, since=since, epoch=epoch, limit=limit
                )
            if ok:
                hello.update(epoch=current_epoch, seq=seq, replay=True)
                if not self.by_ticket:  # on its ticket, the client keeps the `me` it has
                    hello["me"] = self.me()
                hello["limits"] = self.limits()
                # A client back after a restart is most often up to date: nothing to read.
                replayed = (
                    streams.replay_events(
                        key, since=since, until=seq, limit=limit, reader=self.sub.reader
                    )
                    if seq > since
                    else []
                )
                hello = self._with_ticket(hello)
                return [streams.dumps(hello)] + [frame for _, frame in replayed], seq
        seq, current_epoch, state = self._consistent_snapshot()
        hello.update(epoch=current_epoch, seq=seq, replay=False, state=state)
        hello.update(me=self.me(), limits=self.limits())  # rights as of the snapshot
        return [streams.dumps(self._with_ticket(hello))], seq

    def _consistent_snapshot(self) -> tuple[int, str, dict]:
        # Every write bumps the stream's seq in its transaction: if the seq is the same before
        # and after reading, the snapshot is exactly the state at that seq.
        for _attempt in range(3):
            seq, epoch = streams.head(self.stream_key)
            state = self.snapshot()
            if streams.head(self.stream_key)[0] == seq:
                return seq, epoch, state
        with transaction.atomic():
            stream = Stream.objects.select_for_update().get(key=self.stream_key)
            return stream.seq, stream.epoch, self.snapshot()

    # Receiving ------------------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None):
        if self.sub is None:
            return
        # Messages for people come in the language of the page they came from.
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        op_id = None
        try:
            if not self.frames_bucket.take():
                await self._strike()
                raise RateLimited(_("Trop de messages : ralentissez un peu."))
            frame = protocol.parse_frame(text_data, max_bytes=settings.REALTIME["MAX_FRAME_BYTES"])
            op_id = frame.id
            if frame.op == "ping":
                self.sub.put(streams.dumps({"type": "pong", "id": op_id}))
            elif frame.op in self.signal_schemas:
                await self._relay_signal(frame)
            else:
                await self._apply_op(frame)
        except Refused as refused:
            self.sub.put(protocol.error_frame(op_id, refused.code, refused.message))
        except Exception:
            logger.exception("op failed on %s", self.stream_key)
            self.sub.put(
                protocol.error_frame(
                    op_id, "server_error", _("Erreur du serveur : réessayez dans un instant.")
                )
            )

    async def _apply_op(self, frame: protocol.ClientFrame) -> None:
        schema = self.op_schemas.get(frame.op)
        if schema is None:
            raise Invalid(_("Opération inconnue : %(op)s.") % {"op": frame.op[:64]})
        if frame.id is None:
            raise Invalid(_("Une opération doit porter un identifiant « id »."))
        if self.person is None:
            raise Forbidden(_("Connectez-vous pour participer."))
        if not self.ops_bucket.take():
            await self._strike()
            raise RateLimited(_("Trop d'opérations : ralentissez un peu."))
        data = protocol.clean_data(schema, frame.data)
        handler = getattr(self, "op_" + frame.op.replace(".", "_"))
        sub, key, hub = self.sub, self.stream_key, get_hub()

        def answer(applied: streams.Applied) -> None:
            # On the loop, once the op is committed, right behind its event: the ack is in
            # the socket's queue when the event goes out to it, first of all the sockets.
            sub.send_after(
                applied.seq, protocol.ack_frame(frame.id, applied.seq, duplicate=applied.duplicate)
            )
            if applied.seq is not None:
                hub.expect(key, applied.seq)

        # With the other ops waiting for the database thread, in one trip and one transaction.
        with hub.answering(key, sub):
            await get_batcher().apply(handler, data, frame.id, on_applied=answer)

    async def _relay_signal(self, frame: protocol.ClientFrame) -> None:
        if self.person is None or not self.signals_bucket.take():
            return  # signals are best effort: dropped, never answered
        data = protocol.clean_data(self.signal_schemas[frame.op], frame.data)
        await get_hub().signal(
            self.stream_key,
            protocol.signal_frame(frame.op, data, self.person),
            sender=self.sub.id,
        )

    async def _strike(self) -> None:
        self.strikes += 1
        if self.strikes >= settings.REALTIME["FLOOD_STRIKES"]:
            await self._close_with(protocol.CLOSE_ABUSE)
            raise RateLimited(_("Trop de messages : connexion fermée."))

    # Sending ---------------------------------------------------------------------------------

    async def _send_text(self, text: str) -> None:
        await self.base_send({"type": "websocket.send", "text": text})

    async def _close_with(self, code: int) -> None:
        if self.sub is not None:
            self.sub.closed = True
        await self.close(code=code)
