"""The pages of the page benchmark (bench/pages.py) cost the same number of queries whatever
they show: each test counts a page's queries, adds twice as much again of what the page lists,
and counts again. A query per item shows up as a difference.

Also: the project list's pages follow each other without gaps (an out-of-range page shows the
last page, a page that is no number the first), its filters keep their choice, and the
benchmark's dataset keeps the invariants the app relies on.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.calls.models import Call
from backend.needs.models import Answer, Need
from backend.partners.models import SupportRequest
from backend.projects import views as project_views
from backend.projects.models import Follow, Project, Stage
from backend.search import indexing
from backend.territories.models import Neighbourhood, Skill
from boards import services as boards
from tests.factories import (
    make_board,
    make_partner,
    make_project,
    make_territory,
    make_theme,
    make_user,
)
from tests.web import signed_in

pytestmark = pytest.mark.django_db


def queries(client, url: str, params: dict | None = None) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


class Town:
    """Projects with everything their pages show: a team, themes, a neighbourhood, followers,
    a board with cards and votes, a need answered, a partner's answer, an open call."""

    def __init__(self):
        self.owner = make_user("Awa")
        self.town_hall = make_user("Louise", moderator=True)
        self.theme = make_theme("Environnement")
        self.neighbourhood = Neighbourhood.objects.create(
            territory=make_territory(), name="Les Blagis", slug="les-blagis"
        )
        self.skill = Skill.objects.create(name="Graphisme", slug="graphisme", is_managed=True)
        self.need = Need.objects.create(
            territory=make_territory(), title="Réparer", slug="reparer", description="…"
        )
        self.partner = make_partner("France Active", managers=[self.town_hall])
        self.projects: list[Project] = []

    def grow(self, n: int) -> None:
        for _ in range(n):
            index = len(self.projects)
            project = make_project(
                self.owner,
                title=f"Repair café {index:02}",
                members=[make_user(), make_user()],
            )
            project.summary = f"Réparer ensemble, épisode {index}"
            project.stage, project.neighbourhood = Stage.TEST, self.neighbourhood
            project.save()
            project.themes.add(self.theme, make_theme(f"Thème {index}"))
            Follow.objects.create(project=project, user=make_user())
            Answer.objects.create(need=self.need, project=project, declared_by=self.owner)
            SupportRequest.objects.create(
                project=project,
                partner=self.partner,
                step="financement",
                message="Un prêt ?",
                status=SupportRequest.Status.ACCEPTED,
                requested_by=self.owner,
                answer="Oui.",
                answered_by=make_user(),
            )
            call = Call.objects.create(
                project=project, title=f"Une affiche {index}", description="…", time_asked="2 h"
            )
            call.skills.add(self.skill)
            board = make_board(self.owner, project=project, title=f"Idées {index}")
            column = board.columns.first()
            for _ in range(2):
                card = boards.create_card(
                    actor=make_user(), board_id=board.pk, column_id=column.pk, text="Un banc"
                ).result
                boards.vote_card(actor=make_user(), board_id=board.pk, card_id=card.pk)
            self.projects.append(project)


@pytest.fixture
def town():
    return Town()


def grows_not(client, town: Town, url, params: dict | None = None) -> tuple[int, str]:
    """The page's queries with 2 projects, then with 6: equal. The count and the last page."""
    town.grow(2)
    few, _ = queries(client, url(town) if callable(url) else url, params)
    town.grow(4)
    many, html = queries(client, url(town) if callable(url) else url, params)
    assert many == few
    return many, html


# The pages ----------------------------------------------------------------------------------


def test_the_home_page(client, town):
    count, html = grows_not(client, town, "/")
    assert "Repair café 05" in html and "Idées 5" in html and "Une affiche 5" in html
    assert count <= 8


def test_the_home_page_signed_in(town):
    grows_not(signed_in(town.owner), town, "/")


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"sort": "title"},
        {"sort": "followed"},
        {"sort": "stage"},
        {"theme": "environnement", "stage": "test", "neighbourhood": "les-blagis"},
        {"need": "reparer", "q": "repair"},
        {"skill": "graphisme"},
    ],
)
def test_the_project_list_under_each_sort_and_filter(client, town, params):
    count, html = grows_not(client, town, reverse("projects:list"), params)
    # The count, the page, its themes, the four lists of choices; each chosen row, once.
    assert count == 7 + len(params.keys() & {"theme", "neighbourhood", "need", "skill"})
    assert html.count('<span class="stage-badge">Test</span>') == 6
    assert "Réparer ensemble, épisode 5" in html and "Les Blagis" in html and "Thème 5" in html


