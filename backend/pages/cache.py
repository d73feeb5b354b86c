"""Whole anonymous pages, cached: served before Django runs, invalidated by the changes they show.

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

A project's page is the exception: there are a thousand of them and a busy site changes
something every few seconds, so under the one version they were nearly always empty. The
view says which project a page shows (`shows_project`); such a page is kept until that
project changes. Each committed change stamps the projects whose pages show it
(`projects_shown`): the project itself, or a row with a `project` (a membership, a follow, a
call, a board, a support request, a need's answer, a workshop outcome), stamps that project
and the one it was moved from; an edit of a row these point to (`REACHING`: a member's name, a
workshop's title, a partner, a need, a theme, a skill, a neighbourhood) stamps the projects
that show it, found after commit; a new row of those, or a row no project page shows
(`UNSHOWN`), stamps none; anything else (a theme deleted, whose links go without a signal)
stamps every project page. A stamp is the time of the change in microseconds, written after
commit; a project page is current if Django began rendering it after its project's stamp and
the all-projects one, by more than `SKEW_US` (the clocks of two processes may differ), so a
render that read the database before a commit is never taken for one that saw it. Every
change still bumps the version, for the other pages. A stamp found missing (evicted, Redis
emptied) counts as a change made now.

With Redis, a hit does not ask Redis either: each process keeps what it learnt of the version
and the stamps (`Mirror`), and every bump is also published on a channel that each process
follows, so what it keeps moves with each change, a fraction of a millisecond after it
(stamps only move forward: the later of two is kept, whatever order they arrive in; a
published version is only a sign to read it again). Until its subscription is confirmed, or
when it drops (Redis restarted, the connection cut), a process forgets all it kept and reads
Redis on every request again, as it would without the mirror; a reading begun before the
subscription changed is not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import time
import weakref
from collections.abc import Collection

import redis.asyncio
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
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
# When every project page last changed, and when project <id>'s did (microseconds).
PROJECTS_KEY = "pages:projects"
PROJECT_KEY = "pages:project:{}"
# Where every bump is published (JSON: {"version": true, "stamps": {name: µs}}).
CHANNEL = "pages:changes"
# How far the clocks of two processes may be apart: a page must have started this long after
# a change to count as showing it.
SKEW_US = 250_000
# Rows that no project page shows an anonymous visitor (app_label.model_name): changing them
# leaves every project page cached.
UNSHOWN = {
    "accounts.organisationmember",
    "accounts.user_groups",
    "accounts.user_skills",
    "accounts.user_themes",
    "accounts.user_user_permissions",
    "calls.response",
    "meetings.invitation",
    "meetings.meeting",
    "meetings.meeting_themes",
    "meetings.registration",
    "moderation.auditentry",
    "moderation.mute",
    "moderation.report",
    "needs.need_themes",
    "partners.offer",
    "partners.partner_managers",
    "partners.partner_themes",
    "search.document",
    "workshops.table",
    "workshops.workshop_themes",
}
# Rows a project's page shows through rows that point to them: an edit stamps the projects
# `_reaching` finds.
REACHING = {
    "accounts.user",
    "needs.need",
    "partners.partner",
    "territories.neighbourhood",
    "territories.skill",
    "territories.theme",
    "workshops.workshop",
}
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
    """The current version, read on the event loop: straight from memory, from what this
    process follows of Redis (`Mirror`), or with an asyncio Redis client (one per loop) from
    the shared cache Django writes it to."""
    if isinstance(cache, LocMemCache):
        return cache.get(VERSION_KEY)
    mirror = Mirror.of(cache)
    if mirror.version is not None:
        return mirror.version
    epoch = mirror.epoch
    raw = await _redis(cache).get(cache.make_and_validate_key(VERSION_KEY))
    version = None if raw is None else int(raw)
    mirror.learn(epoch, version=version)
    return version


def _redis(cache):
    loop = asyncio.get_running_loop()
    client = _redis_clients.get(loop)
    if client is None:
        client = redis.asyncio.Redis.from_url(
            cache._servers[0], socket_timeout=0.5, socket_connect_timeout=0.5
        )
        _redis_clients[loop] = client
    return client


async def _stamps_async(cache, project_id: int, *, missing: int) -> list[int]:
    """The all-projects stamp and project `project_id`'s; one that is missing is set to
    `missing` (if still missing) and read as that."""
    names = [PROJECTS_KEY, PROJECT_KEY.format(project_id)]
    if isinstance(cache, LocMemCache):
        found = cache.get_many(names)
        for name in names:
            if name not in found:
                cache.add(name, missing, None)
                found[name] = cache.get(name, missing)
        return [found[name] for name in names]
    mirror = Mirror.of(cache)
    known = mirror.stamps_of(names)
    if known is not None:
        return known
    epoch = mirror.epoch
    client = _redis(cache)
    keys = [cache.make_and_validate_key(name) for name in names]
    raw = await client.mget(keys)
    for index, key in enumerate(keys):
        if raw[index] is None:
            await client.set(key, missing, nx=True)
            raw[index] = await client.get(key) or missing
    stamps = [int(value) for value in raw]
    mirror.learn(epoch, stamps=dict(zip(names, stamps, strict=True)))
    return mirror.stamps_of(names) or stamps


class Mirror:
    """What this process knows of the version and the stamps in Redis, kept up to date by
    following the bumps every process publishes on `CHANNEL`: the requests served from the
    cache do not wait on Redis. One per event loop and cache; it follows as long as its loop
    runs.

    `live` once the subscription is confirmed; until then, and whenever it drops, it knows
    nothing (`version` None, no stamps) and the callers read Redis, then tell it what they
    read (`learn`), which it keeps only if it was live throughout (`epoch` unchanged).
    """

    _all: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
    RETRY_SECONDS = (0.5, 1, 2, 5)

    def __init__(self, cache) -> None:
        self.url, self.channel = cache._servers[0], cache.make_and_validate_key(CHANNEL)
        self.live = False
        self.epoch = 0  # moves whenever what was read before may be out of date
        self.version: int | None = None
        self.stamps: dict[str, int] = {}
        self.task: asyncio.Task | None = asyncio.get_running_loop().create_task(self._follow())

    @classmethod
    def of(cls, cache) -> Mirror:
        """This loop's mirror of `cache` (its Redis server and key prefix), started if new.
        Looked up on every hit: by plain attributes, the channel's key is made only once."""
        where = (cache._servers[0], cache.key_prefix, cache.version)
        mirrors = cls._all.setdefault(asyncio.get_running_loop(), {})
        mirror = mirrors.get(where)
        if mirror is None:
            mirror = mirrors[where] = cls(cache)
        return mirror

    def stamps_of(self, names: list[str]) -> list[int] | None:
        if not self.live:
            return None
        try:
            return [self.stamps[name] for name in names]
        except KeyError:
            return None

    def learn(self, epoch: int, *, version: int | None = None, stamps: dict | None = None):
        """What a caller read from Redis since `epoch`: kept if nothing moved meanwhile."""
        if not self.live or epoch != self.epoch:
            return
        if version is not None:
            self.version = version
        for name, stamp in (stamps or {}).items():
            self.stamps[name] = max(stamp, self.stamps.get(name, stamp))

    def _forget(self, *, live: bool) -> None:
        self.live = live
        self.epoch += 1
        self.version = None
        self.stamps.clear()

    def _apply(self, data: bytes) -> None:
        change = json.loads(data)
        if change.get("version"):
            self.version = None  # read again: versions from two processes may cross
            self.epoch += 1
        for name, stamp in change.get("stamps", {}).items():
            self.stamps[name] = max(int(stamp), self.stamps.get(name, 0))

    async def _follow(self) -> None:
        try:
            await self._follow_changes()
        finally:
            self.task = None  # its loop is closing: let both go

    async def _follow_changes(self) -> None:
        failures = 0
        while True:
            client = redis.asyncio.Redis.from_url(
                self.url,
                client_name="faire-ensemble-page-changes",
                socket_connect_timeout=0.5,
                socket_keepalive=True,
                health_check_interval=15,
            )
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                while True:
                    _honour_cancellation()
                    message = await pubsub.get_message(timeout=1)
                    _honour_cancellation()
                    if message is None:
                        continue
                    if message["type"] == "subscribe":
                        self._forget(live=True)
                        failures = 0
                    elif message["type"] == "message":
                        self._apply(message["data"])
            except Exception:
                _honour_cancellation()
                logger.warning("page cache: following the changes stopped", exc_info=True)
            finally:
                self._forget(live=False)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                    await client.aclose()
            await asyncio.sleep(self.RETRY_SECONDS[min(failures, len(self.RETRY_SECONDS) - 1)])
            failures += 1


