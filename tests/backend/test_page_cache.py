"""The cache of anonymous pages (backend/pages/cache.py), through the real ASGI application:
it never hands one visitor's page to another, and a change shows at once."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core import signals
from django.core.cache import cache, caches
from django.db import close_old_connections
from django.test import Client
from django.test.signals import template_rendered
from django.utils import timezone

from backend.asgi import application
from backend.calls.models import Call
from backend.needs.models import Answer, Need
from backend.pages import cache as page_cache
from backend.partners.models import SupportRequest
from backend.projects import services
from backend.projects.models import Follow, Membership, Project
from backend.territories.models import Neighbourhood, Skill
from backend.workshops.models import ProposalOutcome, Workshop
from boards.models import Board
from tests.factories import make_board, make_partner, make_project, make_theme, make_user
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


def rename(owner, project, title: str) -> None:
    """The owner renames the project through its service, nothing else changed."""
    services.update_project(
        actor=owner,
        project_id=project.pk,
        title=title,
        summary="",
        description="",
        stage=project.stage,
        neighbourhood=None,
        links=[],
    )


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
        rename(owner, project, "Verger partagé")
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
        rename(owner, project, "Verger partagé")
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


@pytest.fixture
def redis_cache(settings, redis_server):
    import redis

    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "page-mirror-test",
        },
    }
    shared = redis.Redis.from_url(redis_server.url)
    yield shared
    shared.close()


def test_a_change_in_another_process_shows_at_once_through_redis(redis_cache):
    project = make_project(make_user(), title="Jardin partagé")
    url = project.get_absolute_url()
    assert "Jardin partagé" in get(url)[2] and "Jardin partagé" in get("/projets/")[2]
    Project.objects.filter(pk=project.pk).update(title="Verger partagé")
    assert "Jardin partagé" in get(url)[2]  # cached here, under the shared version
    # Another process bumps the version and stamps the project in Redis (bump() there, a
    # bare INCR and SET here; each request here has a loop of its own, which reads Redis).
    shared = redis_cache
    shared.incr(cache.make_and_validate_key(page_cache.VERSION_KEY))
    assert "Verger partagé" in get("/projets/")[2]
    assert "Jardin partagé" in get(url)[2]  # a project's page goes by its own stamp
    stamp = cache.make_and_validate_key(page_cache.PROJECT_KEY.format(project.pk))
    shared.set(stamp, time.time_ns() // 1000)
    assert "Verger partagé" in get(url)[2]


# A project's page: kept until something it shows changes --------------------------------------


def _two_cached_projects():
    """Projects A and B, their pages cached; B's title then changed without a signal, so that
    B's page still showing the old title means it was served from the cache."""
    owner = make_user("Awa")
    a = make_project(owner, title="Jardin partagé")
    b = make_project(make_user("Bruno"), title="Repair café")
    for project in (a, b):
        assert project.title in get(project.get_absolute_url())[2]
    Project.objects.filter(pk=b.pk).update(title="Changé en douce")
    return owner, a, b


def _b_still_cached(b) -> bool:
    page = get(b.get_absolute_url())[2]
    assert "Repair café" in page or "Changé en douce" in page
    return "Repair café" in page


def test_changing_a_project_leaves_the_other_project_pages_cached(
    django_capture_on_commit_callbacks,
):
    owner, a, b = _two_cached_projects()
    get("/projets/")
    with django_capture_on_commit_callbacks(execute=True):
        rename(owner, a, "Verger partagé")
    assert "Verger partagé" in get(a.get_absolute_url())[2]
    assert _b_still_cached(b)
    # The other pages still go by the one version: the list shows both changes.
    listing = get("/projets/")[2]
    assert "Verger partagé" in listing and "Changé en douce" in listing


def _join(a, b):
    Membership.objects.create(project=a, user=make_user("Chloé Nouvelle"))
    return "Chloé Nouvelle"


def _leave(a, b):
    chloe = make_user("Chloé Partante")
    membership = Membership.objects.create(project=a, user=chloe)
    get(a.get_absolute_url())  # cached with her in the team
    membership.delete()
    return lambda page: "Chloé Partante" not in page


def _rename_a_member(a, b):
    member = a.memberships.get().user
    member.display_name = "Awa Renommée"
    member.save()
    return "Awa Renommée"


