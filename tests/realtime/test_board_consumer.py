"""/ws/boards/<id>/ with WebsocketCommunicator, on the in-process layer and on real Redis."""

import json
import time

import pytest

from boards import services
from boards.models import Card, Vote
from realtime.models import Event
from tests.factories import make_board, make_project, make_user
from tests.frames import unbatch
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


@db
def scene(**board_kwargs):
    owner = make_user("Awa")
    member = make_user("Bruno")
    citizen = make_user("Chloé")
    board = make_board(owner, project=make_project(owner, members=[member]), **board_kwargs)
    return owner, member, citizen, board, board.columns.order_by("position").first()


@db
def counts():
    return Event.objects.count(), Card.objects.count(), Vote.objects.count()


async def test_hello_carries_the_state_seq_and_rights(layer, board_client):
    from channels.layers import get_channel_layer

    expected = {"memory": "InMemoryChannelLayer", "redis": "RedisPubSubChannelLayer"}[layer]
    assert type(get_channel_layer()).__name__ == expected
    owner, member, citizen, board, column = await scene()
    client = board_client(board, citizen)
    hello = await client.connect()
    assert hello["type"] == "hello"
    assert hello["stream"] == f"board:{board.pk}"
    assert hello["seq"] == 1 and hello["replay"] is False and hello["epoch"]
    assert [c["title"] for c in hello["state"]["columns"]] == ["Idées", "À creuser", "Retenues"]
    assert hello["me"]["id"] == citizen.pk
    assert hello["me"]["can_write"] and not hello["me"]["can_moderate"]
    assert hello["limits"]["max_frame_bytes"] == 16 * 1024


async def test_two_clients_see_each_others_ops_in_seq_order(layer, board_client):
    owner, member, citizen, board, column = await scene()
    a, b = board_client(board, owner), board_client(board, citizen)
    await a.connect()
    await b.connect()
    await a.op("card.create", {"column": column.pk, "text": "Un repair café"}, "a-1")
    await b.op("card.create", {"column": column.pk, "text": "Un potager"}, "b-1")
    await a.op("card.create", {"column": column.pk, "text": "Une fête"}, "a-2")
    seen = {}
    for name, client in (("a", a), ("b", b)):
        events = []
        while len(events) < 3:
            frame = await client.receive()
            if frame["type"] == "event":
                events.append(frame)
        seen[name] = [(e["seq"], e["data"]["card"]["text"]) for e in events]
    assert seen["a"] == seen["b"]
    assert [seq for seq, _ in seen["a"]] == [2, 3, 4]
    assert {text for _, text in seen["a"]} == {"Un repair café", "Un potager", "Une fête"}


async def test_an_ack_comes_after_its_event(layer, board_client):
    owner, member, citizen, board, column = await scene()
    a = board_client(board, owner)
    await a.connect()
    for n in range(5):
        await a.op("card.create", {"column": column.pk, "text": f"idée {n}"}, f"op-{n}")
    order = []
    while len(order) < 10:
        frame = await a.receive()
        if frame["type"] in {"event", "ack"}:
            order.append((frame["type"], frame.get("op") or frame.get("id"), frame["seq"]))
    for n in range(5):
        assert order.index(("event", f"op-{n}", n + 2)) < order.index(("ack", f"op-{n}", n + 2))


async def test_the_author_gets_its_event_and_its_ack_in_one_message(layer, board_client):
    """The ack is queued as soon as the op commits, right behind its event: one frame out,
    not the event then, after every other socket's turn, the ack."""
    owner, member, citizen, board, column = await scene()
    reader, author = board_client(board, citizen), board_client(board, owner)
    await reader.connect()
    await author.connect()
    await author.op("card.create", {"column": column.pk, "text": "Un banc"}, "one")
    message = []
    while not message:  # presence frames (people arriving) are not part of the op
        text = await author.ws.receive_from(timeout=3)
        message = [frame for frame in unbatch(text) if frame["type"] != "presence"]
    assert [(f["type"], f.get("op") or f.get("id")) for f in message] == [
        ("event", "one"),
        ("ack", "one"),
    ]
    assert message[0]["seq"] == message[1]["seq"]
    _, event = await reader.receive_until("event")
    assert event["op"] == "one"