def _honour_cancellation() -> None:
    """Stop the current task if it was asked to: redis-py's asyncio client may swallow a
    cancellation (seen while `subscribe` connects), and a loop closing waits for its tasks."""
    if asyncio.current_task().cancelling():
        raise asyncio.CancelledError


async def _current(cache, page, version: int | None = None) -> bool:
    """Whether a kept page may still be served: rendered under the current version, or, a
    project's page, begun after the last change of what it shows."""
    shown = page[0]
    if isinstance(shown, tuple):  # ("project", id, when its rendering began)
        _, project_id, began = shown
        stamps = await _stamps_async(cache, project_id, missing=_now())
        return all(stamp + SKEW_US < began for stamp in stamps)
    if version is None:
        version = await _version_async(cache)
    return shown == version


def _now() -> int:
    return time.time_ns() // 1000


def bump(*, projects: Collection[int] | None = None) -> None:
    """A new version: every page cached so far is stale, in every process, except the pages
    of projects not in `projects` (None: all of them are stale too)."""
    cache = _cache()
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # never set, or evicted: any new number will do
            cache.set(VERSION_KEY, random.randrange(1, 2**62), None)
        stamps = {}
        if projects is None:
            stamps = {PROJECTS_KEY: _now()}
        elif projects:
            now = _now()
            stamps = {PROJECT_KEY.format(pk): now for pk in projects}
        if stamps:
            cache.set_many(stamps, None)
        if not isinstance(cache, LocMemCache):  # every process's Mirror moves with it
            change = json.dumps({"version": True, "stamps": stamps})
            client = cache._cache.get_client(write=True)
            client.publish(cache.make_and_validate_key(CHANNEL), change)
    except Exception:  # Redis unreachable: the change is committed; pages expire by themselves
        logger.exception("page cache: the version could not be bumped")


