"""/ws/chat/<id>/ with WebsocketCommunicator, on the in-process layer and on real Redis."""

import json
import time

import pytest

from chat import services
from chat.models import Mention, Message, ReadMarker
from notifications.models import Kind, Notification
from realtime.models import Event
from tests.chat.conftest import make_scene
from tests.frames import unbatch
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)

scene = db(make_scene)


@db
def counts():
    return (
        Event.objects.count(),
        Message.objects.count(),
        list(Message.objects.order_by("pk").values_list("text", "edited_at", "deleted_at")),
        Mention.objects.count(),
        Notification.objects.count(),
        ReadMarker.objects.count(),
    )


async def events(client, n):
    frames = []
    while len(frames) < n:
        frame = await client.receive()
        if frame["type"] == "event":
            frames.append(frame)
    return frames


async def test_hello_has_the_latest_messages_and_my_reading(layer, chat_client):
    s = await scene()
    for n in range(52):
        await db(services.send_message)(actor=s["awa"], room_id=s["team"].pk, text=f"m{n}")
    await db(services.mark_read)(actor=s["bruno"], room_id=s["team"].pk, seq=50)
    hello = await chat_client(s["team"], s["bruno"]).connect()
    assert (hello["type"], hello["stream"]) == ("hello", f"chat:{s['team'].pk}")
    state = hello["state"]
    assert [m["text"] for m in state["messages"]] == [f"m{n}" for n in range(2, 52)]
    assert (state["has_more"], state["read_seq"], state["unread"]) == (True, 50, 2)
    assert hello["seq"] == 53  # 52 messages and a read marker
    assert hello["me"] == {"id": s["bruno"].pk, "name": "Bruno", "username": "bruno",
                           "can_post": True}  # fmt: skip
    assert hello["limits"]["message_text_max"] == 4000


async def test_two_members_see_each_others_messages_in_seq_order(layer, chat_client):
    s = await scene()
    a, b = chat_client(s["team"], s["awa"]), chat_client(s["team"], s["bruno"])
    await a.connect()
    await b.connect()
    await a.op("message.send", {"text": "Bonjour"}, "a-1")
    await b.op("message.send", {"text": "Salut", "reply_to": None}, "b-1")
    await a.op("message.send", {"text": "On se voit samedi ?"}, "a-2")
    seen = {}
    for name, client in (("a", a), ("b", b)):
        seen[name] = [(e["seq"], e["data"]["message"]["text"]) for e in await events(client, 3)]
    assert seen["a"] == seen["b"]
    assert [seq for seq, _ in seen["a"]] == [1, 2, 3]
    texts = [text for _, text in seen["a"]]
    assert texts.index("Bonjour") < texts.index("On se voit samedi ?")
    # Each message is stored with the seq its event carries.
    stored = await db(lambda: list(Message.objects.order_by("seq").values_list("seq", "text")))()
    assert stored == seen["a"]


async def test_edit_and_delete_reach_everyone_and_a_delete_carries_no_text(layer, chat_client):
    s = await scene()
    a, b = chat_client(s["open"], s["awa"]), chat_client(s["open"])  # b: anonymous reader
    await a.connect()
    await b.connect()
    await a.op("message.send", {"text": "Premier jet"}, "a-1")
    created = (await events(b, 1))[0]["data"]["message"]
    await a.op("message.edit", {"message": created["id"], "text": "Version finale"}, "a-2")
    edited = (await events(b, 1))[0]
    assert edited["name"] == "message.edited"
    assert edited["data"]["message"]["text"] == "Version finale"
    assert edited["data"]["message"]["edited_at"]
    await a.op("message.delete", {"message": created["id"]}, "a-3")
    deleted = (await events(b, 1))[0]
    assert deleted["name"] == "message.deleted"
    assert deleted["data"]["message"]["text"] is None and deleted["data"]["message"]["deleted"]
    assert "Version finale" not in json.dumps(deleted)
    # A reader arriving now sees the message's place, without its text.
    late = await chat_client(s["open"]).connect()
    assert [(m["id"], m["text"], m["deleted"]) for m in late["state"]["messages"]] == [
        (created["id"], None, True)
    ]


