"""Who is behind a socket or an op: the actor shown to others and the key of their ops."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

from django.utils.functional import SimpleLazyObject


def actor_of(user) -> dict | None:
    """`{"id", "name"}` for a signed-in member, None for an anonymous reader."""
    if user is None or not user.is_authenticated:
        return None
    return {"id": user.pk, "name": user.public_name}


def client_key(user) -> str:
    """The key under which a person's op ids are unique (retries are applied once per key)."""
    if user is None or not user.is_authenticated:
        return ""
    return f"user:{user.pk}"


class SocketSessionAuth:
    """ASGI middleware: who is behind a socket, read from the Django session cookie.

    Channels' AuthMiddlewareStack does the same but also wraps `send` to save sessions, a
    coroutine layer on every frame sent; live sockets never change the session, so this one
    leaves `send` untouched. The user is read lazily, on first use, by the consumer's first
    database call (`authorize`, in the database thread): no hop of its own. A scope that
    already names its user (tests) keeps it.
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if "user" not in scope:
            scope = dict(scope)
            scope["cookies"] = _cookies(scope)
            session_key = scope["cookies"].get(_session_cookie_name())
            scope["user"] = SimpleLazyObject(partial(user_from_session, session_key))
        return await self.inner(scope, receive, send)


def _session_cookie_name() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def _cookies(scope) -> dict:
    from django.http.cookie import parse_cookie

    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1"))
    return {}


def user_from_session(session_key: str | None):
    """The signed-in user of this session (checked as a page would: the session's password
    hash must still match), or an anonymous user. Synchronous: it reads the database."""
    from django.conf import settings
    from django.contrib.auth import get_user
    from django.contrib.auth.models import AnonymousUser
    from django.utils.module_loading import import_string

    if not session_key:
        return AnonymousUser()
    session = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)
    return get_user(SimpleNamespace(session=session))