def test_the_project_page(client, town):
    def page(town):
        project = town.projects[0]
        # Its team, followers, boards, partners, calls and their skills, themes and the needs
        # it answers grow; the view reads only some columns of each, and none of the others
        # may be read one row at a time.
        for n in range(len(town.projects)):
            tag = f"{len(town.projects)}-{n}"
            project.memberships.get_or_create(user=make_user(f"Membre {tag}"))
            Follow.objects.create(project=project, user=make_user())
            make_board(town.owner, project=project, title=f"Tableau {n}")
            SupportRequest.objects.create(
                project=project,
                partner=make_partner(f"Partenaire {tag}"),
                step="test",
                message="…",
                status=SupportRequest.Status.ACCEPTED,
            )
            call = Call.objects.create(
                project=project, title=f"Appel {tag}", description="…", time_asked="1 h"
            )
            call.skills.add(Skill.objects.create(name=f"Savoir {tag}", slug=f"savoir-{tag}"))
            project.themes.add(make_theme(f"Thème {tag}"))
            need = Need.objects.create(
                territory=make_territory(), title=f"Besoin {tag}", slug=f"besoin-{tag}"
            )
            Answer.objects.create(need=need, project=project, declared_by=town.owner)
        return project.get_absolute_url()

    count, html = grows_not(client, town, page)
    assert "Tableau 5" in html and "Partenaire 6-5" in html and "Une affiche 0" in html
    for shown in ("Membre 6-5", "Appel 6-5", "Savoir 6-5", "Thème 6-5", "Besoin 6-5"):
        assert shown in html
    assert count <= 12


def test_the_project_page_for_its_team(town):
    """The team also sees its requests to partners (with who answered) and its invitations."""

    def page(town):
        project = town.projects[0]
        for n in range(len(town.projects)):
            SupportRequest.objects.create(
                project=project,
                partner=make_partner(f"Partenaire {len(town.projects)}-{n}"),
                step="test",
                message="Un coup de main ?",
                status=SupportRequest.Status.DECLINED,
                requested_by=town.owner,
                answer="Pas cette fois.",
                answered_by=make_user(f"Répondant {len(town.projects)}-{n}"),
            )
            project.invitations.create(invited=make_user(), invited_by=town.owner)
        return project.get_absolute_url()

    _, html = grows_not(signed_in(town.owner), town, page)
    assert "Répondant 6-5" in html and "Pas cette fois." in html


def test_the_board_page(town):
    """Anonymous readers and a signed-in voter; cards by many authors with many votes."""
    voter = make_user("Chloé")

    def page(town):
        board = town.projects[0].boards.get()
        board.__class__.objects.filter(pk=board.pk).update(votes_per_person=100)
        column = board.columns.first()
        for _ in range(len(town.projects)):
            card = boards.create_card(
                actor=make_user(), board_id=board.pk, column_id=column.pk, text="Une idée"
            ).result
            boards.vote_card(actor=make_user(), board_id=board.pk, card_id=card.pk)
            boards.vote_card(actor=voter, board_id=board.pk, card_id=card.pk)
        return board.get_absolute_url()

    from django.test import Client

    anonymous, _ = grows_not(Client(), town, page)
    assert anonymous <= 4
    town.projects.clear()
    grows_not(signed_in(voter), town, page)


def test_the_partner_directory(client, town):
    def page(town):
        for n in range(len(town.projects)):
            make_partner(
                f"Partenaire {len(town.projects)}-{n}",
                steps=("test", "formation"),
                themes=[make_theme(f"Thème de partenaire {n}")],
            )
        return reverse("partners:directory")

    count, html = grows_not(client, town, page)
    assert "Partenaire 6-5" in html and count <= 3


def test_the_search(client, town, django_capture_on_commit_callbacks):
    def page(town):
        with django_capture_on_commit_callbacks(execute=True):
            for project in town.projects:
                indexing.index_project(project)
            for n in range(len(town.projects)):
                indexing.index_partner(make_partner(f"Repair partenaire {len(town.projects)}-{n}"))
        return reverse("search:search")

    count, html = grows_not(client, town, page, {"q": "repair"})
    assert "Repair café 05" in html and "Repair partenaire 6-5" in html and count <= 4


# The list's pages and filters ---------------------------------------------------------------


def test_the_list_pages_follow_each_other_and_keep_the_filters(client, monkeypatch):
    monkeypatch.setattr(project_views, "PER_PAGE", 2)
    awa, theme = make_user("Awa"), make_theme("Culture")
    for n in range(5):
        make_project(awa, title=f"Projet {n}").themes.add(theme)
    url = reverse("projects:list")

    def titles(**params):
        response = client.get(url, {"theme": "culture", **params})
        return [p.title for p in response.context["page"]], response.content.decode()

    pages = [titles(page=n) for n in (1, 2, 3)]
    newest_first = [f"Projet {n}" for n in reversed(range(5))]
    assert [t for page, _ in pages for t in page] == newest_first  # no gap, no repeat
    first, middle, last = (html for _, html in pages)
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'href="?theme=culture&amp;page=3" rel="next"' in middle
    assert 'href="?theme=culture&amp;page=1" rel="prev"' in middle
    assert 'rel="next"' not in last and "Page 3 sur 3" in last
    assert titles(page=99)[0] == ["Projet 0"]  # past the end: the last page
    assert titles(page="deux")[0] == ["Projet 4", "Projet 3"]  # no number: the first
    english = client.get(url, {"page": 2}, headers={"accept-language": "en"}).content.decode()
    assert "Page 2 of 3" in english and "Previous" in english


