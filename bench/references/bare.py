"""The ceiling: a bare `websockets` broadcast server, no Django, no rights, no persistence.

An editor's frame `{"op": ..., "id": ..., "data": ...}` is broadcast to every socket as an
event frame of the same size as the app's, serialised once.
"""

import asyncio
import json
import sys
import time

from websockets.asyncio.server import broadcast, serve

clients = set()
seq = 0


async def handler(socket):
    global seq
    clients.add(socket)
    await socket.send(json.dumps({"type": "hello", "seq": seq}))
    try:
        async for message in socket:
            frame = json.loads(message)
            if frame.get("op") == "ping":
                continue
            seq += 1
            event = {
                "type": "event",
                "stream": "board:1",
                "seq": seq,
                "name": "card.updated",
                "data": frame.get("data"),
                "actor": {"id": 1, "name": "Participant"},
                "at": time.time(),
                "op": frame.get("id"),
            }
            broadcast(clients, json.dumps(event, separators=(",", ":")))
            await socket.send(json.dumps({"type": "ack", "id": frame.get("id"), "seq": seq}))
    finally:
        clients.discard(socket)


async def main(port: int):
    async with serve(handler, "127.0.0.1", port, max_queue=None, compression=None):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
