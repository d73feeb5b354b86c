"""Resume tickets: a socket back after a restart picks up its connection's rights, unless
anything about it or its reader changed (realtime/tickets.py)."""

import asyncio
from urllib.parse import urlencode

import pytest
from django.contrib.sessions.models import Session

from backend.projects.models import Membership
from boards import services
from boards.consumers import BoardConsumer
from boards.models import Phase
from realtime import tickets
from tests.factories import make_board, make_project, make_user, session_key_for
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)


def browser_socket(board, session_key: str | None = None, **query) -> Client:
    """A socket signed in by its session cookie, as a browser's."""
    search = f"?{urlencode(query)}" if query else ""
    return Client(f"/ws/boards/{board.pk}/{search}", session_key=session_key)


async def until(socket: Client, kind: str, timeout: float = 3) -> dict:
    return (await socket.receive_until(kind, timeout=timeout))[1]


@pytest.fixture
def authorized(monkeypatch):
    """The boards' sockets authorized in full (`BoardConsumer.authorize` called)."""
    calls = []
    original = BoardConsumer.authorize
    monkeypatch.setattr(
        BoardConsumer, "authorize", lambda self: calls.append(self) or original(self)
    )
    return calls


@db
def member_board(*, is_public=True):
    owner, reader = make_user("Awa"), make_user("Bruno")
    project = make_project(owner, members=[reader])
    board = make_board(owner, project=project, is_public=is_public)
    return owner, reader, board, session_key_for(reader)


def resume(hello: dict, ticket: str | None = None) -> dict:
    query = {"since": hello["seq"], "epoch": hello["epoch"]}
    if ticket or hello.get("ticket"):
        query["ticket"] = ticket or hello["ticket"]
    return query


async def test_a_socket_resuming_on_its_ticket_is_not_authorized_again(authorized):
    owner, reader, board, key = await member_board()
    first = browser_socket(board, key)
    hello = await first.connect()
    assert hello["me"]["id"] == reader.pk and hello["ticket"]
    await first.ws.disconnect()
    column = await db(lambda: board.columns.order_by("position").first())()
    await db(services.create_card)(actor=owner, board_id=board.pk, column_id=column.pk, text="A")
    authorized.clear()

    back = browser_socket(board, key, **resume(hello))
    resumed = await back.connect()
    assert authorized == []  # the ticket stood for the board, the reader and their rights
    assert resumed["replay"] is True and "me" not in resumed  # the client keeps its own
    assert resumed["ticket"] == hello["ticket"]  # not renewed without a full check
    replayed = await until(back, "event")
    assert replayed["name"] == "card.created" and replayed["data"]["card"]["text"] == "A"

    # The member behind it acts as themselves: the op reads them afresh.
    await back.ws.send_json_to(
        {"op": "card.create", "id": "b-1", "data": {"column": column.pk, "text": "B"}}
    )
    created = await until(back, "event")
    assert created["actor"] == {"id": reader.pk, "name": reader.public_name}
    assert (await until(back, "ack"))["id"] == "b-1"
    await back.ws.disconnect()


async def test_an_anonymous_reader_resumes_on_its_ticket(authorized):
    _, _, board, _ = await member_board()
    first = browser_socket(board)
    hello = await first.connect()
    assert hello["me"]["id"] is None and hello["ticket"]
    await first.ws.disconnect()
    authorized.clear()
    back = browser_socket(board, **resume(hello))
    assert (await back.connect())["replay"] is True
    assert authorized == []
    await back.ws.disconnect()


@pytest.mark.parametrize("change", ["none", "forged", "other board", "other session", "aged"])
async def test_without_a_sound_ticket_of_its_own_a_socket_is_authorized_in_full(
    authorized, settings, change
):
    owner, reader, board, key = await member_board()
    first = browser_socket(board, key)
    hello = await first.connect()
    await first.ws.disconnect()
    ticket, cookie, target = hello["ticket"], key, board
    if change == "none":
        ticket = None
        hello = {**hello, "ticket": None}
    elif change == "forged":
        body, signature = ticket.rsplit(":", 1)
        ticket = body + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]
    elif change == "other board":
        target = await db(make_board)(owner, project=board.project)
        other = browser_socket(target, key)
        hello_other = await other.connect()
        await other.ws.disconnect()
        hello = {**hello_other, "ticket": None}  # its own since/epoch, the first board's ticket
    elif change == "other session":
        cookie = await db(session_key_for)(reader)
    else:
        settings.REALTIME = {**settings.REALTIME, "RESUME_TICKET_SECONDS": 0}
    authorized.clear()

    back = browser_socket(target, cookie, **resume(hello, ticket))
    resumed = await back.connect()
    assert len(authorized) == 1
    assert resumed["replay"] is True and resumed["me"]["id"] == reader.pk
    assert resumed["ticket"] and resumed["ticket"] != ticket  # a new one, for what it checked
    await back.ws.disconnect()


@db
def log_out(key):
    Session.objects.filter(session_key=key).delete()


@db
def ban(user):
    user.is_active = False
    user.save(update_fields=["is_active"])


@db
def change_password(user):
    user.set_password("un-tout-nouveau-mot-de-passe")
    user.save()


@pytest.mark.parametrize("change", [log_out, ban, change_password], ids=lambda f: f.__name__)
async def test_a_ticket_is_void_once_its_session_no_longer_signs_the_member_in(authorized, change):
    # A private board: whoever is no longer signed in may not read it at all.
    _, reader, board, key = await member_board(is_public=False)
    first = browser_socket(board, key)
    hello = await first.connect()
    await first.ws.disconnect()
    await change(key if change is log_out else reader)
    authorized.clear()

    back = browser_socket(board, key, **resume(hello))
    connected, _ = await back.ws.connect(timeout=5)
    assert connected  # accepted, then closed with the refusal's code
    assert await back.closed_with() == 4401
    assert len(authorized) == 1