async def test_a_retried_op_id_writes_once_and_gets_the_same_ack(layer, board_client):
    owner, member, citizen, board, column = await scene()
    a = board_client(board, citizen)
    await a.connect()
    data = {"column": column.pk, "text": "Une seule fois"}
    await a.op("card.create", data, "retry-me")
    _, first = await a.receive_until("ack")
    await a.op("card.create", data, "retry-me")
    _, again = await a.receive_until("ack")
    assert first == {"type": "ack", "id": "retry-me", "seq": 2, "status": "applied"}
    assert again == {"type": "ack", "id": "retry-me", "seq": 2, "status": "duplicate"}
    assert await db(Card.objects.filter(text="Une seule fois").count)() == 1
    # A new connection (a reload) retrying the same id is still recognised.
    b = board_client(board, citizen)
    await b.connect()
    await b.op("card.create", data, "retry-me")
    _, third = await b.receive_until("ack")
    assert third["status"] == "duplicate" and third["seq"] == 2


async def test_resume_replays_exactly_the_missed_events(layer, board_client):
    owner, member, citizen, board, column = await scene()
    a = board_client(board, citizen)
    hello = await a.connect()
    seq, epoch = hello["seq"], hello["epoch"]
    await a.close()
    for n in range(3):
        await db(services.create_card)(
            actor=owner, board_id=board.pk, column_id=column.pk, text=f"pendant l'absence {n}"
        )
    back = board_client(board, citizen, query=f"?since={seq}&epoch={epoch}")
    hello = await back.connect()
    assert hello["replay"] is True and "state" not in hello
    assert hello["seq"] == seq + 3
    replayed = [await back.receive() for _ in range(3)]
    assert [f["seq"] for f in replayed] == [seq + 1, seq + 2, seq + 3]
    assert [f["data"]["card"]["text"] for f in replayed] == [
        "pendant l'absence 0",
        "pendant l'absence 1",
        "pendant l'absence 2",
    ]
    assert await back.nothing()
    # Live events follow with the next seq.
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="en direct"
    )
    live = await back.receive()
    assert live["seq"] == seq + 4


@pytest.mark.parametrize("query", ["?since=1&epoch=another", "?since=999&epoch=", "?since=-5"])
async def test_a_resume_that_cannot_replay_gets_a_snapshot(layer, board_client, query):
    owner, member, citizen, board, column = await scene()
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="déjà là"
    )
    client = board_client(board, citizen, query=query)
    hello = await client.connect()
    assert hello["replay"] is False
    assert [c["text"] for c in hello["state"]["cards"]] == ["déjà là"]
    assert hello["seq"] == 2


BAD_FRAMES = [
    ("not json", "ceci n'est pas du JSON", "invalid"),
    ("a list", "[1, 2]", "invalid"),
    ("no op", json.dumps({"id": "x", "data": {}}), "invalid"),
    ("unknown op", json.dumps({"op": "card.explode", "id": "x", "data": {}}), "invalid"),
    ("no id", json.dumps({"op": "card.create", "data": {"column": 1, "text": "a"}}), "invalid"),
    (
        "id too long",
        json.dumps({"op": "card.create", "id": "x" * 65, "data": {"column": 1, "text": "a"}}),
        "invalid",
    ),
    (
        "string for an int",
        json.dumps({"op": "card.create", "id": "x", "data": {"column": "1", "text": "a"}}),
        "invalid",
    ),
    (
        "bool for an int",
        json.dumps({"op": "card.create", "id": "x", "data": {"column": True, "text": "a"}}),
        "invalid",
    ),
    (
        "missing field",
        json.dumps({"op": "card.create", "id": "x", "data": {"column": 1}}),
        "invalid",
    ),
    (
        "extra field",
        json.dumps(
            {"op": "card.create", "id": "x", "data": {"column": 1, "text": "a", "author": 2}}
        ),
        "invalid",
    ),
    ("data not an object", json.dumps({"op": "card.create", "id": "x", "data": [1]}), "invalid"),
    (
        "text over 500",
        json.dumps({"op": "card.create", "id": "x", "data": {"column": 1, "text": "é" * 501}}),
        "invalid",
    ),
    (
        "frame over 16 KiB",
        json.dumps({"op": "card.create", "id": "x", "data": {"column": 1, "text": "a" * 17000}}),
        "too_large",
    ),
    (
        "unknown colour",
        json.dumps(
            {"op": "card.create", "id": "x", "data": {"column": 1, "text": "a", "color": "noir"}}
        ),
        "invalid",
    ),
]


