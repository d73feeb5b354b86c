"""Resume tickets: a socket back after a restart picks up the rights its connection had.

In a reconnect storm every socket of a process comes back at once. Reading each one's
session, user, stream and rights again was a third of what a resuming socket cost the server
(profiled at 3,000 sockets: the database thread held the interpreter 30% of the time). With
its hello, a socket gets a ticket: the stream it reads, who reads it and what its
authorization left behind (the reader's name, whether they see restricted events whole, the
feature's own state), signed with the secret key and dated. A socket resuming (`since=`)
presents it, and is spared `authorize` if the ticket

- is sound and younger than `REALTIME["RESUME_TICKET_SECONDS"]` (a socket that stays open
  gets a new one, after a full check, before its own ages out);
- names the socket's own path (a board's ticket opens no other board);
- comes with the same session cookie (a digest of the session key is in it);
- and, for a member, the session still signs them in (`realtime.auth.session_auth_hashes`:
  the session exists and has not expired — a logout, or a ban, ends it —, the member may
  still sign in, the password is unchanged; sockets arriving together are checked together).

The ticket is signed, not encrypted: the client can read it, so the session key and the
session hash are in it only as salted digests. It travels in the socket's URL, which access
logs may keep: without its session cookie it opens nothing but what a visitor with no
cookie may read anyway (an anonymous reader's ticket, for a public board).

A ticket never stands for a right to act: every op's service reads the actor's rights
afresh. What it carries over is what the socket would have had by staying open: what it
reads. Anything amiss (no ticket, a forged, old or foreign one, a session gone) and the socket
is authorized in full, as on a first connect.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

SALT = "realtime.resume-ticket"


@dataclass(frozen=True)
class Ticket:
    text: str  # as the client holds it
    stream: str
    person: dict | None
    client: str
    territory: int | None
    sees_all: bool
    state: dict
    session_hash: str
    issued: float  # time.time() when it was signed


def max_age() -> float:
    return float(settings.REALTIME["RESUME_TICKET_SECONDS"])


def issue(
    *,
    path: str,
    session_key: str | None,
    user,
    stream: str,
    person: dict | None,
    client: str,
    territory: int | None,
    sees_all: bool,
    state: dict,
) -> str | None:
    """A ticket for what a full authorization just gave this socket (in the database thread:
    a member's session hash reads their row), or None if it could not be checked on resume
    (a member known otherwise than by a session cookie, another session store)."""
    from realtime.auth import sessions_checkable

    signed_in = person is not None
    if signed_in and not (session_key and sessions_checkable()):
        return None
    payload = {
        "p": path,
        "k": _digest(session_key),
        "s": stream,
        "r": person,
        "c": client,
        "t": territory,
        "a": sees_all,
        "x": state,
        "h": _digest(user.get_session_auth_hash()) if signed_in else "",
        "i": time.time(),
    }
    return signing.dumps(payload, salt=SALT)


def read(text: str, *, path: str, session_key: str | None) -> Ticket | None:
    """The ticket if it is sound, young enough and this socket's; no database read (a
    member's session is checked by `Checks.holds`)."""
    if not isinstance(text, str) or len(text) > 4096:
        return None
    try:
        payload = signing.loads(text, salt=SALT, max_age=max_age())
        ticket = Ticket(
            text=text,
            stream=payload["s"],
            person=payload["r"],
            client=payload["c"],
            territory=payload["t"],
            sees_all=payload["a"],
            state=payload["x"],
            session_hash=payload["h"],
            issued=float(payload["i"]),
        )
        if payload["p"] != path or payload["k"] != _digest(session_key):
            return None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return ticket


class Checks:
    """Whether tickets' readers are still who they were, for the sockets of one event loop:
    those arriving together are checked in one trip to the database thread (at most BATCH
    at a time), two queries in all (`realtime.auth.session_auth_hashes`)."""

    BATCH = 500

    def __init__(self) -> None:
        self.waiting: list[tuple[Ticket, str, asyncio.Future]] = []
        self.task: asyncio.Task | None = None

    async def holds(self, ticket: Ticket, session_key: str | None) -> bool:
        if ticket.person is None:
            return True  # an anonymous reader, with the same cookie (or none): nothing to lose
        if not session_key or not ticket.session_hash:
            return False
        loop = asyncio.get_running_loop()
        answer = loop.create_future()
        self.waiting.append((ticket, session_key, answer))
        if self.task is None:
            self.task = loop.create_task(self._check())
        return await answer

    async def _check(self) -> None:
        from realtime.auth import session_auth_hashes

        try:
            while self.waiting:
                batch, self.waiting = self.waiting[: self.BATCH], self.waiting[self.BATCH :]
                pairs = [(key, ticket.person["id"]) for ticket, key, _ in batch]
                try:
                    hashes = await database_sync_to_async(session_auth_hashes)(pairs)
                except Exception as error:  # the database away: each socket is told
                    for _, _, answer in batch:
                        if not answer.done():
                            answer.set_exception(error)
                    continue
                for (ticket, _, answer), now in zip(batch, hashes, strict=True):
                    if not answer.done():
                        answer.set_result(
                            now is not None
                            and constant_time_compare(_digest(now), ticket.session_hash)
                        )
        finally:
            self.task = None


def _digest(secret: str | None) -> str:
    """A digest of a session key or a session hash: the client sees the ticket's contents."""
    if not secret:
        return ""
    return hashlib.sha256(f"{SALT}:{secret}".encode()).hexdigest()[:32]