def _follow(a, b):
    Follow.objects.create(project=a, user=make_user())
    return "1 personne le suit"


def _publish_a_call(a, b):
    Call.objects.create(project=a, title="Une affiche", description="…", time_asked="2 h")
    return "Une affiche"


def _a_skill_on_a_call(a, b):
    call = Call.objects.create(project=a, title="Un site", description="…", time_asked="2 h")
    get(a.get_absolute_url())
    call.skills.add(Skill.objects.create(name="Graphisme", slug="graphisme"))
    return "Graphisme"


def _fill_a_call(a, b):
    call = Call.objects.create(project=a, title="Un site", description="…", time_asked="2 h")
    get(a.get_absolute_url())
    call.status = Call.Status.FILLED
    call.save()
    return "pourvu"


def _open_a_board(a, b):
    make_board(a.owner, project=a, title="Idées du jardin")
    return "Idées du jardin"


def _lock_a_board(a, b):
    board = make_board(a.owner, project=a, title="Idées du jardin")
    get(a.get_absolute_url())
    board.locked = True
    board.save()
    return "verrouillé"


def _move_a_board_away(a, b):
    board = make_board(b.owner, project=b, title="Idées voyageuses")
    get(b.get_absolute_url())  # B cached with it (B is dropped here, as it should be)
    board = Board.objects.get(pk=board.pk)
    board.project = a
    board.save()
    # Both pages are dropped: A shows it now, and B no longer does.
    assert "Idées voyageuses" not in get(b.get_absolute_url())[2]
    return "Idées voyageuses"


def _a_partner_accepts(a, b):
    SupportRequest.objects.create(
        project=a,
        partner=make_partner("France Active"),
        step="financement",
        message="Un prêt ?",
        status=SupportRequest.Status.ACCEPTED,
    )
    return "France Active"


def _answer_a_need(a, b):
    need = Need.objects.create(
        territory=a.territory, title="Réparer plutôt que jeter", slug="reparer", description="…"
    )
    Answer.objects.create(need=need, project=a)
    return "Réparer plutôt que jeter"


def _add_a_theme(a, b):
    a.themes.add(make_theme("Environnement"))
    return "Environnement"


def _give_it_a_workshop_origin(a, b):
    workshop = Workshop.objects.create(
        territory=a.territory,
        title="Atelier du printemps",
        starts_at=timezone.now(),
        facilitator=a.owner,
        question="Que faire du jardin ?",
    )
    ProposalOutcome.objects.create(workshop=workshop, project=a)
    return "Atelier du printemps"


def _rename_its_workshop(a, b):
    workshop = Workshop.objects.create(
        territory=a.territory,
        title="Atelier du printemps",
        starts_at=timezone.now(),
        facilitator=a.owner,
        question="Que faire du jardin ?",
    )
    ProposalOutcome.objects.create(workshop=workshop, project=a)
    get(a.get_absolute_url())
    workshop.title = "Atelier du 21 juin"
    workshop.save()
    return "Atelier du 21 juin"


@pytest.mark.parametrize(
    "change",
    [
        _join,
        _leave,
        _rename_a_member,
        _follow,
        _publish_a_call,
        _a_skill_on_a_call,
        _fill_a_call,
        _open_a_board,
        _lock_a_board,
        _move_a_board_away,
        _a_partner_accepts,
        _answer_a_need,
        _add_a_theme,
        _give_it_a_workshop_origin,
        _rename_its_workshop,
    ],
)
def test_every_change_a_project_page_shows_drops_that_page_only(
    change, django_capture_on_commit_callbacks
):
    _, a, b = _two_cached_projects()
    with django_capture_on_commit_callbacks(execute=True):
        shown = change(a, b)
    page = get(a.get_absolute_url())[2]
    assert shown(page) if callable(shown) else shown in page
    if change is not _move_a_board_away:
        assert _b_still_cached(b)


