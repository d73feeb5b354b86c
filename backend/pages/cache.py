"""Whole anonymous pages, cached: served before Django runs, invalidated by every change.

The project list, a project's page, the partner directory, search and the home page are the
same for every visitor who is not signed in. `PageCache` (an ASGI layer in front of Django,
backend/asgi.py) answers such a request from the cache without entering Django's
thread-per-request machinery; on a miss it lets Django render the page and keeps the bytes
Django sent, if `PageCacheMiddleware` (inside Django's stack) marked the response as
shareable.

What keeps it safe:

- Only GET requests whose cookies are none, the CSRF cookie or the language cookie: any other
  cookie (a session, messages) goes to Django, and its answer is never stored.
- Django only marks a response shareable when it is a 200 of one of `PAGES`, the user is
  anonymous, no CSRF token was asked for while rendering (a page holding one is for its
  visitor only), no cookie is set, the session was not touched and no Cache-Control says
  private or no-store.
- The key holds the scheme, the host, the full path and the language Django would pick (a
  page is kept only if Django rendered it in that language).

What keeps it fresh: one version number in the cache (Redis when REDIS_URL is set, so every
process shares it). Every save, delete or many-to-many change of a row, once committed,
bumps it, except the rows of `HOT` (a board's columns, groups, cards and votes, workshop
participants, stream events, sessions, notifications, chat), which change all the time and
show on these pages only as a project's recent activity: that part may be
`PAGE_CACHE_SECONDS` old. A page is served only if it was rendered under the current
version, and it expires after `PAGE_CACHE_SECONDS` anyway. Changes made with
QuerySet.update() send no signal: they show within that delay. The pages themselves stay in
each process's memory (`caches["pages"]`); only the version is shared.
"""

from __future__ import annotations

import asyncio
import logging
import random
import weakref

import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http.cookie import parse_cookie
from django.utils import translation
from django.utils.translation import trans_real

# The pages kept (URL names); each is the same for every anonymous visitor of a URL.
PAGES = {"home", "projects:list", "projects:detail", "partners:directory", "search:search"}
# Where they are (a quick test: static files and the rest go straight to Django).
PREFIXES = ("/projets/", "/partenaires/", "/recherche/")
# Rows whose changes do not bump the version (app_label.model_name).
HOT = {
    "boards.column",
    "boards.cardgroup",
    "boards.card",
    "boards.cardrevision",
    "boards.vote",
    "workshops.participant",
    "realtime.event",
    "realtime.stream",
    "sessions.session",
    "admin.logentry",
}
HOT_APPS = {"chat", "notifications"}
VERSION_KEY = "pages:version"
logger = logging.getLogger(__name__)
MARK = "faire_ensemble.page_cache"  # set in the ASGI scope by PageCacheMiddleware
MAX_BYTES = 512 * 1024


def seconds() -> int:
    return settings.PAGE_CACHE_SECONDS


def _cache():
    """Where the version lives: the shared cache (Redis with REDIS_URL)."""
    return caches[settings.PAGE_CACHE_ALIAS]


def _pages():
    """Where the pages live: this process's memory (each process renders its own copy)."""
    return caches["pages"]


_redis_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _version_async(cache) -> int | None:
    """The current version, read on the event loop: straight from memory, or with an
    asyncio Redis client (one per loop) from the shared cache Django writes it to."""
    if isinstance(cache, LocMemCache):
        return cache.get(VERSION_KEY)
    loop = asyncio.get_running_loop()
    client = _redis_clients.get(loop)
    if client is None:
        client = redis.asyncio.Redis.from_url(
            cache._servers[0], socket_timeout=0.5, socket_connect_timeout=0.5
        )
        _redis_clients[loop] = client
    raw = await client.get(cache.make_and_validate_key(VERSION_KEY))
    return None if raw is None else int(raw)


def bump(**kwargs) -> None:
    """A new version: every page cached so far is stale, in every process."""
    cache = _cache()
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # never set, or evicted: any new number will do
            cache.set(VERSION_KEY, random.randrange(1, 2**62), None)
    except Exception:  # Redis unreachable: the change is committed; pages expire by themselves
        logger.exception("page cache: the version could not be bumped")


def current_version(cache=None) -> int:
    cache = cache or _cache()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, random.randrange(1, 2**62), None)
        version = cache.get(VERSION_KEY)
    return version


def _changed(sender, **kwargs) -> None:
    meta = sender._meta
    if meta.app_label in HOT_APPS or meta.label_lower in HOT:
        return
    fields = kwargs.get("update_fields")
    if fields and set(fields) <= {"last_login"}:
        return  # a sign-in
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    # After commit (at once outside a transaction): a page rendered from then on sees it.
    transaction.on_commit(bump, using=kwargs.get("using"))


def connect() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, weak=False, dispatch_uid=f"page-cache-{id(signal)}")


def cookies_allow(cookie_header: str) -> bool:
    """Whether a request with these cookies may share the anonymous pages (read as Django
    reads them)."""
    if not cookie_header:
        return True
    allowed = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
    return set(parse_cookie(cookie_header)) <= allowed


