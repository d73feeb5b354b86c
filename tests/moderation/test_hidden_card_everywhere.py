"""A card a moderator hid is gone from everything that carries cards: the events that list
several cards (groups, the reveal), replayed or new, the workshop's results, exports and
projector."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from backend.workshops import results
from backend.workshops import services as workshops
from backend.workshops.models import Participant
from boards import services
from boards.models import Board, Phase
from boards.selectors import board_snapshot
from realtime import publish, streams
from realtime.errors import NotFound
from tests.backend.test_workshops import join_page, workshop_of
from tests.boards.reducer import apply_event
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db


def fresh(board) -> Board:
    return Board.objects.select_related("project").get(pk=board.pk)


@pytest.fixture
def scene():
    owner, citizen, other = make_user("Awa"), make_user("Chloé"), make_user("Denis")
    board = make_board(owner, project=make_project(owner))
    return {
        "owner": owner,
        "citizen": citizen,
        "other": other,
        "moderator": make_user("Modé", moderator=True),
        "board": board,
        "column": board.columns.order_by("position").first(),
    }


def add(scene, who: str, text: str):
    return services.create_card(
        actor=scene[who], board_id=scene["board"].pk, column_id=scene["column"].pk, text=text
    ).result


def replay(board, since: int, reader: streams.Reader) -> list[str]:
    return [text for _, text in streams.replay_events(board.stream_key, since=since, limit=500,
                                                      reader=reader)]  # fmt: skip


def card_list_events(scene, secret, mine) -> None:
    """The reveal, a group made, renamed and undone, then another group: each lists the cards."""
    board, owner = scene["board"], scene["owner"]
    services.update_board(actor=owner, board_id=board.pk, cards_hidden=False)  # cards.revealed
    group = services.create_group(
        actor=owner, board_id=board.pk, title="Se rencontrer", card_ids=[secret.pk, mine.pk]
    ).result
    services.update_group(actor=owner, board_id=board.pk, group_id=group.pk, title="Ensemble")
    services.delete_group(actor=owner, board_id=board.pk, group_id=group.pk)
    services.create_group(
        actor=owner, board_id=board.pk, title="Encore", card_ids=[secret.pk, mine.pk]
    )


@pytest.mark.parametrize("restore", [False, True])
@pytest.mark.parametrize("team", [False, True])
def test_a_replay_after_hiding_carries_the_card_in_no_group_or_reveal_event(scene, restore, team):
    board, moderator = scene["board"], scene["moderator"]
    since = streams.head(board.stream_key)[0]
    reader_user = scene["owner"] if team else scene["citizen"]
    before = board_snapshot(fresh(board), reader_user)
    services.update_board(
        actor=scene["owner"], board_id=board.pk, phase=Phase.IDEAS, cards_hidden=True
    )
    secret, mine = add(scene, "other", "Secret"), add(scene, "citizen", "Le mien")
    card_list_events(scene, secret, mine)
    services.hide_card(actor=moderator, board_id=board.pk, card_id=secret.pk)
    if restore:
        services.unhide_card(actor=moderator, board_id=board.pk, card_id=secret.pk)
    frames = replay(board, since, streams.Reader(person=reader_user.pk, sees_all=team))
    names = [json.loads(frame)["name"] for frame in frames]
    assert {"cards.revealed", "group.created", "group.deleted"} <= set(names)
    carrying = [name for name, frame in zip(names, frames, strict=True) if "Secret" in frame]
    # No reader gets it from a replay, the board's team included (it sees the cards of hidden
    # mode, not hidden content), in the card's own events or those listing cards. Restoring
    # brings it back, and its own events open again as they were (the team's, in hidden mode).
    assert carrying == ["card.created"] * (team and restore) + ["card.unhidden"] * restore
    state = before
    for frame in frames:
        state = apply_event(state, json.loads(frame), {"id": reader_user.pk, "sees_all": team})
    assert state == board_snapshot(fresh(board), reader_user)
    assert ("Secret" in {card["text"] for card in state["cards"]}) == restore


@pytest.fixture
def published(monkeypatch):
    """The board events each op publishes once committed, as the frames a participant gets."""
    found: list[str] = []

    def capture(key, seq, delivery):
        if key.startswith("board:"):
            found.append(delivery.for_reader(streams.Reader(person=None)))

    monkeypatch.setattr(publish, "publish_event_on_commit", capture)
    return found


def test_the_events_after_hiding_never_carry_the_card_and_the_reveal_does_not_bring_it_back(
    scene, published
):
    board, owner = scene["board"], scene["owner"]
    services.update_board(actor=owner, board_id=board.pk, phase=Phase.IDEAS, cards_hidden=True)
    secret, mine = add(scene, "other", "Secret"), add(scene, "citizen", "Le mien")
    services.hide_card(actor=scene["moderator"], board_id=board.pk, card_id=secret.pk)
    published.clear()
    services.update_board(actor=owner, board_id=board.pk, cards_hidden=False)
    (revealed,) = [json.loads(frame) for frame in published]
    assert revealed["name"] == "cards.revealed"
    assert [card["text"] for card in revealed["data"]["cards"]] == ["Le mien"]
    group = services.create_group(
        actor=owner, board_id=board.pk, title="Ensemble", card_ids=[mine.pk]
    ).result
    services.delete_group(actor=owner, board_id=board.pk, group_id=group.pk)
    assert all("Secret" not in frame for frame in published)
    for who in ("citizen", "owner"):
        snapshot = board_snapshot(fresh(board), scene[who])
        assert [card["text"] for card in snapshot["cards"]] == ["Le mien"]


def test_results_exports_and_the_projector_skip_a_hidden_card():
    louise = make_user("Louise", moderator=True)
    workshop = workshop_of(louise, tables=1)
    workshops.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    join_page(Client(enforce_csrf_checks=True), workshop, {"pseudonym": "Zoé"})
    seat = Participant.objects.get(user__display_name="Zoé")
    board_id, column = seat.table.board_id, seat.table.board.columns.first()

    def card(text):
        return services.create_card(
            actor=seat.user, board_id=board_id, column_id=column.pk, text=text
        ).result

    kept, grouped, alone = card("Des bancs"), card("Texte masqué A"), card("Texte masqué B")
    workshops.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.GROUPING)
    services.create_group(
        actor=louise, board_id=board_id, title="Groupe", card_ids=[kept.pk, grouped.pk]
    )
    for hidden in (grouped, alone):
        services.hide_card(actor=louise, board_id=board_id, card_id=hidden.pk)
    workshops.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.RESULTS)
    ranked = results.proposals(workshop)
    assert [(p.text, p.cards) for p in ranked] == [("Groupe", ["Des bancs"])]
    assert results.counts(workshop)["proposals"] == 1
    pages = [
        Client().get(reverse("workshops:results", args=[workshop.pk])),
        Client().get(reverse("workshops:export", args=[workshop.pk, "csv"])),
        Client().get(reverse("workshops:export", args=[workshop.pk, "md"])),
        Client().get(reverse("workshops:screen", args=[workshop.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        text = page.content.decode()
        assert "Texte masqué" not in text
    assert "Des bancs" in pages[0].content.decode()
    with pytest.raises(NotFound):  # a hidden card is no proposal to follow up
        workshops.proposal_to_project(actor=louise, workshop_id=workshop.pk, card_id=alone.pk)