@pytest.mark.parametrize(("case", "text", "code"), BAD_FRAMES, ids=[c for c, *_ in BAD_FRAMES])
async def test_bad_frames_get_an_error_and_change_nothing(layer, board_client, case, text, code):
    owner, member, citizen, board, column = await scene()
    text = text.replace('"column": 1', f'"column": {column.pk}')
    client = board_client(board, citizen)
    await client.connect()
    before = await counts()
    await client.send_text(text)
    error = await client.receive()
    assert error["type"] == "error"
    assert error["code"] == code
    assert error["message"]
    assert await counts() == before
    # The socket stays open and usable.
    await client.ws.send_json_to({"op": "ping"})
    assert (await client.receive())["type"] == "pong"


async def test_binary_frames_are_refused_politely(layer, board_client):
    owner, member, citizen, board, column = await scene()
    client = board_client(board, citizen)
    await client.connect()
    await client.ws.send_to(bytes_data=b"\x00\x01")
    error = await client.receive()
    assert (error["type"], error["code"]) == ("error", "invalid")


REFUSALS = [
    # (who, op, data(column, foreign_card, own_card), code)
    ("anonymous", "card.create", lambda col, other, own: {"column": col, "text": "x"}, "forbidden"),
    ("anonymous", "card.vote", lambda col, other, own: {"card": other}, "forbidden"),
    (
        "citizen",
        "card.update",
        lambda col, other, own: {"card": other, "text": "à moi"},
        "forbidden",
    ),
    ("citizen", "card.delete", lambda col, other, own: {"card": other}, "forbidden"),
    ("citizen", "card.move", lambda col, other, own: {"card": other, "column": col}, "forbidden"),
    ("citizen", "card.update", lambda col, other, own: {"card": 999999, "text": "x"}, "not_found"),
    (
        "citizen",
        "card.create",
        lambda col, other, own: {"column": 999999, "text": "x"},
        "not_found",
    ),
    ("citizen", "column.create", lambda col, other, own: {"title": "x"}, "forbidden"),
    ("citizen", "board.update", lambda col, other, own: {"locked": True}, "forbidden"),
]


@pytest.mark.parametrize(
    ("who", "op", "data", "code"), REFUSALS, ids=[f"{w} {o} {c}" for w, o, _, c in REFUSALS]
)
async def test_refused_ops_get_their_code_and_write_nothing(
    layer, board_client, who, op, data, code
):
    owner, member, citizen, board, column = await scene()
    other = await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="la carte d'Awa"
    )
    own = await db(services.create_card)(
        actor=citizen, board_id=board.pk, column_id=column.pk, text="la carte de Chloé"
    )
    client = board_client(board, citizen if who == "citizen" else None)
    await client.connect()
    before = await counts()
    await client.op(op, data(column.pk, other.result.pk, own.result.pk), "refused-1")
    _, error = await client.receive_until("error")
    assert (error["id"], error["code"]) == ("refused-1", code)
    assert await counts() == before


async def test_a_locked_board_answers_locked_and_the_team_still_writes(layer, board_client):
    owner, member, citizen, board, column = await scene()
    team, person = board_client(board, member), board_client(board, citizen)
    await team.connect()
    await person.connect()
    await team.op("board.update", {"locked": True}, "lock")
    _, event = await person.receive_until("event")
    assert event["name"] == "board.updated" and event["data"]["board"]["locked"] is True
    before = await counts()
    await person.op("card.create", {"column": column.pk, "text": "trop tard"}, "late")
    _, error = await person.receive_until("error")
    assert error["code"] == "locked"
    assert await counts() == before
    await team.op("card.create", {"column": column.pk, "text": "note de l'équipe"}, "team-1")
    _, ack = await team.receive_until("ack")
    assert ack["status"] == "applied"