@pytest.mark.parametrize("what", ["theme", "partner", "need", "skill", "neighbourhood"])
def test_renaming_what_project_pages_show_drops_those_pages(
    what, django_capture_on_commit_callbacks
):
    _, a, b = _two_cached_projects()
    theme, partner = make_theme("Environnement"), make_partner("France Active")
    need = Need.objects.create(territory=a.territory, title="Réparer", slug="r", description="…")
    skill = Skill.objects.create(name="Graphisme", slug="graphisme")
    place = Neighbourhood.objects.create(territory=a.territory, name="Les Blagis", slug="blagis")
    with django_capture_on_commit_callbacks(execute=True):
        a.themes.add(theme)
        SupportRequest.objects.create(
            project=a, partner=partner, step="test", status=SupportRequest.Status.ACCEPTED
        )
        Answer.objects.create(need=need, project=a)
        call = Call.objects.create(project=a, title="Un site", description="…", time_asked="1 h")
        call.skills.add(skill)
        a.neighbourhood = place
        a.save()
    get(a.get_absolute_url())
    row = {
        "theme": theme,
        "partner": partner,
        "need": need,
        "skill": skill,
        "neighbourhood": place,
    }[what]
    with django_capture_on_commit_callbacks(execute=True):
        setattr(row, "title" if what == "need" else "name", "Un nom tout neuf")
        row.save()
    assert "Un nom tout neuf" in get(a.get_absolute_url())[2]
    assert _b_still_cached(b)  # which does not show it
    with django_capture_on_commit_callbacks(execute=True):
        row.delete()  # its links may go without a signal: every project page goes
    assert "Un nom tout neuf" not in get(a.get_absolute_url())[2]
    assert not _b_still_cached(b)


def test_changes_no_project_page_shows_leave_them_all_cached(
    django_capture_on_commit_callbacks,
):
    _, a, b = _two_cached_projects()
    Project.objects.filter(pk=a.pk).update(title="Changé en douce aussi")
    with django_capture_on_commit_callbacks(execute=True):
        make_user("Nouvelle venue")  # a sign-up
        partner = make_partner("France Active")  # a partner no project works with yet
        partner.managers.add(make_user())
    assert "Jardin partagé" in get(a.get_absolute_url())[2]
    assert _b_still_cached(b)
    assert "France Active" in get("/partenaires/")[2]  # while the directory shows it


def test_a_page_rendered_while_its_project_changed_is_not_kept_as_current():
    owner = make_user("Awa")
    project = make_project(owner, title="Jardin partagé")
    url = project.get_absolute_url()
    changed = []

    def change_during_the_render(sender, template, **kwargs):
        # The render has read the project; the change commits and is stamped before the page
        # is stored: the page must not count as showing it.
        if template.name == "projects/detail.html" and not changed:
            changed.append(1)
            Project.objects.filter(pk=project.pk).update(title="Verger partagé")
            page_cache.bump(projects={project.pk})

    template_rendered.connect(change_during_the_render)
    try:
        assert "Jardin partagé" in get(url)[2]
    finally:
        template_rendered.disconnect(change_during_the_render)
    assert "Verger partagé" in get(url)[2]


def test_a_missing_stamp_counts_as_a_change(django_capture_on_commit_callbacks):
    project = make_project(make_user(), title="Jardin partagé")
    url = project.get_absolute_url()
    get(url)
    Project.objects.filter(pk=project.pk).update(title="Verger partagé")
    cache.delete(page_cache.PROJECT_KEY.format(project.pk))  # evicted, say
    assert "Verger partagé" in get(url)[2]


def test_a_many_to_many_change_from_the_other_side_names_its_projects():
    project, theme = make_project(make_user()), make_theme("Environnement")
    change = {"instance": theme, "model": Project, "action": "post_add", "pk_set": {project.pk}}
    assert page_cache.projects_shown(Project.themes.through, change) == {project.pk}
    cleared = {**change, "action": "post_clear", "pk_set": None}
    assert page_cache.projects_shown(Project.themes.through, cleared) is None  # all of them


# With Redis, each process follows the changes instead of asking Redis on every hit ------------


def _reads(shared) -> int:
    """How many GET and MGET Redis has answered so far."""
    stats = shared.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("get", "mget"))


async def _until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"still not so after {seconds} s"
        await asyncio.sleep(0.01)


def _kill_the_follower(shared) -> int:
    """Cut the mirror's subscription, as a Redis restart would: how many were cut."""
    cut = 0
    for client in shared.client_list():
        if client["name"] == "faire-ensemble-page-changes":
            shared.client_kill_filter(_id=client["id"])
            cut += 1
    return cut