async def test_a_ticket_keeps_what_its_reader_sees_of_a_board_with_hidden_cards(authorized):
    owner, reader, board, key = await member_board()
    outsider = await db(make_user)("Chloé")
    outsider_key = await db(session_key_for)(outsider)
    await db(services.update_board)(
        actor=owner, board_id=board.pk, phase=Phase.IDEAS, cards_hidden=True
    )
    column = await db(lambda: board.columns.order_by("position").first())()
    hellos = {}
    for name, session_key in (("team", key), ("outsider", outsider_key)):
        socket = browser_socket(board, session_key)
        hellos[name] = await socket.connect()
        await socket.ws.disconnect()
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="Cachée"
    )
    authorized.clear()

    team = browser_socket(board, key, **resume(hellos["team"]))
    outside = browser_socket(board, outsider_key, **resume(hellos["outsider"]))
    await team.connect(), await outside.connect()
    assert authorized == []
    seen = await until(team, "event")
    assert seen["name"] == "card.created" and seen["data"]["card"]["text"] == "Cachée"
    hidden = await until(outside, "event")
    assert hidden["name"] == "redacted" and "Cachée" not in str(hidden)
    await team.ws.disconnect(), await outside.ws.disconnect()


async def test_a_socket_that_stays_open_gets_a_new_ticket_after_a_full_check(authorized, settings):
    settings.REALTIME = {**settings.REALTIME, "RESUME_TICKET_SECONDS": 2}
    _, _, board, key = await member_board()
    socket = browser_socket(board, key)
    hello = await socket.connect()
    authorized.clear()
    renewed = await until(socket, "ticket", timeout=5)  # between 1 and 1.6 s after the hello
    assert renewed["ticket"] != hello["ticket"] and len(authorized) == 1
    assert tickets.read(renewed["ticket"], path=f"/ws/boards/{board.pk}/", session_key=key)
    await socket.ws.disconnect()


async def test_a_socket_whose_reader_lost_the_board_is_closed_at_its_next_check(settings):
    settings.REALTIME = {**settings.REALTIME, "RESUME_TICKET_SECONDS": 2}
    _, reader, board, key = await member_board(is_public=False)
    socket = browser_socket(board, key)
    await socket.connect()
    await db(lambda: Membership.objects.filter(project=board.project, user=reader).delete())()
    assert await socket.closed_with(timeout=5) == 4403


async def test_a_reader_whose_rights_changed_resumes_on_a_ticket_for_the_new_ones(settings):
    settings.REALTIME = {**settings.REALTIME, "RESUME_TICKET_SECONDS": 2}
    owner = await db(make_user)("Awa")
    reader = await db(make_user)("Bruno")
    board = await db(make_board)(owner, project=await db(make_project)(owner))
    key = await db(session_key_for)(reader)
    socket = browser_socket(board, key)
    hello = await socket.connect()
    assert hello["me"]["can_moderate"] is False
    await db(Membership.objects.create)(project=board.project, user=reader)  # now the team's
    renewed = await until(socket, "ticket", timeout=5)
    assert await socket.closed_with() == 4008  # resume now, on the new ticket
    held = tickets.read(renewed["ticket"], path=f"/ws/boards/{board.pk}/", session_key=key)
    assert held.sees_all is True
    await asyncio.sleep(0)


@pytest.mark.parametrize("text", ["", "x" * 5000, "a:b:c", 42, None])
def test_a_ticket_that_is_not_one_reads_as_none(text):
    assert tickets.read(text, path="/ws/boards/1/", session_key="k") is None


async def test_sockets_resuming_together_have_their_sessions_checked_together(
    authorized, monkeypatch
):
    from realtime import auth

    owner = await db(make_user)("Awa")
    board = await db(make_board)(owner, project=await db(make_project)(owner))
    readers = [await db(make_user)(f"Lecteur {i}") for i in range(6)]
    keys = [await db(session_key_for)(reader) for reader in readers]
    hellos = []
    for key in keys:
        socket = browser_socket(board, key)
        hellos.append(await socket.connect())
        await socket.ws.disconnect()
    await log_out(keys[-1])  # the last one signed out meanwhile
    trips = []
    real = auth.session_auth_hashes
    monkeypatch.setattr(
        auth, "session_auth_hashes", lambda pairs: trips.append(pairs) or real(pairs)
    )
    authorized.clear()

    back = [
        browser_socket(board, key, **resume(hello)) for key, hello in zip(keys, hellos, strict=True)
    ]
    resumed = await asyncio.gather(*(socket.connect() for socket in back))
    assert sum(len(pairs) for pairs in trips) == 6 and len(trips) < 6  # not one trip each
    assert [("me" in hello) for hello in resumed] == [False] * 5 + [True]
    assert resumed[-1]["me"]["id"] is None  # signed out: authorized in full, as anonymous
    assert len(authorized) == 1
    for socket in back:
        await socket.ws.disconnect()


async def test_a_check_that_fails_is_tried_again_and_the_socket_stays_open(settings, monkeypatch):
    settings.REALTIME = {**settings.REALTIME, "RESUME_TICKET_SECONDS": 2}
    _, _, board, key = await member_board()
    socket = browser_socket(board, key)
    hello = await socket.connect()
    failures = []
    real = BoardConsumer.authorize

    def authorize_once_failing(self):
        if not failures:
            failures.append(1)
            raise RuntimeError("the database is away")
        return real(self)

    monkeypatch.setattr(BoardConsumer, "authorize", authorize_once_failing)
    renewed = await until(socket, "ticket", timeout=6)
    assert failures and renewed["ticket"] != hello["ticket"]
    await socket.ws.disconnect()
