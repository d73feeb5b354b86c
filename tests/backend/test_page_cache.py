"""The cache of anonymous pages (backend/pages/cache.py), through the real ASGI application:
it never hands one visitor's page to another, and a change shows at once."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync
from django.core import signals
from django.core.cache import cache, caches
from django.db import close_old_connections
from django.test import Client
from django.test.signals import template_rendered

from backend.asgi import application
from backend.pages import cache as page_cache
from backend.projects import services
from backend.projects.models import Project
from tests.factories import make_project, make_user
from tests.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 30
    cache.clear()
    caches["pages"].clear()
    yield
    with contextlib.suppress(Exception):  # the Redis test leaves an unreachable cache behind
        cache.clear()
    caches["pages"].clear()


async def _call(path: str, headers: list[tuple[bytes, bytes]]):
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    sent = []

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the client stays until the answer is in (Django cancels)

    async def send(message):
        sent.append(message)

    # As Django's test client does: the test's connection must outlive the request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        await application(scope, receive, send)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body.decode()


def get(path: str, *, cookie: str = "", language: str = "fr"):
    headers = [(b"accept-language", language.encode())]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return async_to_sync(_call)(path, headers)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def test_an_anonymous_page_is_served_from_the_cache():
    project = make_project(make_user("Awa"), title="Jardin partagé")
    status, _, first = get(project.get_absolute_url())
    assert status == 200 and "Jardin partagé" in first
    # A change that sends no signal is not seen: the second answer is the cached one.
    Project.objects.filter(pk=project.pk).update(title="Changé en douce")
    _, _, second = get(project.get_absolute_url())
    assert second == first


def test_a_change_through_the_service_shows_at_once(django_capture_on_commit_callbacks):
    owner = make_user("Awa")
    project = make_project(owner, title="Jardin partagé")
    get(project.get_absolute_url())
    get("/projets/")
    with django_capture_on_commit_callbacks(execute=True):  # the view's transaction commits
        services.update_project(
            actor=owner,
            project_id=project.pk,
            title="Verger partagé",
            summary="",
            description="",
            stage=project.stage,
            neighbourhood=None,
            links=[],
        )
    _, _, page = get(project.get_absolute_url())
    assert "Verger partagé" in page and "Jardin partagé" not in page
    _, _, listing = get("/projets/")
    assert "Verger partagé" in listing
    _, _, found = get("/recherche/?q=verger")
    assert "Verger partagé" in found


def test_signed_in_members_get_their_own_page_never_a_cached_one():
    awa, bruno = make_user("Awa Diallo"), make_user("Bruno Martin")
    project = make_project(awa, title="Jardin partagé")
    url = project.get_absolute_url()
    _, _, anonymous = get(url)  # now in the cache
    _, _, for_awa = get(url, cookie=session_cookie(awa))
    _, _, for_bruno = get(url, cookie=session_cookie(bruno))
    assert "Awa Diallo" in for_awa and "Bruno Martin" not in for_awa
    assert "Bruno Martin" in for_bruno and 'class="whoami"' in for_bruno
    assert "Awa Diallo" not in for_bruno.split("<main")[0]  # Awa only in the team list
    assert 'class="whoami"' not in anonymous
    # And what was rendered for them was not kept for the next anonymous visitor.
    _, _, after = get(url)
    assert 'class="whoami"' not in after and "Se déconnecter" not in after


def test_a_cached_page_holds_no_csrf_token_and_sets_no_cookie():
    awa = make_user("Awa")
    project = make_project(awa)
    # A signed-in member first: their page holds their CSRF token.
    _, _, theirs = get(project.get_absolute_url(), cookie=session_cookie(awa))
    assert "csrfmiddlewaretoken" in theirs
    for url in ("/", "/projets/", project.get_absolute_url(), "/partenaires/", "/recherche/?q=x"):
        get(url)
        status, headers, page = get(url)
        assert status == 200
        assert "csrfmiddlewaretoken" not in page, url
        assert b"set-cookie" not in {name.lower() for name in headers}, url


def test_a_page_rendered_with_a_csrf_token_is_not_kept(settings):
    # The sign-in page is not among the cached pages; were it, its token would stay personal.
    get("/connexion/")
    assert not [key for key in caches["pages"]._cache if "connexion" in key]


def test_each_language_has_its_own_copy():
    project = make_project(make_user())
    url = project.get_absolute_url()
    _, _, french = get(url, language="fr")
    _, english_headers, english = get(url, language="en")
    _, _, by_cookie = get(url, cookie="django_language=en", language="fr")
    assert 'lang="fr"' in french and 'lang="en"' in english and 'lang="en"' in by_cookie
    assert english_headers[b"Content-Language"] == b"en"


def test_other_cookies_go_to_django_and_are_not_kept():
    project = make_project(make_user(), title="Jardin partagé")
    url = project.get_absolute_url()
    get(url, cookie="messages=quelque-chose")
    assert not [key for key in caches["pages"]._cache if url in key]


def test_the_version_is_shared_through_the_cache():
    project = make_project(make_user(), title="Jardin partagé")
    url = project.get_absolute_url()
    get(url)
    Project.objects.filter(pk=project.pk).update(title="Verger")
    page_cache.bump()  # what another process does after its change, through Redis
    _, _, page = get(url)
    assert "Verger" in page


def test_the_language_switch_is_a_plain_link():
    response = Client().get("/langue/", {"language": "en", "next": "/projets/"})
    assert response.status_code == 302 and response["Location"] == "/projets/"
    assert response.cookies["django_language"].value == "en"
    elsewhere = Client().get("/langue/", {"language": "en", "next": "https://evil.example/"})
    assert elsewhere["Location"] == "/"
    _, _, page = get("/projets/")
    assert 'action="/langue/" method="get"' in page


def test_pages_and_changes_go_on_when_redis_is_down(settings, django_capture_on_commit_callbacks):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        },
    }
    owner = make_user("Awa")
    project = make_project(owner, title="Jardin partagé")
    status, _, page = get(project.get_absolute_url())
    assert status == 200 and "Jardin partagé" in page
    with django_capture_on_commit_callbacks(execute=True):
        services.update_project(
            actor=owner,
            project_id=project.pk,
            title="Verger partagé",
            summary="",
            description="",
            stage=project.stage,
            neighbourhood=None,
            links=[],
        )
    assert "Verger partagé" in get(project.get_absolute_url())[2]


def test_visitors_arriving_together_cost_one_render():
    project = make_project(make_user(), title="Jardin partagé")
    url = project.get_absolute_url()
    rendered = []

    def count(sender, template, **kwargs):
        if template.name == "projects/detail.html":
            rendered.append(1)

    async def together():
        headers = [(b"accept-language", b"fr")]
        return await asyncio.gather(*(_call(url, headers) for _ in range(5)))

    template_rendered.connect(count)
    try:
        answers = async_to_sync(together)()
    finally:
        template_rendered.disconnect(count)
    assert len(rendered) == 1
    assert len({body for _, _, body in answers}) == 1 and "Jardin partagé" in answers[0][2]


def test_a_change_in_another_process_shows_at_once_through_redis(settings, redis_server):
    import redis

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "page-cache-test",
        },
    }
    project = make_project(make_user(), title="Jardin partagé")
    url = project.get_absolute_url()
    assert "Jardin partagé" in get(url)[2]
    Project.objects.filter(pk=project.pk).update(title="Verger partagé")
    assert "Jardin partagé" in get(url)[2]  # cached here, under the shared version
    # Another process bumps the version in Redis (bump() there, a bare INCR here).
    key = cache.make_and_validate_key(page_cache.VERSION_KEY)
    redis.Redis.from_url(redis_server.url).incr(key)
    assert "Verger partagé" in get(url)[2]