def _reaching(label: str, pk: int):
    """The projects whose pages show row `pk` of `label` through rows that point to it (a
    member's name in a team, a workshop's title as a project's origin, a partner's name…),
    for the models of `REACHING`."""
    from backend.calls.models import Call
    from backend.needs.models import Answer
    from backend.partners.models import SupportRequest
    from backend.projects.models import Membership, Project
    from backend.workshops.models import ProposalOutcome

    through = {
        "accounts.user": (Membership.objects.filter(user_id=pk), "project_id"),
        "workshops.workshop": (ProposalOutcome.objects.filter(workshop_id=pk), "project_id"),
        "partners.partner": (SupportRequest.objects.filter(partner_id=pk), "project_id"),
        "needs.need": (Answer.objects.filter(need_id=pk), "project_id"),
        "territories.skill": (Call.objects.filter(skills=pk), "project_id"),
        "territories.theme": (Project.objects.filter(themes=pk), "pk"),
        "territories.neighbourhood": (Project.objects.filter(neighbourhood_id=pk), "pk"),
    }
    rows, column = through[label]
    return set(rows.values_list(column, flat=True)) - {None}


def _bump_reaching(label: str, pk: int) -> None:
    bump(projects=_reaching(label, pk))


def shows_project(request, *, project_id: int) -> None:
    """Says that the page being rendered is project `project_id`'s: the cache keeps it until
    that project's page changes, not until any change."""
    request.page_cache_project = project_id


@functools.cache
def _has_project(model) -> bool:
    from backend.projects.models import Project

    try:
        field = model._meta.get_field("project")
    except Exception:  # FieldDoesNotExist
        return False
    return field.concrete and field.related_model is Project


def _loaded(sender, instance, **kwargs) -> None:
    # The project a row had when it was read: a row moved away drops its former page too.
    instance._page_cache_project = instance.__dict__.get("project_id")


