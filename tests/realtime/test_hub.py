"""The per-process hub and the per-socket subscription, driven directly."""

import asyncio
import contextvars
import json

import pytest
from channels.layers import get_channel_layer

from boards import services
from realtime import hub as hub_module
from realtime import publish
from realtime.hub import Subscription, get_hub
from realtime.publish import group_name
from realtime.streams import Delivery, dumps
from tests.factories import make_board, make_user
from tests.frames import unbatch
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


class Socket:
    """Stands for a consumer: records what the subscription sends and how it closes."""

    def __init__(self, *, block: bool = False):
        self.messages: list[str] = []  # as sent on the socket
        self.sent: list[str] = []  # frame by frame
        self.closed: list[int] = []
        self.block = block
        self.arrived = asyncio.Event()

    async def send(self, text: str):
        if self.block:
            await asyncio.Event().wait()  # a client that never reads
        self.messages.append(text)
        self.sent += [dumps(frame) for frame in unbatch(text)]
        self.arrived.set()

    async def close(self, code: int):
        self.closed.append(code)

    def seqs(self) -> list[int]:
        return [json.loads(frame)["seq"] for frame in self.sent if '"type":"event"' in frame]

    async def wait_for(self, count: int, timeout: float = 3):
        async with asyncio.timeout(timeout):
            while len(self.seqs()) < count:
                self.arrived.clear()
                await self.arrived.wait()


@db
def a_board():
    owner = make_user("Awa")
    board = make_board(owner)
    return owner, board, board.columns.first()


def frame(key: str, seq: int) -> dict:
    text = json.dumps(
        {"type": "event", "stream": key, "seq": seq, "name": "x", "data": {}}, separators=(",", ":")
    )
    return {"type": "stream.event", "stream": key, "seq": seq, "frame": text}


async def joined(key: str, socket: Socket, **kwargs) -> Subscription:
    sub = Subscription(send=socket.send, close=socket.close, person=None, **kwargs)
    await get_hub().join(key, sub)
    sub.start(1)  # a board starts at seq 1 (board.created)
    return sub


async def test_events_that_arrive_out_of_order_are_delivered_in_order(layer):
    owner, board, column = await a_board()
    key = board.stream_key
    socket = Socket()
    sub = await joined(key, socket)
    layer_ = get_channel_layer()
    for seq in (4, 2, 3):
        await layer_.group_send(group_name(key), frame(key, seq))
    await socket.wait_for(3)
    assert socket.seqs() == [2, 3, 4]
    await get_hub().leave(key, sub)


async def test_a_lost_publish_is_read_back_from_the_log(layer, monkeypatch):
    owner, board, column = await a_board()
    key = board.stream_key
    socket = Socket()
    sub = await joined(key, socket)
    sent = publish.send_event
    monkeypatch.setattr(publish, "send_event", lambda *args: None)  # Redis blinked
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="perdue en route"
    )
    monkeypatch.setattr(publish, "send_event", sent)
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="arrivée"
    )
    await socket.wait_for(2, timeout=hub_module.GAP_WAIT + 3)
    assert socket.seqs() == [2, 3]
    texts = [json.loads(f)["data"]["card"]["text"] for f in socket.sent if '"event"' in f]
    assert texts == ["perdue en route", "arrivée"]
    await get_hub().leave(key, sub)


async def test_expect_recovers_the_last_event_when_its_publish_is_lost(layer, monkeypatch):
    owner, board, column = await a_board()
    key = board.stream_key
    socket = Socket()
    sub = await joined(key, socket)
    monkeypatch.setattr(publish, "send_event", lambda *args: None)
    applied = await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="seule"
    )
    get_hub().expect(key, applied.seq)
    await socket.wait_for(1, timeout=hub_module.GAP_WAIT + 3)
    assert socket.seqs() == [2]
    await get_hub().leave(key, sub)


async def test_a_client_that_does_not_read_is_closed_with_4008_and_memory_stays_bounded():
    socket = Socket(block=True)
    sub = Subscription(send=socket.send, close=socket.close, person=None, limit=5)
    sub.start(0)
    for seq in range(1, 20):
        sub.offer_event(seq, json.dumps({"type": "event", "seq": seq}, separators=(",", ":")))
    await asyncio.sleep(0.05)
    assert socket.closed == [4008]
    assert len(sub._queue) <= 5
    sub.stop()