def test_hits_do_not_ask_redis_and_a_change_elsewhere_still_shows(redis_cache):
    project = make_project(make_user(), title="Jardin partagé")
    url, headers = project.get_absolute_url(), [(b"accept-language", b"fr")]

    async def scenario():
        assert "Jardin partagé" in (await _call(url, headers))[2]
        mirror = page_cache.Mirror.of(caches["default"])
        await _until(lambda: mirror.live)
        assert "Jardin partagé" in (await _call(url, headers))[2]  # learns the stamps
        before = _reads(redis_cache)
        for _ in range(20):
            assert "Jardin partagé" in (await _call(url, headers))[2]
            assert "Jardin partagé" in (await _call("/projets/", headers))[2]
        assert _reads(redis_cache) == before + 1  # the list's version, read once
        # Another process changes the project and bumps (Redis, then the channel).
        await sync_to_async(Project.objects.filter(pk=project.pk).update)(title="Verger")
        await sync_to_async(page_cache.bump)(projects={project.pk})
        await _until(lambda: mirror.version is None)  # the message is in
        assert "Verger" in (await _call(url, headers))[2]
        assert "Verger" in (await _call("/projets/", headers))[2]

    async_to_sync(scenario)()


def test_a_cut_subscription_falls_back_to_redis_until_it_is_back(redis_cache):
    project = make_project(make_user(), title="Jardin partagé")
    url, headers = project.get_absolute_url(), [(b"accept-language", b"fr")]
    stamp = caches["default"].make_and_validate_key(page_cache.PROJECT_KEY.format(project.pk))

    async def scenario():
        assert "Jardin partagé" in (await _call(url, headers))[2]
        mirror = page_cache.Mirror.of(caches["default"])
        await _until(lambda: mirror.live)
        await _call(url, headers)
        assert mirror.stamps  # known here
        assert _kill_the_follower(redis_cache) == 1
        await _until(lambda: not mirror.live)
        assert not mirror.stamps  # forgotten: a change may have gone by unseen
        # A change while nobody follows: stamped in Redis, its message lost.
        await sync_to_async(Project.objects.filter(pk=project.pk).update)(title="Verger")
        redis_cache.set(stamp, time.time_ns() // 1000)
        assert "Verger" in (await _call(url, headers))[2]  # read from Redis
        await _until(lambda: mirror.live)  # following again, on its own
        await asyncio.sleep(page_cache.SKEW_US / 1e6)  # a render from now on counts
        await _call(url, headers)  # learns the stamps again
        before = _reads(redis_cache)
        for _ in range(5):
            assert "Verger" in (await _call(url, headers))[2]
        assert _reads(redis_cache) == before

    async_to_sync(scenario)()


def test_stamps_only_move_forward_and_a_reading_from_before_a_cut_is_not_kept(redis_cache):
    async def scenario():
        mirror = page_cache.Mirror.of(caches["default"])
        await _until(lambda: mirror.live)
        mirror._apply(b'{"stamps": {"pages:project:1": 200}}')
        mirror._apply(b'{"stamps": {"pages:project:1": 100}}')  # arrived late
        assert mirror.stamps_of(["pages:project:1"]) == [200]
        mirror.learn(mirror.epoch, stamps={"pages:project:1": 150, "pages:projects": 5})
        assert mirror.stamps_of(["pages:projects", "pages:project:1"]) == [5, 200]
        epoch = mirror.epoch
        mirror.learn(epoch, version=7)
        assert mirror.version == 7
        mirror._apply(b'{"version": true, "stamps": {}}')
        assert mirror.version is None  # read again
        mirror.learn(epoch, version=7)  # a reading begun before that message
        assert mirror.version is None

    async_to_sync(scenario)()


def test_a_loop_closing_while_its_mirror_connects_does_not_hang(redis_cache):
    """A loop ends by cancelling its mirror's task, at whatever point of its subscription
    (redis-py may swallow that cancellation): the loop still ends."""
    shared_cache = caches["default"]

    async def briefly(wait: float):
        page_cache.Mirror.of(shared_cache)
        await asyncio.sleep(wait)

    for n in range(100):
        loop = threading.Thread(target=asyncio.run, args=(briefly(n % 10 / 2000),), daemon=True)
        loop.start()
        loop.join(5)
        assert not loop.is_alive(), f"the loop closing after {n % 10 / 2} ms never ended"
