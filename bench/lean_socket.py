"""A lean WebSocket client for the load generator: its hundreds of readers, and its editors.

With the `websockets` client, each frame read cost the load generator ~40 µs of its core:
the frame parser's generators, the message assembler, a queue and a task woken per message.
At 50 edits a second to 500 readers that is 25,000 frames a second, more than the load
generator's core could parse: it timed its own backlog, not the server's (the bare
broadcast server's p99 was ~290 ms there, with the load generator 98% busy). This client
parses frames straight from the bytes in `data_received` and hands each text message to a
callback with the time its bytes came in. The editors use it too: their acks are timed the
same way, not after a task of their own is woken behind the readers' frames.

It speaks RFC 6455 as a client must: a real opening handshake (its accept key checked),
masked frames from the client, pongs to the server's pings, the closing handshake both ways,
fragmented messages put together. No extensions are asked for, so none can be used.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CONTINUATION, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
MAX_HEADER = 64 * 1024


class HandshakeFailed(Exception):
    pass


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (client frames are masked), with FIN set."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
    key = (mask * (size // 4 + 1))[:size]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(size, "big")
    return header + mask + body


class LeanSocket(asyncio.Protocol):
    """`await LeanSocket.open(url, origin, session, on_message)`; `on_message(text, now)`
    is called for every text message; `send(text)` writes one; `close_code` once the
    connection is over."""

    def __init__(self, url: str, origin: str, session: str | None, on_message: Callable):
        self.url = urlsplit(url)
        self.origin, self.session, self.on_message = origin, session, on_message
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.binary = False
        self.is_open = False
        self.close_code: int | None = None
        self.error: str | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future = loop.create_future()
        self.closed: asyncio.Future = loop.create_future()

    @classmethod
    async def open(
        cls, url: str, origin: str, session: str | None, on_message: Callable, timeout: float = 60
    ) -> LeanSocket:
        parts = urlsplit(url)
        loop = asyncio.get_running_loop()
        _transport, socket = await asyncio.wait_for(
            loop.create_connection(
                lambda: cls(url, origin, session, on_message), parts.hostname, parts.port or 80
            ),
            timeout,
        )
        await asyncio.wait_for(asyncio.shield(socket.opened), timeout)
        return socket

    # The opening handshake --------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        host = self.url.netloc
        lines = [
            f"GET {self.url.path or '/'} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {self.origin}",
        ]
        if self.session:
            lines.append(f"Cookie: sessionid={self.session}")
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def _handshake(self) -> bool:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEADER:
                self._fail(HandshakeFailed("response headers too long"))
            return False
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        status = head[0].split(" ", 2)
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(hashlib.sha1(self.key.encode() + GUID).digest()).decode()
        if len(status) < 2 or status[1] != "101":
            self._fail(HandshakeFailed(f"server answered {head[0]!r}"))
            return False
        if headers.get("sec-websocket-accept") != accept:
            self._fail(HandshakeFailed("wrong Sec-WebSocket-Accept"))
            return False
        if headers.get("sec-websocket-extensions"):
            self._fail(HandshakeFailed("an extension nobody asked for"))
            return False
        self.is_open = True
        self.opened.set_result(None)
        return True

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        self.transport.abort()

    # Frames -----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        buffer = self.buffer
        buffer += data
        if not self.is_open and not self._handshake():
            return
        start, size = 0, len(buffer)
        while size - start >= 2:
            first, second = buffer[start], buffer[start + 1]
            length, offset = second & 0x7F, start + 2
            if second & 0x80:
                self._protocol_error("a masked frame from the server")
                return
            if length == 126:
                if size - offset < 2:
                    break
                (length,) = struct.unpack_from("!H", buffer, offset)
                offset += 2
            elif length == 127:
                if size - offset < 8:
                    break
                (length,) = struct.unpack_from("!Q", buffer, offset)
                offset += 8
            if size - offset < length:
                break
            payload = bytes(buffer[offset : offset + length])
            start = offset + length
            self._on_frame(first & 0x80, first & 0x0F, payload, now)
            if self.transport is None or self.transport.is_closing():
                break
        del buffer[:start]

    def _on_frame(self, fin: int, opcode: int, payload: bytes, now: float) -> None:
        if opcode in (TEXT, BINARY, CONTINUATION):
            if opcode != CONTINUATION:
                self.fragments = [payload]
                self.binary = opcode == BINARY
            else:
                self.fragments.append(payload)
            if fin:
                message, self.fragments = b"".join(self.fragments), []
                if not self.binary:
                    self.on_message(message.decode("utf-8"), now)
        elif opcode == PING:
            self.transport.write(masked_frame(PONG, payload))
        elif opcode == CLOSE:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
            if self.close_code is None:
                self.close_code = code
                self.transport.write(masked_frame(CLOSE, payload[:2]))
            self.transport.close()
        elif opcode != PONG:
            self._protocol_error(f"unknown opcode {opcode}")

    def _protocol_error(self, reason: str) -> None:
        self.error, self.close_code = reason, 1002
        self.transport.write(masked_frame(CLOSE, struct.pack("!H", 1002)))
        self.transport.close()

    def connection_lost(self, exc) -> None:
        if self.close_code is None:
            self.close_code = 1006  # gone without a closing handshake
        if not self.opened.done():
            self.opened.set_exception(exc or HandshakeFailed("connection closed"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def send(self, text: str) -> None:
        """A text message to the server (the editors' ops), written at once."""
        self.transport.write(masked_frame(TEXT, text.encode("utf-8")))

    async def close(self, code: int = 1000) -> None:
        """The closing handshake: send ours, wait for the server's and the end of TCP."""
        if self.transport is not None and not self.transport.is_closing():
            if self.close_code is None:
                self.close_code = code
                self.transport.write(masked_frame(CLOSE, struct.pack("!H", code)))
            try:
                await asyncio.wait_for(asyncio.shield(self.closed), 5)
            except TimeoutError:
                self.transport.abort()