async def test_votes_past_the_budget_are_a_conflict(layer, board_client):
    owner, member, citizen, board, column = await scene(votes_per_person=1)
    cards = [
        await db(services.create_card)(actor=owner, board_id=board.pk, column_id=column.pk, text=t)
        for t in ("un", "deux")
    ]
    client = board_client(board, citizen)
    await client.connect()
    await client.op("card.vote", {"card": cards[0].result.pk}, "v1")
    _, event = await client.receive_until("event")
    assert event["data"] == {"card": cards[0].result.pk, "votes": 1, "voter": citizen.pk}
    await client.op("card.vote", {"card": cards[1].result.pk}, "v2")
    _, error = await client.receive_until("error")
    assert error["code"] == "conflict" and "1 votes" in error["message"]
    assert await db(Vote.objects.count)() == 1


async def test_read_rights_on_connect(layer, board_client):
    owner, member, citizen, board, column = await scene()
    private = await db(make_board)(owner, is_public=False)
    anonymous = board_client(board)
    hello = await anonymous.connect()
    assert hello["type"] == "hello" and hello["me"]["can_write"] is False
    refused = board_client(private)
    assert (await refused.ws.connect())[0]
    assert await refused.closed_with() == 4401
    outsider = board_client(private, citizen)
    await outsider.ws.connect()
    assert await outsider.closed_with() == 4403
    team = board_client(private, owner)
    assert (await team.connect())["type"] == "hello"

    class Missing:
        pk = 987654

    unknown = board_client(Missing(), citizen)
    await unknown.ws.connect()
    assert await unknown.closed_with() == 4404


async def test_a_foreign_origin_is_refused(layer, board_client):
    owner, member, citizen, board, column = await scene()
    for origin in (b"http://evil.example", None):
        client = board_client(board, citizen, origin=origin)
        connected, _ = await client.ws.connect()
        assert not connected


async def test_a_flood_is_rate_limited_then_closed_without_hurting_others(
    layer, board_client, settings
):
    owner, member, citizen, board, column = await scene()
    flooder, calm = board_client(board, citizen), board_client(board, owner)
    await flooder.connect()
    await calm.connect()
    started = time.monotonic()
    for n in range(200):
        await flooder.op("card.create", {"column": column.pk, "text": f"spam {n}"}, f"f-{n}")
    codes = []
    close_code = None
    while close_code is None:
        message = await flooder.ws.receive_output(5)
        if message["type"] == "websocket.close":
            close_code = message["code"]
        elif message.get("text"):  # frames that piled up come as one array
            codes += [f["code"] for f in unbatch(message["text"]) if f["type"] == "error"]
    assert close_code == 4429
    assert "rate_limited" in codes
    written = await db(Card.objects.filter(text__startswith="spam").count)()
    # The bucket: its burst, then what it refilled while the server worked through the flood
    # (a busy machine takes longer, and lets a few more through).
    limits = settings.REALTIME
    allowed = limits["OPS_BURST"] + limits["OPS_PER_SECOND"] * (time.monotonic() - started)
    assert 0 < written <= allowed + 1 < 200
    # The other client is unaffected: its op is applied and acknowledged.
    await calm.op("card.create", {"column": column.pk, "text": "toujours là"}, "calm-1")
    _, ack = await calm.receive_until("ack", timeout=5)
    assert ack["status"] == "applied"


async def test_presence_lists_who_is_here_and_updates_when_one_leaves(layer, board_client):
    owner, member, citizen, board, column = await scene()
    a, b = board_client(board, owner), board_client(board, citizen)
    await a.connect()
    await b.connect()

    async def people(client):
        while True:
            _, signal = await client.receive_until("signal", name="presence")
            names = sorted(p["name"] for p in signal["data"]["people"])
            yield names

    watch = people(a)
    names = await anext(watch)
    while names != ["Awa", "Chloé"]:
        names = await anext(watch)
    await b.close()
    while names != ["Awa"]:
        names = await anext(watch)


