"""Who is behind a socket or an op: the actor shown to others and the key of their ops."""

from __future__ import annotations

import functools
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
            scope["session_key"] = scope["cookies"].get(_session_cookie_name())
            scope["user"] = fresh_user(scope)
        return await self.inner(scope, receive, send)


def fresh_user(scope):
    """The scope's user, read again from its session on first use (in a database thread)."""
    return SimpleLazyObject(partial(user_from_session, scope.get("session_key")))


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
    hash must still match), or an anonymous user. Synchronous: it reads the database.

    Every socket asks it once, a reconnect storm thousands of times a second: with the
    default session store and authentication backend, the session row and the user row are
    read by prepared queries (the ORM builds each query once, not once per socket). Anything
    off the usual path — another store or backend, a hash that does not match (Django then
    flushes the session, or renews it after a change of secret key) — goes through Django's
    own `get_user`, unchanged.
    """
    from django.contrib.auth.models import AnonymousUser

    if not session_key:
        return AnonymousUser()
    user = _user_by_prepared_queries(session_key)
    if user is not _UNSURE:
        return user or AnonymousUser()
    return _user_by_django(session_key)


_UNSURE = object()
_DB_SESSIONS = "django.contrib.sessions.backends.db"
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sessions_checkable() -> bool:
    """Whether `session_auth_hashes` can tell: the default session store, the model backend."""
    from django.conf import settings

    return (
        settings.SESSION_ENGINE == _DB_SESSIONS
        and _MODEL_BACKEND in settings.AUTHENTICATION_BACKENDS
    )


def session_auth_hashes(pairs: list[tuple[str, int]]) -> list[str | None]:
    """For each (session key, user id): the member's `get_session_auth_hash()` as it is now
    (it changes with the password), if the session still exists and has not expired (a logout
    or a ban ends it) and the member may still sign in; else None. For a caller that knows the
    session signed that member in (a resume ticket): nothing is decoded. Two queries in all.

    Sockets resuming together (a reconnect storm) are checked in one trip to the database
    thread: while the event loop is busy with handshakes that thread gets the interpreter back
    only every few milliseconds after each query, so queries per socket, not their cost, set
    how fast sockets come back."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    if not sessions_checkable():
        return [None] * len(pairs)
    now = timezone.now()
    keys = {key for key, _ in pairs if key}
    ids = {user_id for _, user_id in pairs if type(user_id) is int}
    alive = set(
        Session.objects.filter(session_key__in=keys, expire_date__gt=now).values_list(
            "session_key", flat=True
        )
    )
    users = get_user_model()._default_manager.filter(pk__in=ids).only("password", "is_active")
    backend = ModelBackend()
    hashes = {
        user.pk: user.get_session_auth_hash()
        for user in users
        if backend.user_can_authenticate(user)
    }
    return [hashes.get(user_id) if key in alive else None for key, user_id in pairs]


def _user_by_django(session_key: str):
    from django.conf import settings
    from django.contrib.auth import get_user
    from django.utils.module_loading import import_string

    session = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)
    return get_user(SimpleNamespace(session=session))


def _user_by_prepared_queries(session_key: str):
    """The user, None for an anonymous visitor, or _UNSURE: ask Django."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from django.utils.crypto import constant_time_compare

    if not sessions_checkable():
        return _UNSURE
    row = _queries().session.first(session_key)
    if row is None or row.expire_date <= timezone.now():
        return None  # as Django: no session, an anonymous visitor (nothing written)
    data = SessionStore().decode(row.session_data)
    if data.get(BACKEND_SESSION_KEY) != _MODEL_BACKEND or SESSION_KEY not in data:
        return _UNSURE
    try:
        user_id = get_user_model()._meta.pk.to_python(data[SESSION_KEY])
    except Exception:
        return _UNSURE
    if type(user_id) is not int:
        return _UNSURE
    user = _queries().user.first(user_id)
    if user is None or not ModelBackend().user_can_authenticate(user):
        return None
    session_hash = data.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return _UNSURE
    return user


@functools.cache
def _queries() -> SimpleNamespace:
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session

    from realtime.prepared import PreparedQuery

    user_model = get_user_model()
    return SimpleNamespace(
        session=PreparedQuery(lambda key: Session.objects.filter(session_key=key)[:1], str),
        user=PreparedQuery(lambda pk: user_model._default_manager.filter(pk=pk)[:1], int),
    )