def projects_shown(sender, kwargs) -> Collection[int] | None:
    """The projects whose pages show the row of this signal: their ids, or None for all."""
    from backend.projects.models import Project

    instance, label = kwargs["instance"], sender._meta.label_lower
    if "action" in kwargs:  # a many-to-many change, `sender` its through model
        if isinstance(instance, Project):
            return {instance.pk}
        if kwargs["model"] is Project:  # from the other side: pk_set are projects
            return None if kwargs["pk_set"] is None else set(kwargs["pk_set"])
        if label in UNSHOWN:
            return set()
        if _has_project(type(instance)):
            return {instance.project_id} - {None}
        return None
    if isinstance(instance, Project):
        return {instance.pk}
    if label in UNSHOWN:
        return set()
    if _has_project(sender):
        return {instance.project_id, getattr(instance, "_page_cache_project", None)} - {None}
    if kwargs.get("created"):
        # A new theme, skill, partner or need is on no project's page until a row that is
        # (a project's themes, a call's skills, a support request, an answer) links it.
        return set()
    return None


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
    using = kwargs.get("using")
    # After commit (at once outside a transaction): a page rendered from then on sees it.
    label = meta.label_lower
    if label in REACHING and "created" in kwargs and not kwargs["created"]:
        # An edit: the projects showing it are found once it is committed. (A new row is on
        # no page yet; a deleted one falls to projects_shown: all project pages.)
        callback = functools.partial(_bump_reaching, label, kwargs["instance"].pk)
        transaction.on_commit(callback, using=using)
        return
    projects = projects_shown(sender, kwargs)
    transaction.on_commit(functools.partial(bump, projects=projects), using=using)


def connect() -> None:
    from django.apps import apps

    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(_changed, weak=False, dispatch_uid=f"page-cache-{id(signal)}")
    for model in apps.get_models():
        if _has_project(model):
            post_init.connect(_loaded, sender=model, weak=False, dispatch_uid="page-cache-init")


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
        page = pages.get(key)
        try:
            if page is not None and await _current(cache, page):
                return await self._serve(page, send)
            began = _now()  # before Django reads anything
            version = await _version_async(cache)
            if version is None:  # first request, or evicted: set one (once, in a thread)
                version = await sync_to_async(current_version, thread_sensitive=False)(cache)
        except Exception:  # Redis unreachable: Django serves the page, nothing is kept
            logger.warning("page cache unavailable", exc_info=True)
            return await self.app(scope, receive, send)
        loop = asyncio.get_running_loop()
        pending = self.rendering.get(key)
        if pending is not None and pending.get_loop() is loop:
            try:  # someone is rendering it: their page, if it may be shared and is current
                page = await asyncio.wait_for(asyncio.shield(pending), timeout=10)
            except TimeoutError:
                page = None
            with contextlib.suppress(Exception):  # Redis gone meanwhile: render it
                if page is not None and await _current(cache, page, version):
                    return await self._serve(page, send)
            return await self.app(scope, receive, send)
        mine = loop.create_future()
        self.rendering[key] = mine
        page = None
        try:
            page = await self._render(scope, receive, send, key, lang, (version, began))
        finally:  # the waiters get the page, or None (not shareable, failed): they render
            if self.rendering.get(key) is mine:
                del self.rendering[key]
            mine.set_result(page)
        return None

    async def _render(self, scope, receive, send, key, lang, when):
        """A miss: Django renders it; keep what it sends if Django said it may be shared.
        `when`: the version and the time (µs) read before Django began."""
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
        marked = scope.get(MARK)  # (language, project id or None) if it may be shared
        if marked is None or marked[0] != lang:
            return None
        if sent["status"] != 200 or sent["size"] > MAX_BYTES:
            return None
        if any(name.lower() == b"set-cookie" for name, _ in sent["headers"]):
            return None
        version, began = when
        shown = version
        if marked[1] is not None:
            shown = ("project", marked[1], began)
            try:  # stamps never set (a new process, a project never changed): from long ago
                await _stamps_async(_cache(), marked[1], missing=began - SKEW_US - 1)
            except Exception:
                logger.warning("page cache unavailable", exc_info=True)
                return None
        page = (shown, sent["status"], sent["headers"], b"".join(sent["body"]))
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
            # LocaleMiddleware's choice, and the project the page shows (if the view said so)
            project = getattr(request, "page_cache_project", None)
            scope[MARK] = (translation.get_language(), project)
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