async def test_a_hole_in_seq_makes_the_socket_resync():
    socket = Socket()
    sub = Subscription(send=socket.send, close=socket.close, person=None)
    sub.start(10)
    sub.offer_event(11, '{"type":"event","seq":11}')
    sub.offer_event(13, '{"type":"event","seq":13}')
    await asyncio.sleep(0.05)
    assert 13 not in socket.seqs()  # never past a hole: the client resumes from its seq
    assert socket.closed == [4008]
    sub.stop()


async def test_events_before_the_hello_are_held_and_those_it_covers_dropped():
    socket = Socket()
    sub = Subscription(send=socket.send, close=socket.close, person=None)
    for seq in (5, 6, 7):
        sub.offer_event(seq, json.dumps({"type": "event", "seq": seq}, separators=(",", ":")))
    sub.start(6)  # the hello's snapshot already holds 5 and 6
    await socket.wait_for(1)
    assert socket.seqs() == [7]
    sub.stop()


async def test_signals_are_dropped_first_when_a_socket_is_slow():
    socket = Socket(block=True)
    sub = Subscription(send=socket.send, close=socket.close, person=None, limit=10)
    sub.start(0)
    for n in range(1, 7):
        sub.offer_event(n, json.dumps({"type": "event", "seq": n}, separators=(",", ":")))
    sub.offer_signal('{"type":"signal"}')
    assert not any("signal" in f for f in sub._queue)
    assert socket.closed == []
    sub.stop()


async def test_one_subscription_per_stream_per_process(layer):
    """Many sockets on a board: the hub joins the stream's group once."""
    owner, board, column = await a_board()
    key = board.stream_key
    hub = get_hub()
    calls = []
    original = hub.layer.group_add

    async def counting(group, channel):
        calls.append(group)
        return await original(group, channel)

    hub.layer.group_add = counting
    sockets = [Socket() for _ in range(20)]
    subs = [await joined(key, s) for s in sockets]
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="pour tous"
    )
    for socket in sockets:
        await socket.wait_for(1)
    assert [group for group in calls if group != hub_module.HUB_GROUP] == [group_name(key)]
    # The same serialised frame object reaches every socket: serialised once.
    assert len({id(s.messages[-1]) for s in sockets}) == 1
    for sub in subs:
        await hub.leave(key, sub)
    assert key not in hub.streams


async def test_a_lost_last_publish_arrives_from_the_log_without_any_later_event(layer, monkeypatch):
    """Nothing follows the lost event and nobody calls expect(): the head check finds it."""
    monkeypatch.setattr(hub_module, "HEAD_CHECK", 0.2)
    owner, board, column = await a_board()
    key = board.stream_key
    socket = Socket()
    sub = await joined(key, socket)
    monkeypatch.setattr(publish, "send_event", lambda *args: None)  # the publish is lost
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="perdue"
    )
    await socket.wait_for(1, timeout=3)
    assert socket.seqs() == [2]
    await get_hub().leave(key, sub)


async def test_events_published_while_redis_is_down_reach_the_sockets(monkeypatch, settings):
    """A real Redis server stops and comes back: the sockets still get every event."""
    from channels.layers import channel_layers

    from tests.servers import RedisServer

    monkeypatch.setattr(hub_module, "HEAD_CHECK", 0.5)
    redis = RedisServer().start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis.url]},
        }
    }
    channel_layers.backends = {}
    try:
        owner, board, column = await a_board()
        key = board.stream_key
        socket = Socket()
        sub = await joined(key, socket)
        # The change comes from another process: only the channel layer could bring it here.
        monkeypatch.setattr(publish, "_deliver_here", None)
        redis.stop()
        await db(services.create_card)(
            actor=owner, board_id=board.pk, column_id=column.pk, text="pendant la panne"
        )
        await socket.wait_for(1, timeout=5)
        assert socket.seqs() == [2]
        await get_hub().leave(key, sub)
    finally:
        redis.stop()


