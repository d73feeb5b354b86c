"""Board pages and their no-JavaScript path, which goes through the same services."""

import pytest
from django.urls import reverse

from boards import services
from boards.models import Card, Vote
from realtime.models import Event
from tests.factories import make_board, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return make_board(make_user("Awa"), title="Parlons ensemble")


def test_the_board_page_shows_columns_and_cards_with_text_escaped(client, board):
    column = board.columns.first()
    services.create_card(
        actor=board.created_by,
        board_id=board.pk,
        column_id=column.pk,
        text='<script>alert("x")</script> & un banc',
    )
    response = client.get(board.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Parlons ensemble" in html
    assert "Idées" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; un banc" in html


def test_a_private_board_is_not_found_for_others(client, board):
    private = make_board(make_user(), is_public=False)
    assert client.get(private.get_absolute_url()).status_code == 404
    outsider = signed_in(make_user())
    assert outsider.get(private.get_absolute_url()).status_code == 404
    owner = signed_in(private.created_by)
    assert owner.get(private.get_absolute_url()).status_code == 200


def test_pages_carry_a_content_security_policy(client, board):
    response = client.get(board.get_absolute_url())
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_adding_a_card_without_javascript(board):
    citizen = make_user("Chloé")
    client = signed_in(citizen)
    column = board.columns.first()
    url = reverse("boards:create_card", args=[board.pk])
    response = post(client, url, {"column": column.pk, "text": "Une boîte à livres"})
    assert response.status_code == 302
    card = Card.objects.get()
    assert (card.text, card.author, card.column) == ("Une boîte à livres", citizen, column)
    assert Event.objects.filter(name="card.created", stream__key=board.stream_key).count() == 1


def test_an_over_long_card_is_refused_with_a_message_and_nothing_written(board):
    client = signed_in(make_user())
    url = reverse("boards:create_card", args=[board.pk])
    response = post(
        client,
        url,
        {"column": board.columns.first().pk, "text": "x" * 501},
    )
    assert response.status_code == 302
    assert Card.objects.count() == 0
    page = client.get(board.get_absolute_url()).content.decode()
    assert "500" in page  # the message says the limit


def test_csrf_is_enforced(board):
    client = signed_in(make_user())
    response = client.post(
        reverse("boards:create_card", args=[board.pk]),
        {"column": board.columns.first().pk, "text": "x"},
    )
    assert response.status_code == 403
    assert Card.objects.count() == 0


def test_anonymous_posts_go_to_the_sign_in_page(client, board):
    response = client.post(
        reverse("boards:create_card", args=[board.pk]),
        {"column": board.columns.first().pk, "text": "x"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))
    assert Card.objects.count() == 0


def test_vote_unvote_and_delete_without_javascript(board):
    author = make_user("Bruno")
    card = services.create_card(
        actor=author, board_id=board.pk, column_id=board.columns.first().pk, text="Un potager"
    ).result
    voter = signed_in(make_user("Dounia"))
    vote_url = reverse("boards:vote_card", args=[board.pk, card.pk])
    post(voter, vote_url, {})
    assert Vote.objects.filter(card=card).count() == 1
    post(voter, vote_url, {"undo": "1"})
    assert Vote.objects.filter(card=card).count() == 0
    # Someone else's card: refused with the service's message, nothing deleted.
    post(voter, reverse("boards:delete_card", args=[board.pk, card.pk]), {})
    card.refresh_from_db()
    assert card.deleted_at is None
    page = voter.get(board.get_absolute_url()).content.decode()
    assert "Seuls l&#x27;auteur de la carte" in page
    post(signed_in(author), reverse("boards:delete_card", args=[board.pk, card.pk]), {})
    card.refresh_from_db()
    assert card.deleted_at is not None


def test_the_team_creates_a_board_for_its_project(board):
    owner = board.created_by
    project = board.project
    client = signed_in(owner)
    response = post(
        client,
        reverse("boards:create", args=[project.slug]),
        {"title": "Atelier du samedi", "votes_per_person": "3", "is_public": "on"},
    )
    created = project.boards.get(title="Atelier du samedi")
    assert response.headers["Location"] == created.get_absolute_url()
    assert created.votes_per_person == 3
    outsider = signed_in(make_user())
    post(
        outsider,
        reverse("boards:create", args=[project.slug]),
        {"title": "Intrus", "votes_per_person": "3"},
    )
    assert not project.boards.filter(title="Intrus").exists()


def test_board_list_shows_only_readable_boards(client, board):
    make_board(make_user(), title="Tableau privé", is_public=False)
    html = client.get(reverse("boards:list")).content.decode()
    assert "Parlons ensemble" in html
    assert "Tableau privé" not in html


def _queries_for_board_page(client, board) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(board.get_absolute_url()).status_code == 200
    return len(queries)


def test_the_board_page_does_not_query_per_card(board):
    author = make_user("Bruno")
    client = signed_in(author)
    column = board.columns.first()

    def add(n):
        for i in range(n):
            card = services.create_card(
                actor=author, board_id=board.pk, column_id=column.pk, text=f"idée {i}"
            ).result
            services.vote_card(actor=make_user(), board_id=board.pk, card_id=card.pk)

    add(2)
    few = _queries_for_board_page(client, board)
    add(20)
    many = _queries_for_board_page(client, board)
    assert many == few