def language(cookie_header: str, accept: str) -> str:
    """The language LocaleMiddleware will pick (cookie, then Accept-Language, then default)."""
    chosen = (
        parse_cookie(cookie_header).get(settings.LANGUAGE_COOKIE_NAME) if cookie_header else None
    )
    if chosen:
        try:
            return trans_real.get_supported_language_variant(chosen)
        except LookupError:
            pass
    for code, _ in trans_real.parse_accept_lang_header(accept):
        if code == "*":
            break
        try:
            return trans_real.get_supported_language_variant(code)
        except LookupError:
            continue
    try:
        return trans_real.get_supported_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _scheme(scope: dict, headers: dict) -> str:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:
        name, value = proxy
        name = name.removeprefix("HTTP_").replace("_", "-").lower().encode()
        sent = headers.get(name)
        if sent is not None:
            return "https" if sent.decode("latin-1").split(",")[0].strip() == value else "http"
    return scope.get("scheme") or "http"


class PageCache:
    """ASGI layer: anonymous pages from the cache, before Django."""

    def __init__(self, app) -> None:
        self.app = app
        # Pages being rendered, by key: a second request for the same page waits for the
        # first one's answer instead of rendering it again (50 visitors on a page that has
        # just been invalidated cost one render, not 50).
        self.rendering: dict[str, asyncio.Future] = {}

    @staticmethod
    async def _serve(page, send) -> None:
        _, status, response_headers, body = page
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not (path == "/" or path.startswith(PREFIXES))
            or seconds() <= 0
        ):
            return await self.app(scope, receive, send)
        headers = {}
        for name, value in scope["headers"]:
            headers[name] = value if name not in headers else headers[name] + b"; " + value
        cookie = headers.get(b"cookie", b"").decode("latin-1")
        if not cookies_allow(cookie):
            return await self.app(scope, receive, send)
        path = scope.get("raw_path") or scope["path"].encode()
        query = scope.get("query_string", b"")
        lang = language(cookie, headers.get(b"accept-language", b"").decode("latin-1"))
        host = headers.get(b"host", b"").decode("latin-1").lower()
        key = "pages:" + "|".join(
            (_scheme(scope, headers), host, lang, path.decode("latin-1"), query.decode("latin-1"))
        )
        cache, pages = _cache(), _pages()
        try:
            version = await _version_async(cache)
            if version is None:  # first request, or evicted: set one (once, in a thread)
                version = await sync_to_async(current_version, thread_sensitive=False)(cache)
        except Exception:  # Redis unreachable: Django serves the page, nothing is kept
            logger.warning("page cache unavailable", exc_info=True)
            return await self.app(scope, receive, send)
        page = pages.get(key)
        if page is not None and page[0] == version:
            return await self._serve(page, send)
        loop = asyncio.get_running_loop()
        pending = self.rendering.get(key)
        if pending is not None and pending.get_loop() is loop:
            try:  # someone is rendering it: their page, if it may be shared and is current
                page = await asyncio.wait_for(asyncio.shield(pending), timeout=10)
            except TimeoutError:
                page = None
            if page is not None and page[0] == version:
                return await self._serve(page, send)
            return await self.app(scope, receive, send)
        mine = loop.create_future()
        self.rendering[key] = mine
        page = None
        try:
            page = await self._render(scope, receive, send, key, lang, version)
        finally:  # the waiters get the page, or None (not shareable, failed): they render
            if self.rendering.get(key) is mine:
                del self.rendering[key]
            mine.set_result(page)
        return None

    async def _render(self, scope, receive, send, key, lang, version):
        """A miss: Django renders it; keep what it sends if Django said it may be shared."""
        sent = {"status": None, "headers": None, "body": [], "size": 0}

        async def keep(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                sent["headers"] = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                sent["body"].append(message.get("body", b""))
                sent["size"] += len(message.get("body", b""))
            await send(message)

        scope = {**scope, MARK: None}
        await self.app(scope, receive, keep)
        if scope.get(MARK) != lang or sent["status"] != 200 or sent["size"] > MAX_BYTES:
            return None
        if any(name.lower() == b"set-cookie" for name, _ in sent["headers"]):
            return None
        page = (version, sent["status"], sent["headers"], b"".join(sent["body"]))
        _pages().set(key, page, seconds())
        return page


class PageCacheMiddleware:
    """Inside Django (after sessions, CSRF, auth and messages): says whether the response
    may be shared with every anonymous visitor, by writing its language into the scope."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        scope = getattr(request, "scope", None)
        if scope is not None and MARK in scope and self.shareable(request, response):
            scope[MARK] = translation.get_language()  # LocaleMiddleware's choice
        return response

    @staticmethod
    def shareable(request, response) -> bool:
        match = getattr(request, "resolver_match", None)
        if request.method != "GET" or response.status_code != 200 or response.streaming:
            return False
        if match is None or match.view_name not in PAGES:
            return False
        if not cookies_allow(request.META.get("HTTP_COOKIE", "")):
            return False
        user = getattr(request, "user", None)
        if user is None or user.is_authenticated:
            return False
        if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # a token was put in the page
            return False
        session = getattr(request, "session", None)
        if session is not None and (session.modified or (session.accessed and session.keys())):
            return False
        if response.cookies:
            return False
        control = response.get("Cache-Control", "")
        return "private" not in control and "no-store" not in control
