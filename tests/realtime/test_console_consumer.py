"""/ws/ateliers/<id>/console/: the facilitator's console follows every table live — seated,
present, cards, votes — with one counting query a second at most, never one per event."""

import asyncio
import contextlib
import itertools
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backend.workshops import selectors
from backend.workshops import services as workshops
from boards import services as boards
from boards.models import Phase
from realtime.hub import get_hub
from tests.factories import make_territory, make_user
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)


@db
def scene(tables=2):
    louise = make_user("Louise", moderator=True)
    workshop = workshops.create_workshop(
        actor=louise,
        territory=make_territory(),
        title="Parlons ensemble",
        starts_at=timezone.now(),
        question="Que faire de la friche ?",
        tables=tables,
    )
    workshops.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
    awa, bruno = make_user("Awa"), make_user("Bruno")
    workshops.join_as_member(workshop=workshop, user=awa, table_number=1)
    workshops.join_as_member(workshop=workshop, user=bruno, table_number=2)
    return louise, workshop, awa, bruno


@db
def write_cards(workshop, author, number: int, n: int = 1, *, vote: bool = False):
    board = workshop.tables.get(number=number).board
    column = board.columns.first()
    for i in range(n):
        card = boards.create_card(
            actor=author, board_id=board.pk, column_id=column.pk, text=f"Idée {i}"
        ).result
        if vote:
            boards.update_board(actor=workshop.facilitator, board_id=board.pk, phase=Phase.VOTE)
            boards.vote_card(actor=author, board_id=board.pk, card_id=card.pk)
            boards.update_board(actor=workshop.facilitator, board_id=board.pk, phase=Phase.IDEAS)


@db
def board_of(workshop, number: int):
    return workshop.tables.get(number=number).board


@pytest.fixture
async def sockets():
    clients: list[Client] = []

    def make(path: str, user=None):
        client = Client(path, user)
        clients.append(client)
        return client

    yield make
    for client in clients:
        with contextlib.suppress(Exception):
            await client.close()


def console_of(sockets, workshop_id: int, user=None) -> Client:
    return sockets(f"/ws/ateliers/{workshop_id}/console/", user)


def by_number(frame: dict) -> dict[int, dict]:
    return {table["number"]: table for table in frame["data"]["tables"]}