async def test_mentions_notify_each_mentioned_reader_exactly_once(layer, chat_client):
    s = await scene()
    a = chat_client(s["team"], s["awa"])
    await a.connect()
    text = "@bruno @bruno tu vois avec @chloé ? (@awa)"
    await a.op("message.send", {"text": text}, "mention-1")
    _, ack = await a.receive_until("ack")
    await a.op("message.send", {"text": text}, "mention-1")  # a retry after a lost ack
    _, again = await a.receive_until("ack")
    assert (ack["status"], again["status"], again["seq"]) == ("applied", "duplicate", ack["seq"])
    told = await db(
        lambda: list(
            Notification.objects.filter(kind=Kind.MENTION).values_list("user__username", flat=True)
        )
    )()
    assert told == ["bruno"]  # not Chloé (not in the team), not Awa (the sender)
    assert await db(Message.objects.count)() == 1


async def test_refusals_on_connect(layer, chat_client):
    s = await scene()
    outsider = chat_client(s["team"], s["chloe"])
    await outsider.ws.connect()
    assert await outsider.closed_with() == 4403
    anonymous = chat_client(s["team"])
    await anonymous.ws.connect()
    assert await anonymous.closed_with() == 4401
    missing = chat_client(987654, s["awa"])
    await missing.ws.connect()
    assert await missing.closed_with() == 4404
    # The open room is public to read, for anyone.
    assert (await chat_client(s["open"]).connect())["type"] == "hello"
    assert (await chat_client(s["open"], s["chloe"]).connect())["type"] == "hello"


async def test_someone_who_leaves_the_team_stops_reading_its_room(layer, chat_client, monkeypatch):
    from backend.projects.models import Membership
    from chat.consumers import ChatConsumer

    monkeypatch.setattr(ChatConsumer, "recheck_every", 0.05)
    s = await scene()
    bruno, awa = chat_client(s["team"], s["bruno"]), chat_client(s["team"], s["awa"])
    await bruno.connect()
    await awa.connect()
    await db(Membership.objects.filter(user=s["bruno"]).delete)()
    assert await bruno.closed_with() == 4403
    assert await awa.nothing(0.15)  # the team stays


BAD_OPS = [
    ("anonymous posts", None, "message.send", {"text": "coucou"}, "forbidden"),
    ("over-long text", "chloe", "message.send", {"text": "a" * 4001}, "invalid"),
    ("empty text", "chloe", "message.send", {"text": "   "}, "invalid"),
    ("text not a string", "chloe", "message.send", {"text": 12}, "invalid"),
    ("reply_to a string", "chloe", "message.send", {"text": "a", "reply_to": "1"}, "invalid"),
    ("unknown field", "chloe", "message.send", {"text": "a", "author": 1}, "invalid"),
    ("someone else's edit", "chloe", "message.edit", {"message": "AWA", "text": "x"}, "forbidden"),
    ("someone else's delete", "chloe", "message.delete", {"message": "AWA"}, "forbidden"),
    ("no such message", "chloe", "message.delete", {"message": 999999}, "not_found"),
    ("reply to nothing", "chloe", "message.send", {"text": "a", "reply_to": 999999}, "not_found"),
    ("read a bool", "chloe", "read", {"seq": True}, "invalid"),
    ("read past the end", "chloe", "read", {"seq": 999}, "invalid"),
]


async def test_bad_ops_get_a_clear_error_and_write_nothing(layer, chat_client):
    s = await scene()
    awas = await db(services.send_message)(actor=s["awa"], room_id=s["open"].pk, text="À Awa")
    clients = {"chloe": chat_client(s["open"], s["chloe"]), None: chat_client(s["open"])}
    for client in clients.values():
        await client.connect()
    before = await counts()
    for n, (case, who, op, data, code) in enumerate(BAD_OPS):
        data = {k: awas.result.pk if v == "AWA" else v for k, v in data.items()}
        await clients[who].op(op, data, f"bad-{n}")
        _, error = await clients[who].receive_until("error")
        assert (error["id"], error["code"], case) == (f"bad-{n}", code, case)
        assert error["message"]
    assert await counts() == before
    for client in clients.values():  # the sockets stay open
        await client.ws.send_json_to({"op": "ping"})
        assert (await client.receive_until("pong"))[1]["type"] == "pong"