async def test_editing_signal_reaches_the_others_but_not_the_sender(layer, board_client):
    owner, member, citizen, board, column = await scene()
    a, b = board_client(board, owner), board_client(board, citizen)
    await a.connect()
    await b.connect()
    await a.ws.send_json_to({"op": "editing", "data": {"card": 12, "active": True}})
    _, signal = await b.receive_until("signal", name="editing")
    assert signal["data"] == {"card": 12, "active": True}
    assert signal["actor"] == {"id": owner.pk, "name": "Awa"}
    # The sender gets presence signals at most, never its own `editing`.
    while not await a.ws.receive_nothing(timeout=0.4):
        assert (await a.receive()).get("name") != "editing"


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("", b"en-GB,en;q=0.9", "This board is locked"),
        ("", b"fr-FR", "Ce tableau est verrouillé"),
        # The page's language (sent by realtime.js) wins over the handshake's header.
        ("?lang=fr", b"en-US,en;q=0.9", "Ce tableau est verrouillé"),
        ("?lang=en", b"fr-FR", "This board is locked"),
        ("?lang=xx", b"en", "This board is locked"),
    ],
)
async def test_error_messages_speak_the_readers_language(query, header, expected):
    from channels.testing import WebsocketCommunicator

    from backend.asgi import application

    owner, member, citizen, board, column = await scene()
    await db(services.update_board)(actor=owner, board_id=board.pk, locked=True)
    ws = WebsocketCommunicator(
        application,
        f"/ws/boards/{board.pk}/{query}",
        headers=[(b"origin", b"http://localhost"), (b"accept-language", header)],
    )
    ws.scope["user"] = citizen
    assert (await ws.connect())[0]
    await ws.receive_json_from()
    await ws.send_json_to(
        {"op": "card.create", "id": "x", "data": {"column": column.pk, "text": "hello"}}
    )
    frames: list[dict] = []
    while not any(frame["type"] == "error" for frame in frames):
        frames = unbatch(await ws.receive_from())
    frame = next(frame for frame in frames if frame["type"] == "error")
    assert frame["message"].startswith(expected)
    await ws.disconnect()


async def test_after_a_restore_new_epochs_turn_resumes_into_snapshots(board_client):
    from django.core.management import call_command

    owner, member, citizen, board, column = await scene()
    first = board_client(board, owner)
    hello = await first.connect()
    await first.close()
    await db(call_command)("new_epochs")
    query = f"?since={hello['seq']}&epoch={hello['epoch']}"
    again = await board_client(board, owner, query=query).connect()
    assert again["replay"] is False and "state" in again
    assert again["epoch"] != hello["epoch"]


@db
def cards_on(board, column, actor, count: int):
    for n in range(count):
        text = f"Idée « {n} » : des bancs à l'ombre, près de l'école " + "é" * 40
        services.create_card(actor=actor, board_id=board.pk, column_id=column.pk, text=text)


async def test_a_hello_too_big_for_one_message_comes_in_parts_that_join_into_it(
    board_client, settings
):
    settings.REALTIME = {**settings.REALTIME, "MESSAGE_BYTES": 4096}
    owner, member, citizen, board, column = await scene()
    await cards_on(board, column, owner, 40)
    client = board_client(board, citizen)
    connected, _ = await client.ws.connect(timeout=5)
    assert connected
    raw = [await client.ws.receive_from(timeout=3)]
    first = json.loads(raw[0])
    assert first["type"] == "hello.part" and first["part"] == 0 and first["parts"] > 1
    while len(raw) < first["parts"]:
        raw.append(await client.ws.receive_from(timeout=3))
    assert all(len(text.encode()) <= 4096 for text in raw)  # each part fits in a message
    parts = [json.loads(text) for text in raw]
    assert [part["part"] for part in parts] == list(range(first["parts"]))
    hello = json.loads("".join(part["data"] for part in parts))
    assert hello["type"] == "hello" and hello["me"]["id"] == citizen.pk
    assert len(hello["state"]["cards"]) == 40
    assert all("é" * 40 in card["text"] for card in hello["state"]["cards"])
    owner_client = board_client(board, owner)
    await owner_client.connect()  # its own hello in parts too, left unread
    await owner_client.op("card.create", {"column": column.pk, "text": "Après"}, "o-1")
    _, event = await client.receive_until("event", name="card.created")
    assert event["seq"] == hello["seq"] + 1  # the events follow the hello, none missed


async def test_a_hello_that_fits_goes_whole(board_client, settings):
    settings.REALTIME = {**settings.REALTIME, "MESSAGE_BYTES": 1024 * 1024}
    owner, member, citizen, board, column = await scene()
    await cards_on(board, column, owner, 40)
    hello = await board_client(board, citizen).connect()
    assert hello["type"] == "hello" and len(hello["state"]["cards"]) == 40