def test_a_project_seeking_a_skill_in_several_calls_is_listed_once(client):
    awa = make_user("Awa")
    skill = Skill.objects.create(name="Graphisme", slug="graphisme", is_managed=True)
    busy, popular, closed = (make_project(awa, title=t) for t in ("Busy", "Popular", "Closed"))
    for project, calls, followers in ((busy, 3, 1), (popular, 1, 2), (closed, 0, 5)):
        for n in range(calls):
            call = Call.objects.create(
                project=project, title=f"Appel {n}", description="…", time_asked="1 h"
            )
            call.skills.add(skill)
        for _ in range(followers):
            Follow.objects.create(project=project, user=make_user())
    Call.objects.create(
        project=closed, title="Clos", description="…", time_asked="1 h", status="closed"
    ).skills.add(skill)
    url = reverse("projects:list")

    def listed(**params):
        page = client.get(url, {"skill": "graphisme", **params}).context["page"]
        return [p.title for p in page], page.paginator.count

    assert listed() == (["Popular", "Busy"], 2)
    # Followers counted once each, however many calls matched.
    assert listed(sort="followed") == (["Popular", "Busy"], 2)


def selects(html: str) -> dict[str, list[tuple[str, str, bool]]]:
    """Each <select> of some HTML: its options as (value, text, selected)."""
    from html.parser import HTMLParser

    found: dict[str, list] = {}

    class Reader(HTMLParser):
        select = option = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "select":
                self.select = found.setdefault(attrs["name"], [])
            elif tag == "option" and self.select is not None:
                self.option = [attrs.get("value"), "", "selected" in attrs]
                self.select.append(self.option)

        def handle_data(self, data):
            if self.option is not None:
                self.option[1] += data

        def handle_endtag(self, tag):
            if tag == "option":
                self.option = None
            elif tag == "select":
                self.select = None

    Reader().feed(html)
    return {name: [tuple(o) for o in options] for name, options in found.items()}


def test_the_filters_written_by_hand_say_what_django_s_widgets_said(client):
    from backend.projects.forms import ProjectFilters

    make_theme("Culture"), make_theme("Environnement")
    Need.objects.create(territory=make_territory(), title="Des lieux", slug="lieux", description="")
    Skill.objects.create(name="Graphisme", slug="graphisme", is_managed=True)
    for params in ({}, {"theme": "culture", "sort": "title", "stage": "test", "need": "lieux"}):
        html = client.get(reverse("projects:list"), params).content.decode()
        form = ProjectFilters(params or None)
        django_s = "".join(str(form[name]) for name in form.fields)
        filters = {k: v for k, v in selects(html).items() if k != "language"}  # base.html's
        assert filters == selects(django_s) and len(filters) == 6
    assert ("culture", "Culture", True) in filters["theme"]
    assert '<label for="id_theme">Thématique</label>' in html


# The benchmark's dataset --------------------------------------------------------------------


def test_the_benchmark_dataset_keeps_the_invariants_of_the_app(client):
    from django.db.models import Count

    from bench.dataset import build
    from boards import positions
    from boards.models import Board, Card, Vote
    from realtime.models import Event, Stream

    built = build(members=40, projects=8, cards=400)
    assert (built["members"], built["projects"], built["cards"]) == (40, 8, 400)
    for project in Project.objects.annotate(n=Count("memberships")):
        assert 2 <= project.n <= 8
        assert project.memberships.get(role="owner").user_id == project.owner_id
    for board in Board.objects.all():
        stream = Stream.objects.get(key=board.stream_key)
        seqs = list(Event.objects.filter(stream=stream).order_by("seq").values_list("seq", flat=1))
        assert seqs == list(range(1, stream.seq + 1))
        assert Event.objects.filter(stream=stream, name="card.created").count() == (
            board.cards.count()
        )
        for column in board.columns.all():
            places = list(column.cards.values_list("position", flat=True))
            assert all(positions.is_valid(p) for p in places) and len(set(places)) == len(places)
        per_voter = Vote.objects.filter(board=board).values("voter").annotate(n=Count("id"))
        assert all(row["n"] <= board.votes_per_person for row in per_voter)
    assert Card.objects.filter(deleted_at__isnull=True).count() == 400
    assert built["project_pages"] == 1 and len(built["slugs"]) == 8
    for url in (
        "/",
        reverse("projects:list"),
        f"/projets/{built['slugs'][0]}/",
        f"/tableaux/{built['public_boards'][0]}/",
        reverse("partners:directory"),
        f"/recherche/?q={built['search_words'][0]}",
    ):
        assert client.get(url).status_code == 200, url
    assert "France Active" in client.get("/recherche/", {"q": "france active"}).content.decode()
