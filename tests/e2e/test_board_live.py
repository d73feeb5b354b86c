"""Two people on one board, in two real browser contexts, through a real daphne process."""

import re

import pytest
from playwright.sync_api import expect

from boards import services
from boards.models import Card, Vote
from tests.factories import PASSWORD, make_board, make_project, make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIVE = 2000  # ms: what "at once" means in these tests


@pytest.fixture
def scene():
    owner = make_user("Awa")
    citizen = make_user("Bruno")
    board = make_board(owner, project=make_project(owner), title="Parlons ensemble")
    return owner, citizen, board


def open_board(page, board):
    page.goto(board.get_absolute_url())
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected")
    return page


def card(page, text):
    return page.locator("#columns .card[data-card]", has_text=text)


def column(page, board, index):
    column = board.columns.order_by("position")[index]
    return page.locator(f'section.column[data-column="{column.pk}"]')


def add_card(page, board, text, index=0):
    form = column(page, board, index).locator("form.add-card")
    form.locator("textarea").fill(text)
    form.get_by_role("button", name="Ajouter").click()


def test_one_adds_edits_and_moves_a_card_and_the_other_sees_it_live(person, scene, server):
    owner, citizen, board = scene
    awa = person()
    # Awa signs in through the real sign-in page.
    awa.goto("/connexion/")
    awa.get_by_label("Identifiant ou adresse e-mail").fill("awa")
    awa.get_by_label("Mot de passe").fill(PASSWORD)
    awa.get_by_role("button", name="Se connecter").click()
    open_board(awa, board)
    bruno = open_board(person(citizen), board)
    expect(bruno.locator("#presence")).to_contain_text("Awa", timeout=LIVE)

    add_card(awa, board, "Un repair café au marché")
    expect(card(bruno, "Un repair café au marché")).to_be_visible(timeout=LIVE)

    card(awa, "Un repair café au marché").get_by_role("button", name="Modifier").click()
    expect(card(bruno, "Un repair café au marché").locator(".card-editing")).to_have_text(
        re.compile("Awa modifie cette carte"), timeout=LIVE
    )
    awa.get_by_label("Texte de la carte").fill("Un repair café chaque samedi")
    awa.get_by_role("button", name="Enregistrer").click()
    expect(card(bruno, "Un repair café chaque samedi")).to_be_visible(timeout=LIVE)
    expect(card(bruno, "Un repair café chaque samedi").locator(".card-editing")).to_be_hidden(
        timeout=LIVE
    )

    target = board.columns.order_by("position")[1]
    card(awa, "chaque samedi").get_by_label("Déplacer vers").select_option(str(target.pk))
    expect(column(bruno, board, 1).locator(".card", has_text="chaque samedi")).to_be_visible(
        timeout=LIVE
    )
    expect(column(bruno, board, 0).locator(".card", has_text="chaque samedi")).to_have_count(0)
    saved = Card.objects.get()
    assert (saved.text, saved.column_id) == ("Un repair café chaque samedi", target.pk)


def test_drag_and_drop_moves_a_card(person, scene):
    owner, citizen, board = scene
    column_ = board.columns.order_by("position").first()
    for text in ("premier", "second"):
        services.create_card(actor=owner, board_id=board.pk, column_id=column_.pk, text=text)
    awa = open_board(person(owner), board)
    handle = card(awa, "premier").locator(".drag-handle")
    box = handle.bounding_box()
    destination = column(awa, board, 2).locator("h2").bounding_box()
    awa.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    awa.mouse.down()
    awa.mouse.move(destination["x"] + 20, destination["y"] + 40, steps=8)
    awa.mouse.up()
    expect(column(awa, board, 2).locator(".card", has_text="premier")).to_be_visible()
    assert Card.objects.get(text="premier").column == board.columns.order_by("position")[2]


def test_offline_ops_wait_in_the_outbox_and_nothing_is_doubled(person, scene):
    owner, citizen, board = scene
    awa = open_board(person(owner), board)
    bruno_page = person(citizen)
    bruno = open_board(bruno_page, board)

    bruno_page.context.set_offline(True)
    expect(bruno.locator("#connection")).to_have_attribute("data-state", "offline")
    add_card(awa, board, "Idée d'Awa 1")
    add_card(awa, board, "Idée d'Awa 2")
    add_card(bruno, board, "Idée de Bruno hors ligne")
    pending = bruno.locator(".card.pending", has_text="Idée de Bruno hors ligne")
    expect(pending).to_be_visible()
    expect(pending).to_contain_text("en attente")
    expect(card(awa, "Idée d'Awa 2")).to_be_visible()

    bruno_page.context.set_offline(False)
    expect(bruno.locator("#connection")).to_have_attribute("data-state", "connected", timeout=5000)
    texts = {"Idée d'Awa 1", "Idée d'Awa 2", "Idée de Bruno hors ligne"}
    for page in (awa, bruno):
        for text in texts:
            expect(card(page, text)).to_have_count(1, timeout=LIVE)
        expect(page.locator("#columns .card")).to_have_count(3)
        expect(page.locator(".card.pending")).to_have_count(0)
    assert set(Card.objects.values_list("text", flat=True)) == texts
    assert Card.objects.count() == 3