async def test_the_process_that_commits_delivers_to_its_sockets_without_the_layer(
    layer, monkeypatch
):
    """Its own sockets do not wait for the channel layer's copy (a Redis round trip away);
    the copy, when it comes, is not delivered twice."""
    owner, board, column = await a_board()
    key = board.stream_key
    socket = Socket()
    sub = await joined(key, socket)
    held: list[tuple] = []

    async def held_back(group, message):  # the layer's copy has not come back yet
        if group == group_name(key):
            held.append((group, message))

    channel_layer = get_channel_layer()
    monkeypatch.setattr(channel_layer, "group_send", held_back)
    await db(services.create_card)(
        actor=owner, board_id=board.pk, column_id=column.pk, text="tout de suite"
    )
    await socket.wait_for(1, timeout=hub_module.GAP_WAIT / 2)
    assert socket.seqs() == [2]
    monkeypatch.undo()
    ((group, message),) = held
    await channel_layer.group_send(group, message)
    await asyncio.sleep(0.1)
    assert socket.seqs() == [2]
    await get_hub().leave(key, sub)


async def test_frames_that_pile_up_leave_as_one_array_in_order(monkeypatch):
    monkeypatch.setattr(hub_module, "BATCH_FRAMES", 3)
    socket = Socket()
    sub = Subscription(send=socket.send, close=socket.close, person=None)
    sub.start(0)
    await asyncio.sleep(0)
    event = {seq: frame("board:1", seq)["frame"] for seq in range(1, 7)}
    sub.offer_event(1, event[1])
    await asyncio.sleep(0.01)  # a socket that keeps up: the frame alone
    for seq in range(2, 7):  # five frames before the socket's turn to write
        sub.offer_event(seq, event[seq])
    ack = '{"type":"ack","id":"a6","seq":6}'
    sub.send_after(6, ack)
    await asyncio.sleep(0.01)
    assert socket.messages == [
        event[1],
        f"[{event[2]},{event[3]},{event[4]}]",  # at most BATCH_FRAMES
        f"[{event[5]},{event[6]},{ack}]",
    ]
    sub.stop()


async def test_a_batch_stays_under_its_size_limit(monkeypatch):
    monkeypatch.setattr(hub_module, "BATCH_BYTES", 1000)
    socket = Socket()
    sub = Subscription(send=socket.send, close=socket.close, person=None)
    sub.start(0)
    await asyncio.sleep(0)
    small, big = '{"n":"' + "a" * 400 + '"}', '{"n":"' + "b" * 1200 + '"}'
    for text in (small, small, small, big, small):
        sub.put(text)
    await asyncio.sleep(0.01)
    assert socket.messages == [f"[{small},{small}]", small, big, small]
    assert all(len(m) <= 1000 for m in socket.messages if m.startswith("["))
    sub.stop()


async def test_a_failed_setup_of_a_stream_fails_only_the_socket_that_tried(monkeypatch):
    _owner, board, _column = await a_board()
    hub = get_hub()
    failures = []
    original = hub.layer.group_add

    async def group_add(group, channel):
        if not failures:  # Redis busy for a moment, once
            failures.append(group)
            await asyncio.sleep(0.05)  # the others arrive meanwhile and wait
            raise ConnectionError("Redis busy")
        return await original(group, channel)

    monkeypatch.setattr(hub.layer, "group_add", group_add)
    first, second, third = (
        Subscription(send=Socket().send, close=Socket().close, person=None) for _ in range(3)
    )
    outcomes = await asyncio.gather(
        *(hub.join(board.stream_key, sub) for sub in (first, second, third)),
        return_exceptions=True,
    )
    assert isinstance(outcomes[0], ConnectionError)
    assert outcomes[1:] == [None, None]  # the waiting ones set it up again themselves
    assert set(hub.streams[board.stream_key].subs) == {second.id, third.id}
    for sub in (second, third):
        await hub.leave(board.stream_key, sub)


async def test_a_socket_waiting_for_its_own_op_gets_the_next_event_first():
    owner, board, column = await a_board()
    key = board.stream_key
    order: list[str] = []

    class Named(Socket):
        def __init__(self, name):
            super().__init__()
            self.name = name

        async def send(self, text):
            order.append(self.name)
            await super().send(text)

    sockets = {name: Named(name) for name in ("a", "b", "author")}
    subs = {name: await joined(key, socket) for name, socket in sockets.items()}
    hub = get_hub()
    text = dumps({"type": "event", "stream": key, "seq": 2, "name": "x", "data": {}})
    hub.deliver_here(key, 2, Delivery(text))
    await sockets["author"].wait_for(1)
    assert order == ["a", "b", "author"]  # the order the sockets came in
    order.clear()
    with hub.answering(key, subs["author"]):
        text = dumps({"type": "event", "stream": key, "seq": 3, "name": "x", "data": {}})
        hub.deliver_here(key, 3, Delivery(text))
        await sockets["b"].wait_for(2)
    assert order == ["author", "a", "b"]
    assert hub.streams[key].authors == {}  # served first only while its op is applied
    assert all(socket.seqs() == [2, 3] for socket in sockets.values())


