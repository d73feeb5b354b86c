"""The moderators' dashboard: who sees it, and its numbers against a known dataset.

The dataset has rows of Sceaux inside the windows, at their edges and outside them, and rows
of Antony that must never show. The clock stands on Wednesday 25 November 2026 at noon: the
twelve weeks run from Monday 7 September to Monday 23 November, the emerging themes compare
26 October to 25 November with 26 September to 26 October.
"""

import csv
import io
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.calls.models import Call
from backend.moderation.dashboard import charts, selectors, views
from backend.needs.models import Need
from backend.partners.models import SupportRequest
from backend.projects.models import Project, Stage
from backend.workshops import services as workshops
from boards.models import Card
from chat import services as chat_services
from chat.models import Message, RoomKind
from tests.factories import (
    make_board,
    make_partner,
    make_project,
    make_territory,
    make_theme,
    make_user,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WEEKS = [
    "2026-09-07",
    "2026-09-14",
    "2026-09-21",
    "2026-09-28",
    "2026-10-05",
    "2026-10-12",
    "2026-10-19",
    "2026-10-26",
    "2026-11-02",
    "2026-11-09",
    "2026-11-16",
    "2026-11-23",
]


def on(moment: str) -> datetime:
    """'2026-11-24' (at noon) or '2026-11-23T00:00', in UTC (the site's time zone)."""
    if "T" not in moment:
        moment += "T12:00"
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def dated(row, moment: str, field: str = "created_at"):
    type(row).objects.filter(pk=row.pk).update(**{field: on(moment)})
    return row


def person(name, joined, *, territory=None, **fields):
    user = make_user(name)
    type(user).objects.filter(pk=user.pk).update(
        date_joined=on(joined), territory=territory or make_territory(), **fields
    )
    user.refresh_from_db()
    return user


def project(owner, title, stage, themes, created, *, territory=None):
    made = make_project(owner, title=title)
    Project.objects.filter(pk=made.pk).update(stage=stage, territory=territory or make_territory())
    made.themes.set(themes)
    return dated(made, created)


def card(board, created, **fields):
    column = board.columns.order_by("position").first()
    made = Card.objects.create(
        board=board, column=column, text=f"Idée du {created}", position="m", **fields
    )
    return dated(made, created)


def message(room, author, created, **fields):
    made = Message.objects.create(
        room=room, author=author, text="Bonjour", seq=Message.objects.count() + 1, **fields
    )
    return dated(made, created)


def call(on_project, status, created):
    made = Call.objects.create(
        project=on_project,
        title="Un coup de main",
        description="…",
        time_asked="2 h",
        status=status,
    )
    return dated(made, created)


def need(territory, themes, created, slug):
    made = Need.objects.create(territory=territory, title=slug, slug=slug, description="…")
    made.themes.set(themes)
    return dated(made, created)


def workshop(facilitator, territory, title, starts, themes=()):
    made = workshops.create_workshop(
        actor=facilitator,
        territory=territory,
        title=title,
        starts_at=on(starts),
        question="Qu'allons-nous faire ensemble ?",
        tables=1,
        themes=themes,
    )
    return dated(made, starts)


def make_dataset():
    sceaux, antony = make_territory("Sceaux"), make_territory("Antony")
    solidarity, environment = make_theme("Solidarité"), make_theme("Environnement")
    culture = make_theme("<em>Culture</em>")  # theme names are user data: escaped

    # Members: two before the weeks, one on the first Monday at midnight, one a week.
    moderator = person("Modé", "2026-01-01", is_staff=True)
    awa = person("Awa", "2026-01-10")
    person("Ève", "2026-09-07T00:00")
    chloe = person("Chloé", "2026-11-17")
    person("Dan", "2026-11-24")
    person("Ivan", "2026-11-18", is_active=False)  # closed account: not counted
    elsewhere = person("Autre", "2026-11-18", territory=antony, is_staff=True)
    bob = person("Bob", "2026-11-24", territory=antony)

    # Projects: by stage, by theme, inside and outside the 60 days.
    repair = project(awa, "Repair Café", Stage.IDEA, [solidarity], "2026-11-20")
    garden = project(awa, "Jardin", Stage.TEST, [environment, solidarity], "2026-10-10")
    project(awa, "Sans thème", Stage.FUNDING, [], "2026-06-01")
    project(awa, "Fête", Stage.IDEA, [culture], "2026-11-21")
    antony_project = project(
        bob, "Ailleurs", Stage.IDEA, [environment], "2026-11-20", territory=antony
    )

    # Cards: on a project's board, on a board without project, on workshop tables.
    board = make_board(awa, project=repair)
    card(board, "2026-11-24")
    card(board, "2026-11-23T00:00")  # the current week's first second
    card(board, "2026-11-16")
    card(board, "2026-11-24", deleted_at=NOW)  # deleted: not an idea any more
    card(board, "2026-11-24", hidden_at=NOW)  # hidden by a moderator: still written
    card(board, "2026-09-06T23:59")  # the day before the first week
    card(make_board(chloe, with_project=False), "2026-11-10")
    meeting = workshop(moderator, sceaux, "Parlons ensemble", "2026-11-14", [environment])
    table_board = meeting.tables.get().board
    card(table_board, "2026-11-02")
    card(table_board, "2026-10-01")
    workshops.join_as_member(workshop=meeting, user=awa)
    workshops.join_as_member(workshop=meeting, user=chloe)
    workshops.join_as_guest(workshop=meeting, pseudonym="Zoé")
    bikes = workshop(moderator, sceaux, "Atelier <b>vélo</b>", "2026-10-03")
    workshops.join_as_member(workshop=bikes, user=awa)
    # Antony's: a project's board, a board made by one of theirs, a workshop of theirs that
    # a Sceaux moderator facilitates (the table's workshop decides, not the board's maker).
    card(make_board(bob, project=antony_project), "2026-11-24")
    card(make_board(bob, with_project=False), "2026-11-24")
    far = workshop(moderator, antony, "Loin", "2026-11-20", [solidarity])
    card(far.tables.get().board, "2026-11-24")
    workshops.join_as_member(workshop=far, user=bob)
    workshops.join_as_member(workshop=far, user=elsewhere)

    # Messages: an open room and a team room (counted, never read), a deleted one, Antony's.
    room = chat_services.get_or_create_room(project=repair, kind=RoomKind.OPEN)
    message(room, chloe, "2026-11-24")
    message(room, chloe, "2026-11-17")
    message(room, chloe, "2026-11-24", deleted_at=NOW)
    message(room, chloe, "2026-09-01")
    team = chat_services.get_or_create_room(project=garden, kind=RoomKind.TEAM)
    message(team, awa, "2026-11-24")
    far_room = chat_services.get_or_create_room(project=antony_project, kind=RoomKind.OPEN)
    message(far_room, bob, "2026-11-24")

    # Calls for skills, through their project's territory.
    call(repair, Call.Status.OPEN, "2026-11-20")
    call(repair, Call.Status.FILLED, "2026-10-10")
    call(garden, Call.Status.CLOSED, "2026-06-01")
    call(antony_project, Call.Status.FILLED, "2026-11-20")

    # Support requests, through the asking project's territory (whatever the partner's).
    partner = make_partner("France Active", steps=("financement", "formation"))
    for asking, status, step in [
        (repair, "pending", "financement"),
        (repair, "accepted", "formation"),
        (garden, "accepted", "financement"),
        (garden, "declined", "formation"),
        (antony_project, "accepted", "financement"),
    ]:
        SupportRequest.objects.create(
            project=asking, partner=partner, step=step, message="Bonjour", status=status
        )

    # Needs of the town, by their territory.
    need(sceaux, [solidarity], "2026-11-01", "besoin-1")
    need(sceaux, [environment], "2026-10-05", "besoin-2")
    need(antony, [solidarity], "2026-11-01", "besoin-3")
    return {
        "moderator": moderator,
        "awa": awa,
        "elsewhere": elsewhere,
        "board": board,
        "room": room,
        "repair": repair,
        "sceaux": sceaux,
    }


def grow(s, n):
    """n more of everything in Sceaux, each in the windows: the dashboard's queries stay."""
    for i in range(n):
        theme = make_theme(f"Thème {i}")
        more = project(s["awa"], f"Encore {i}", Stage.LAUNCH, [theme], "2026-11-20")
        card(s["board"], "2026-11-19")
        card(make_board(s["awa"], project=more), "2026-10-20")
        message(s["room"], s["awa"], "2026-11-19")
        call(more, Call.Status.FILLED, "2026-11-19")
        person(f"Nouveau{i}", "2026-10-14")
        extra = workshop(s["moderator"], s["sceaux"], f"Atelier {i}", "2026-11-01", [theme])
        workshops.join_as_guest(workshop=extra, pseudonym=f"Invité {i}")


@pytest.fixture
def s():
    return make_dataset()


@pytest.fixture
def clock(monkeypatch):
    """The dashboard's clock on NOW (only the dashboard's: rows are dated explicitly)."""
    monkeypatch.setattr(views, "timezone", SimpleNamespace(now=lambda: NOW))


def get_csv(client, figure):
    response = client.get(reverse("moderation:dashboard_csv", args=["sceaux", figure]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="sceaux-{figure}.csv"'
    return list(csv.reader(io.StringIO(response.content.decode())))


def section(html, key):
    start = html.index(f'<section class="dashboard-figure" id="{key}"')
    return html[start : html.index("</section>", start)]


def bar_titles(html, key):
    return re.findall(r"<rect [^>]*><title>([^<]*)</title></rect>", section(html, key))


def weekly(values):
    return [[week, *map(str, row)] for week, row in zip(WEEKS, values, strict=True)]


# Rights


def pages(s):
    return {
        "own": reverse("moderation:dashboard"),
        "sceaux": reverse("moderation:territory_dashboard", args=["sceaux"]),
        "csv": reverse("moderation:dashboard_csv", args=["sceaux", "membres"]),
    }


@pytest.mark.parametrize("page", ["own", "sceaux", "csv"])
@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("awa", 403), ("elsewhere", 403), ("moderator", 200)],
)
def test_rights(client, s, clock, page, who, status):
    if who:
        client.force_login(s[who])
    response = client.get(pages(s)[page])
    if who == "elsewhere" and page == "own":
        # Their own territory's dashboard: nothing of Sceaux in it.
        assert response.status_code == 200
        html = response.content.decode()
        assert "Antony" in html and "Repair" not in html and "Parlons ensemble" not in html
        assert bar_titles(html, "projets-par-etape")[0] == "Idée : 1"
        return
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_a_territory_unknown_or_not_theirs_is_refused_alike(client, s, clock):
    client.force_login(s["moderator"])
    for slug in ("antony", "nulle-part"):
        assert client.get(reverse("moderation:territory_dashboard", args=[slug])).status_code == 403
        url = reverse("moderation:dashboard_csv", args=[slug, "membres"])
        assert client.get(url).status_code == 403
    assert (
        client.get(reverse("moderation:dashboard_csv", args=["sceaux", "nope"])).status_code == 404
    )


def test_the_queue_and_the_journal_lead_to_the_dashboard(client, s):
    client.force_login(s["moderator"])
    for page in ("moderation:queue", "moderation:journal"):
        html = client.get(reverse(page)).content.decode()
        assert f'href="{reverse("moderation:dashboard")}"' in html


# The numbers


def test_weekly_series_match_the_dataset(client, s, clock):
    client.force_login(s["moderator"])
    members = [(1, 3)] + [(0, 3)] * 9 + [(1, 4), (1, 5)]
    assert get_csv(client, "membres") == [
        ["Semaine du", "Nouveaux membres", "Membres"],
        *weekly(members),
    ]
    ideas = [(0,), (0,), (0,), (1,), (0,), (0,), (0,), (0,), (1,), (1,), (1,), (3,)]
    assert get_csv(client, "idees") == [["Semaine du", "Cartes"], *weekly(ideas)]
    messages = [(0,)] * 10 + [(1,), (2,)]
    assert get_csv(client, "messages") == [["Semaine du", "Messages"], *weekly(messages)]

    html = client.get(reverse("moderation:dashboard")).content.decode()
    labels = [f"{int(w[8:])}/{w[5:7]}" for w in WEEKS]
    assert bar_titles(html, "idees") == [
        f"{label} : {n}" for label, (n,) in zip(labels, ideas, strict=True)
    ]
    assert bar_titles(html, "membres")[-3:] == ["9/11 : 3", "16/11 : 4", "23/11 : 5"]
    assert labels[0] == "7/09"


def test_categories_match_the_dataset(client, s, clock):
    client.force_login(s["moderator"])
    assert get_csv(client, "projets-par-etape") == [
        ["Étape", "Projets"],
        ["Idée", "2"],
        ["Émergence", "0"],
        ["Test", "1"],
        ["Financement", "1"],
        ["Lancement", "0"],
        ["Développement", "0"],
    ]
    assert get_csv(client, "projets-par-thematique") == [
        ["Thématique", "Projets"],
        ["Solidarité", "2"],
        ["<em>Culture</em>", "1"],
        ["Environnement", "1"],
        ["Sans thématique", "1"],
    ]
    assert get_csv(client, "appels") == [
        ["Appels", "Nombre"],
        ["Publiés", "3"],
        ["Pourvus", "1"],
        ["Encore ouverts", "1"],
        ["Clos sans être pourvus", "1"],
    ]
    assert get_csv(client, "demandes-accompagnement") == [
        ["Issue", "Demandes"],
        ["En attente", "1"],
        ["Acceptée", "2"],
        ["Déclinée", "1"],
    ]
    assert get_csv(client, "ateliers") == [
        ["Atelier", "Date", "Participants", "Dont invités sans compte"],
        ["Parlons ensemble", "2026-11-14", "3", "1"],
        ["Atelier <b>vélo</b>", "2026-10-03", "1", "0"],
    ]

    html = client.get(reverse("moderation:dashboard")).content.decode()
    assert bar_titles(html, "projets-par-thematique") == [
        "Solidarité : 2",
        "&lt;em&gt;Culture&lt;/em&gt; : 1",
        "Environnement : 1",
        "Sans thématique : 1",
    ]
    assert bar_titles(html, "ateliers") == [
        "Parlons ensemble : 3",
        "Atelier &lt;b&gt;vélo&lt;/b&gt; : 1",
    ]
    assert len(bar_titles(html, "projets-par-etape")) == len(Stage.choices)
    assert "<em>Culture</em>" not in html and "<b>vélo</b>" not in html


def test_emerging_themes_rank_growth_over_the_last_30_days(client, s, clock):
    """Solidarité: a project, a need, a call and 4 cards lately (the deleted card aside), a
    project and a call before; Culture: one project lately, nothing before; Environnement:
    a workshop card lately, a project, a need and a workshop card before. Antony's activity
    (a project, a need, a workshop card) counts nowhere."""
    client.force_login(s["moderator"])
    assert get_csv(client, "thematiques-emergentes") == [
        [
            "Thématique",
            "Les 30 jours d'avant",
            "Les 30 derniers jours",
            "Écart",
            "Évolution (%)",
        ],
        ["Solidarité", "2", "7", "5", "250"],
        ["<em>Culture</em>", "0", "1", "1", ""],
        ["Environnement", "3", "1", "-2", "-67"],
    ]
    html = section(
        client.get(reverse("moderation:dashboard")).content.decode(), "thematiques-emergentes"
    )
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", html)
    assert [name for name, _cells in rows] == [
        "Solidarité",
        "&lt;em&gt;Culture&lt;/em&gt;",
        "Environnement",
    ]
    assert "nouvelle" in rows[1][1]
    assert "Exporter en CSV" in html
    assert f'href="{reverse("meetings:create")}"' in html  # the meetings these themes call for


def test_the_page_is_accessible_and_has_no_inline_script_or_style(client, s, clock):
    client.force_login(s["moderator"])
    response = client.get(reverse("moderation:dashboard"))
    html = response.content.decode()
    page = html[html.index('<div class="dashboard">') : html.index("</main>")]
    svgs = re.findall(r"<svg [^>]*>", page)
    assert len(svgs) == len(selectors.DATASETS) - 1  # every figure but the emerging themes
    for svg in svgs:
        assert 'role="img"' in svg
        title, desc = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
        assert f'<title id="{title}">' in page and f'<desc id="{desc}">' in page
    assert page.count("<caption") == len(selectors.DATASETS)
    assert page.count("<details>") == len(selectors.DATASETS) - 1
    assert page.count("Exporter en CSV") == len(selectors.DATASETS)
    assert '<th scope="col">' in page and '<th scope="row">' in page
    assert "style=" not in page and "<script" not in page
    assert 'href="/static/css/dashboard.css"' in html


def test_the_dashboard_draws_in_constant_queries(client, s, clock):
    client.force_login(s["moderator"])
    url = reverse("moderation:dashboard")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(s, 4)
    with CaptureQueriesContext(connection) as large:
        html = client.get(url).content.decode()
    assert len(large) == len(small)
    assert "Thème 3 : 1" in html  # the bigger dataset is the one drawn


# The pieces


def test_dataset_keys_are_their_csv_names(s):
    for key, figure in selectors.DATASETS.items():
        assert figure(s["sceaux"].pk, now=NOW).key == key


def test_an_empty_territory_draws_flat_bars():
    empty = make_territory("Vide")
    for figure in selectors.dashboard(empty.pk, now=NOW):
        if figure.plotted is None:
            assert figure.rows == ()
            continue
        chart = charts.bar_chart(figure)
        assert all(bar.value == 0 and 0 in (bar.width, bar.height) for bar in chart.bars)


def test_csv_cells_a_spreadsheet_would_run_are_written_as_text():
    dataset = selectors.Dataset(
        key="x", title="x", columns=("Nom", "N"), rows=(("=SUM(A1)", 1), ("-2+3", -2))
    )
    assert charts.as_csv(dataset).splitlines() == ["Nom,N", "'=SUM(A1),1", "'-2+3,-2"]