async def test_resume_after_a_gap_gets_exactly_the_missed_messages(layer, chat_client):
    s = await scene()
    a = chat_client(s["team"], s["bruno"])
    hello = await a.connect()
    await a.op("message.send", {"text": "avant la coupure"}, "sent-1")
    _, event = await a.receive_until("event")
    seq, epoch = event["seq"], hello["epoch"]
    await a.close()  # as if the ack had been lost: the outbox still holds "sent-1"
    for n in range(3):
        await db(services.send_message)(actor=s["awa"], room_id=s["team"].pk, text=f"absent {n}")
    back = chat_client(s["team"], s["bruno"], query=f"?since={seq}&epoch={epoch}")
    hello = await back.connect()
    assert hello["replay"] is True and "state" not in hello and hello["seq"] == seq + 3
    replayed = [await back.receive() for _ in range(3)]
    assert [f["seq"] for f in replayed] == [seq + 1, seq + 2, seq + 3]
    assert [f["data"]["message"]["text"] for f in replayed] == ["absent 0", "absent 1", "absent 2"]
    assert await back.nothing(0.15)
    # The outbox sends "sent-1" again with its id: applied once, the same ack.
    await back.op("message.send", {"text": "avant la coupure"}, "sent-1")
    _, ack = await back.receive_until("ack")
    assert (ack["status"], ack["seq"]) == ("duplicate", seq)
    assert await db(Message.objects.filter(text="avant la coupure").count)() == 1
    await back.op("message.send", {"text": "je suis de retour"}, "back-1")
    _, live = await back.receive_until("event")
    assert live["seq"] == seq + 4 and live["op"] == "back-1"


async def test_read_markers_reach_my_other_tabs(layer, chat_client):
    s = await scene()
    await db(services.send_message)(actor=s["awa"], room_id=s["team"].pk, text="à lire")
    tab1, tab2 = chat_client(s["team"], s["bruno"]), chat_client(s["team"], s["bruno"])
    assert (await tab1.connect())["state"]["unread"] == 1
    assert (await tab2.connect())["state"]["unread"] == 1
    await tab1.op("read", {"seq": 1}, "r-1")
    _, event = await tab2.receive_until("event")
    assert (event["name"], event["data"], event["actor"]["id"]) == (
        "read",
        {"user": s["bruno"].pk, "seq": 1},
        s["bruno"].pk,
    )
    assert (await chat_client(s["team"], s["bruno"]).connect())["state"]["unread"] == 0


async def test_typing_is_relayed_to_the_others_and_never_stored(layer, chat_client):
    s = await scene()
    a, b = chat_client(s["team"], s["awa"]), chat_client(s["team"], s["bruno"])
    await a.connect()
    await b.connect()
    before = await counts()
    await a.ws.send_json_to({"op": "typing", "data": {"active": True}})
    _, signal = await b.receive_until("signal", name="typing")
    assert signal["data"] == {"active": True}
    assert signal["actor"] == {"id": s["awa"].pk, "name": "Awa"}
    assert await counts() == before
    while not await a.ws.receive_nothing(timeout=0.15):  # not echoed to the sender
        assert (await a.receive()).get("name") != "typing"


async def test_a_flood_is_rate_limited_then_closed_without_hurting_others(
    layer, chat_client, settings
):
    s = await scene()
    flooder, calm = chat_client(s["open"], s["chloe"]), chat_client(s["open"], s["awa"])
    await flooder.connect()
    await calm.connect()
    started = time.monotonic()
    for n in range(200):
        await flooder.op("message.send", {"text": f"spam {n}"}, f"f-{n}")
    codes, close_code = [], None
    while close_code is None:
        message = await flooder.ws.receive_output(5)
        if message["type"] == "websocket.close":
            close_code = message["code"]
        elif message.get("text"):
            codes += [f["code"] for f in unbatch(message["text"]) if f["type"] == "error"]
    assert close_code == 4429
    assert "rate_limited" in codes
    written = await db(Message.objects.filter(text__startswith="spam").count)()
    # The bucket: its burst, then what it refilled while the server worked through the flood.
    limits = settings.REALTIME
    allowed = limits["OPS_BURST"] + limits["OPS_PER_SECOND"] * (time.monotonic() - started)
    assert 0 < written <= allowed + 1 < 200
    await calm.op("message.send", {"text": "toujours là"}, "calm-1")
    _, ack = await calm.receive_until("ack", timeout=5)
    assert ack["status"] == "applied"
