import contextlib
from collections import deque

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from tests.frames import unbatch


@pytest.fixture(params=["memory", "redis"])
def layer(request):
    """Run the test on the in-process layer and on the channels-redis pub/sub layer."""
    if request.param == "redis":
        request.getfixturevalue("redis_layer")
    return request.param


class Client:
    """A WebsocketCommunicator on a board, with the helpers the tests need."""

    def __init__(self, path: str, user=None, origin: bytes = b"http://localhost", session_key=None):
        """`user` set on the scope as tests do, or `session_key` sent as a browser's cookie."""
        headers = [(b"origin", origin)] if origin else []
        if session_key:
            headers.append((b"cookie", f"sessionid={session_key}".encode()))
        self.ws = WebsocketCommunicator(application, path, headers=headers)
        if user is not None:
            self.ws.scope["user"] = user
        self.pending: deque[dict] = deque()

    async def connect(self):
        connected, _ = await self.ws.connect(timeout=5)
        assert connected
        return await self.receive()

    async def receive(self, timeout: float = 3):
        if not self.pending:
            self.pending.extend(unbatch(await self.ws.receive_from(timeout=timeout)))
        return self.pending.popleft()

    async def receive_until(self, kind: str, *, name: str | None = None, timeout: float = 3):
        """Frames until one of `kind` (and signal/event `name`); returns (skipped, frame)."""
        skipped = []
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == kind and (name is None or frame.get("name") == name):
                return skipped, frame
            skipped.append(frame)

    async def op(self, op: str, data: dict, op_id: str):
        await self.ws.send_json_to({"op": op, "id": op_id, "data": data})

    async def send_text(self, text: str):
        await self.ws.send_to(text_data=text)

    async def nothing(self, timeout: float = 0.3) -> bool:
        """True when no frame but ephemeral signals arrives within `timeout`."""
        # receive_nothing, unlike a receive that times out, leaves the application running.
        while self.pending or not await self.ws.receive_nothing(timeout=timeout):
            frame = await self.receive()
            if frame["type"] != "signal":
                return False
        return True

    async def closed_with(self, timeout: float = 3) -> int:
        while True:
            message = await self.ws.receive_output(timeout)
            if message["type"] == "websocket.close":
                return message.get("code")

    async def close(self):
        await self.ws.disconnect()


@pytest.fixture
async def board_client():
    clients: list[Client] = []

    def make(board, user=None, *, query: str = "", origin: bytes = b"http://localhost"):
        client = Client(f"/ws/boards/{board.pk}/{query}", user, origin)
        clients.append(client)
        return client

    yield make
    for client in clients:
        with contextlib.suppress(Exception):  # already closed by the test or by the server
            await client.close()


db = database_sync_to_async