def test_a_refused_op_shows_its_message(person, scene):
    owner, citizen, board = scene
    bruno_page = person(citizen)
    bruno = open_board(bruno_page, board)
    bruno_page.context.set_offline(True)
    expect(bruno.locator("#connection")).to_have_attribute("data-state", "offline")
    add_card(bruno, board, "Trop tard")
    services.update_board(actor=owner, board_id=board.pk, locked=True)
    bruno_page.context.set_offline(False)
    expect(bruno.locator("#board-alerts")).to_contain_text(
        "Ce tableau est verrouillé", timeout=5000
    )
    expect(bruno.locator(".card.pending")).to_have_count(0)
    expect(bruno.locator("#locked-banner")).to_be_visible()
    assert Card.objects.count() == 0


def test_move_to_another_column_and_vote_with_the_keyboard_alone(person, scene):
    owner, citizen, board = scene
    first = board.columns.order_by("position").first()
    services.create_card(
        actor=citizen, board_id=board.pk, column_id=first.pk, text="Un banc devant l'école"
    )
    bruno = open_board(person(citizen), board)
    target = card(bruno, "Un banc devant l'école")
    for _ in range(40):  # Tab from the top of the page to the card
        bruno.keyboard.press("Tab")
        if target.evaluate("node => node === document.activeElement"):
            break
    else:
        pytest.fail("the card cannot be reached with Tab")
    bruno.keyboard.press("Alt+ArrowRight")
    second = board.columns.order_by("position")[1]
    expect(column(bruno, board, 1).locator(".card", has_text="Un banc")).to_be_visible()
    assert Card.objects.get().column == second
    expect(card(bruno, "Un banc")).to_be_focused()
    bruno.keyboard.press("Tab")  # first control of the card: its vote button
    expect(card(bruno, "Un banc").get_by_role("button", name="Voter")).to_be_focused()
    bruno.keyboard.press("Enter")
    expect(card(bruno, "Un banc").get_by_role("button", name="Retirer mon vote")).to_be_visible()
    assert Vote.objects.filter(voter=citizen).count() == 1


def test_the_board_works_on_a_phone_sized_screen(person, scene):
    owner, citizen, board = scene
    phone = open_board(person(citizen, viewport={"width": 375, "height": 740}), board)
    add_card(phone, board, "Depuis mon téléphone")
    expect(card(phone, "Depuis mon téléphone")).to_be_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    too_wide = phone.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.columns') && e.getBoundingClientRect().right > 376)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert width <= 375, f"the page must not scroll sideways, only the columns: {too_wide}"


def test_frames_sent_together_as_one_array_are_all_applied_in_order(person, scene):
    """Under load the server sends the frames that piled up as one JSON array."""
    owner, citizen, board = scene
    page = open_board(person(citizen), board)
    column_id = board.columns.order_by("position").first().pk
    applied = page.evaluate(
        """([column, stream]) => {
            const live = window.faireEnsembleBoard.live;
            const seq = live.seq;
            const event = (n, text) => ({
                type: "event", stream: stream, seq: seq + n,
                name: "card.created", actor: {id: 1, name: "Awa"}, op: null,
                at: "2026-11-22T10:00:00Z",
                data: {card: {id: 900000 + n, column: column, text: text, color: "yellow",
                              position: "z" + n, author: {id: 1, name: "Awa"}, version: 1,
                              votes: 0, created_at: "2026-11-22T10:00:00Z"}},
            });
            const batch = [event(1, "Première du lot"), event(2, "Seconde du lot")];
            live._receive(JSON.stringify(batch));
            return live.seq - seq;
        }""",
        [column_id, board.stream_key],
    )
    assert applied == 2
    expect(card(page, "Première du lot")).to_be_visible()
    expect(card(page, "Seconde du lot")).to_be_visible()
    texts = page.locator(f'section.column[data-column="{column_id}"] .card').all_inner_texts()
    first = next(i for i, t in enumerate(texts) if "Première du lot" in t)
    assert "Seconde du lot" in texts[first + 1]