async def test_sockets_that_keep_up_are_written_without_a_task_each():
    tasks_before = len(asyncio.all_tasks())
    sockets = [Socket() for _ in range(50)]
    subs = [Subscription(send=s.send, close=s.close, person=None) for s in sockets]
    for sub in subs:
        sub.start(0)
    for seq in (1, 2):
        text = dumps({"type": "event", "stream": "board:1", "seq": seq, "name": "x", "data": {}})
        for sub in subs:
            sub.offer_event(seq, text)
        await asyncio.sleep(0)
        assert len(asyncio.all_tasks()) == tasks_before  # no writer task per socket
    assert all(socket.seqs() == [1, 2] for socket in sockets)
    assert all(len(socket.messages) == 2 for socket in sockets)  # each event as it came
    for sub in subs:
        sub.stop()


class Backpressure(Socket):
    """A server whose send waits while the socket's buffer is full (uvicorn's does)."""

    def __init__(self):
        super().__init__()
        self.full = asyncio.Event()
        self.waited = 0

    async def send(self, text: str):
        if not self.full.is_set():
            self.waited += 1
            await self.full.wait()
        await super().send(text)


async def test_a_send_that_waits_is_finished_by_a_task_and_what_came_meanwhile_follows():
    socket = Backpressure()
    other = Socket()
    sub = Subscription(send=socket.send, close=socket.close, person=None)
    fast = Subscription(send=other.send, close=other.close, person=None)
    sub.start(0)
    fast.start(0)
    events = {n: dumps({"type": "event", "seq": n}) for n in range(1, 5)}
    sub.offer_event(1, events[1])
    fast.offer_event(1, events[1])
    await asyncio.sleep(0.01)
    assert socket.messages == [] and other.seqs() == [1]  # one slow socket holds up no other
    for n in (2, 3, 4):
        sub.offer_event(n, events[n])
    sub.send_after(4, '{"type":"ack","id":"a","seq":4}')
    await asyncio.sleep(0.01)
    assert socket.waited == 1  # the frames queue behind the waiting send
    socket.full.set()
    await socket.wait_for(4)
    assert socket.messages == [
        events[1],
        f'[{events[2]},{events[3]},{events[4]},{{"type":"ack","id":"a","seq":4}}]',
    ]
    assert sub._finishing is None  # the task ends with the queue
    sub.offer_event(5, dumps({"type": "event", "seq": 5}))
    await socket.wait_for(5)
    assert socket.seqs() == [1, 2, 3, 4, 5]
    sub.stop()
    fast.stop()


async def test_stopping_a_socket_cancels_the_send_it_waits_on():
    cancelled = asyncio.Event()

    async def send(text: str):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    sub = Subscription(send=send, close=Socket().close, person=None)
    sub.start(0)
    sub.put('{"type":"event","seq":1}')
    await asyncio.sleep(0.01)
    sub.stop()
    await asyncio.wait_for(cancelled.wait(), 1)


@pytest.mark.parametrize("waits_first", [False, True])
async def test_a_socket_that_fails_to_send_is_marked_closed(waits_first):
    async def send(text: str):
        if waits_first:
            await asyncio.sleep(0)
        raise ConnectionResetError("gone")

    sub = Subscription(send=send, close=Socket().close, person=None)
    sub.start(0)
    sub.put('{"type":"event","seq":1}')
    await asyncio.sleep(0.01)
    assert sub.closed
    sub.put('{"type":"event","seq":2}')  # later frames are dropped, nothing raised
    assert not sub._queue


async def test_each_socket_sends_in_the_context_of_whoever_started_it():
    consumer = contextvars.ContextVar("consumer")
    seen: dict[str, str] = {}

    def started(name: str) -> Subscription:
        async def send(text: str):
            seen[name] = consumer.get("none")

        consumer.set(name)
        sub = Subscription(send=send, close=Socket().close, person=None)
        sub.start(0)
        return sub

    subs = [contextvars.copy_context().run(started, name) for name in ("a", "b")]
    consumer.set("the one delivering")
    for sub in subs:
        sub.put('{"type":"event","seq":1}')
    await asyncio.sleep(0)
    assert seen == {"a": "a", "b": "b"}
