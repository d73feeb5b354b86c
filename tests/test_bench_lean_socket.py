"""The load generator's lean WebSocket client (bench/lean_socket.py) against a real
`websockets` server: what it reads is what was sent, and it keeps a client's side of the
protocol."""

import asyncio

import pytest
from websockets.asyncio.server import serve
from websockets.frames import Frame, Opcode
from websockets.http11 import Response

from bench.lean_socket import HandshakeFailed, LeanSocket


async def serving(handler, **kwargs):
    server = await serve(handler, "127.0.0.1", 0, compression=None, **kwargs)
    port = server.sockets[0].getsockname()[1]
    return server, f"ws://127.0.0.1:{port}/ws/boards/1/", f"http://127.0.0.1:{port}"


async def test_it_reads_every_message_whole_and_answers_pings():
    seen = {}
    big = "é" * 70_000  # past the 16- and 64-bit length forms, multi-byte characters

    async def handler(socket):
        seen["path"] = socket.request.path
        seen["cookie"] = socket.request.headers.get("Cookie")
        seen["origin"] = socket.request.headers.get("Origin")
        await socket.send("hello")
        await socket.send(big)
        await socket.send(["frag", "mented"])  # a message in three frames
        await socket.send(b"\x00binary")  # not text: not handed over
        pong = await socket.ping(b"are you there")
        seen["pong"] = await asyncio.wait_for(pong, 5)
        await socket.send("last")
        await socket.close(4008)

    server, url, origin = await serving(handler)
    got = []
    async with server:
        reader = await LeanSocket.open(url, origin, "abc", lambda text, now: got.append(text))
        assert await asyncio.wait_for(reader.closed, 5) == 4008
    assert got == ["hello", big, "fragmented", "last"]
    assert seen["path"] == "/ws/boards/1/" and seen["cookie"] == "sessionid=abc"
    assert seen["origin"] == origin
    assert seen["pong"] is not None  # the server's ping got its pong
    assert reader.close_code == 4008


async def test_many_frames_in_one_read_share_its_time_and_keep_their_order():
    async def handler(socket):
        for n in range(500):
            await socket.send(f"frame {n}")
        await socket.wait_closed()

    server, url, origin = await serving(handler)
    got = []
    async with server:
        reader = await LeanSocket.open(url, origin, None, lambda text, now: got.append(now))
        for _ in range(100):
            if len(got) == 500:
                break
            await asyncio.sleep(0.05)
        await reader.close()
    assert len(got) == 500 and got == sorted(got)
    assert len(set(got)) < 500  # frames that came in one read were parsed in one go
    assert reader.close_code == 1000


async def test_its_closing_handshake_is_the_server_s_normal_close():
    closed = {}

    async def handler(socket):
        await socket.wait_closed()
        closed["code"] = socket.close_code

    server, url, origin = await serving(handler)
    async with server:
        reader = await LeanSocket.open(url, origin, None, lambda text, now: None)
        await reader.close()
        for _ in range(50):
            if closed:
                break
            await asyncio.sleep(0.02)
    assert closed == {"code": 1000}


async def test_a_refused_handshake_or_a_wrong_accept_key_fails_the_open():
    def refuse(connection, request):
        return connection.respond(403, "Origin refusée\n")

    server, url, origin = await serving(lambda socket: socket.wait_closed(), process_request=refuse)
    async with server:
        with pytest.raises(HandshakeFailed, match="403"):
            await LeanSocket.open(url, origin, None, lambda text, now: None, timeout=5)

    def wrong_key(connection, request, response: Response):
        response.headers["Sec-WebSocket-Accept"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="

    server, url, origin = await serving(
        lambda socket: socket.wait_closed(), process_response=wrong_key
    )
    async with server:
        with pytest.raises(HandshakeFailed, match="Accept"):
            await LeanSocket.open(url, origin, None, lambda text, now: None, timeout=5)


async def test_a_masked_frame_from_the_server_is_a_protocol_error():
    async def handler(socket):
        # What no server may send: a masked frame (written to the transport by hand).
        frame = Frame(Opcode.TEXT, b"masked")
        socket.transport.write(frame.serialize(mask=True))
        await socket.wait_closed()

    server, url, origin = await serving(handler)
    got = []
    async with server:
        reader = await LeanSocket.open(url, origin, None, lambda text, now: got.append(text))
        code = await asyncio.wait_for(reader.closed, 5)
    assert got == [] and code == 1002 and reader.error == "a masked frame from the server"


async def test_what_it_sends_the_server_reads_as_sent():
    received = []

    async def handler(socket):
        async for message in socket:
            received.append(message)
            if len(received) == 3:
                await socket.close()

    server, url, origin = await serving(handler)
    texts = ["un", "é" * 200, "x" * 70_000]  # each length form, masked as a client must
    async with server:
        socket = await LeanSocket.open(url, origin, None, lambda text, now: None)
        for text in texts:
            socket.send(text)
        assert await asyncio.wait_for(socket.closed, 5) == 1000
    assert received == texts