async def summary_where(client: Client, check, timeout: float = 1.5) -> dict:
    """The first console.tables frame for which `check(tables)` holds, within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no matching summary in time"
        frame = await client.receive(timeout=left)
        if frame.get("name") == "console.tables" and check(by_number(frame)):
            return frame


async def test_only_the_facilitator_may_watch(sockets):
    louise, workshop, awa, bruno = await scene()
    for user, code in ((None, 4401), (awa, 4403)):
        client = console_of(sockets, workshop.pk, user)
        connected, _ = await client.ws.connect(timeout=5)
        assert connected
        assert await client.closed_with() == code
    unknown = console_of(sockets, workshop.pk + 1000, louise)
    await unknown.ws.connect(timeout=5)
    assert await unknown.closed_with() == 4404


async def test_the_full_summary_comes_at_once_then_a_card_on_table_two_within_a_second(sockets):
    louise, workshop, awa, bruno = await scene()
    await write_cards(workshop, awa, 1, 2, vote=True)
    console = console_of(sockets, workshop.pk, louise)
    first = await console.connect()
    assert first["type"] == "signal" and first["name"] == "console.tables"
    tables = by_number(first)
    assert sorted(tables) == [1, 2]
    assert (tables[1]["seated"], tables[1]["cards"], tables[1]["votes"]) == (1, 2, 2)
    assert (tables[2]["seated"], tables[2]["cards"], tables[2]["votes"]) == (1, 0, 0)
    assert tables[1]["phase"] == Phase.IDEAS and tables[1]["locked"] is False
    assert first["data"]["totals"] == {"seated": 2, "present": 0, "cards": 2, "votes": 2}
    started = time.monotonic()
    await write_cards(workshop, bruno, 2)
    frame = await summary_where(console, lambda t: t[2]["cards"] == 1)
    assert time.monotonic() - started < 1.5
    assert by_number(frame)[1]["cards"] == 2 and frame["data"]["totals"]["cards"] == 3


async def test_people_at_a_board_show_as_present_and_the_facilitator_does_not(sockets):
    louise, workshop, awa, bruno = await scene()
    console = console_of(sockets, workshop.pk, louise)
    first = by_number(await console.connect())
    assert first[1]["present"] == 0 and first[2]["present"] == 0
    board = await board_of(workshop, 1)
    seat = sockets(f"/ws/boards/{board.pk}/", awa)
    await seat.connect()
    frame = await summary_where(console, lambda t: t[1]["present"] == 1)
    assert by_number(frame)[2]["present"] == 0  # the console itself is nobody's presence
    assert frame["data"]["totals"]["present"] == 1
    # Awa sees herself at the table, not the facilitator watching from the console.
    _, here = await seat.receive_until("signal", name="presence")
    assert [person["name"] for person in here["data"]["people"]] == ["Awa"]
    assert here["data"]["anonymous"] == 0
    await seat.close()
    await summary_where(console, lambda t: t[1]["present"] == 0)


async def test_twenty_card_events_cost_a_few_summaries_not_twenty_queries(sockets, monkeypatch):
    louise, workshop, awa, bruno = await scene()
    calls = []
    counted = selectors.table_counts

    def counting(workshop_id):
        calls.append(time.monotonic())
        return counted(workshop_id)

    monkeypatch.setattr(selectors, "table_counts", counting)
    console = console_of(sockets, workshop.pk, louise)
    await console.connect()
    assert len(calls) == 1
    await asyncio.gather(write_cards(workshop, awa, 1, 10), write_cards(workshop, bruno, 2, 10))
    await summary_where(console, lambda t: t[1]["cards"] == 10 and t[2]["cards"] == 10, 3)
    assert await console.nothing(timeout=1.2)
    assert 2 <= len(calls) <= 4, calls
    # …and never two within the second (the first change waits a little for its company).
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(calls[1:]))


async def test_the_console_leaves_the_hub_when_it_goes(sockets):
    louise, workshop, awa, bruno = await scene()
    console = console_of(sockets, workshop.pk, louise)
    await console.connect()
    keys = {f"board:{(await board_of(workshop, n)).pk}" for n in (1, 2)}
    assert keys <= set(get_hub().streams)
    await console.close()
    await asyncio.sleep(0.05)
    assert not keys & set(get_hub().streams)


def test_the_counts_of_every_table_are_one_query():
    louise = make_user("Louise", moderator=True)
    for tables in (1, 6):
        workshop = workshops.create_workshop(
            actor=louise,
            territory=make_territory(),
            title="Parlons ensemble",
            starts_at=timezone.now(),
            question="Que faire de la friche ?",
            tables=tables,
        )
        workshops.set_phase(actor=louise, workshop_id=workshop.pk, phase=Phase.IDEAS)
        board = workshop.tables.get(number=1).board
        card = boards.create_card(
            actor=louise, board_id=board.pk, column_id=board.columns.first().pk, text="Une idée"
        ).result
        boards.create_card(
            actor=louise, board_id=board.pk, column_id=board.columns.first().pk, text="Effacée"
        )
        boards.delete_card(actor=louise, board_id=board.pk, card_id=card.pk + 1)
        with CaptureQueriesContext(connection) as queries:
            counts = selectors.table_counts(workshop.pk)
        assert len(queries) == 1
        assert len(counts) == tables and counts[1]["cards"] == 1


async def test_a_hole_in_a_table_stream_is_followed_afresh(sockets):
    louise, workshop, awa, bruno = await scene()
    console = console_of(sockets, workshop.pk, louise)
    await console.connect()
    key = f"board:{(await board_of(workshop, 2)).pk}"
    (sub,) = get_hub().streams[key].subs.values()
    sub.offer_event(sub.seq + 5, "{}")  # a lost publish: the subscription resyncs
    await asyncio.sleep(0.05)
    (again,) = get_hub().streams[key].subs.values()
    assert again is not sub and not again.closed
    await write_cards(workshop, bruno, 2)
    await summary_where(console, lambda t: t[2]["cards"] == 1)
