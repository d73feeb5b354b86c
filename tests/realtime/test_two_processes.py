"""Two real daphne processes sharing a real Redis: one board, one stream, one presence list."""

import asyncio
import json
from collections import deque

import pytest
from websockets.asyncio.client import connect

from tests.factories import make_board, make_user, session_key_for
from tests.frames import unbatch
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


@db
def scene():
    owner, citizen = make_user("Awa"), make_user("Chloé")
    board = make_board(owner)
    return {
        "board": board,
        "column": board.columns.order_by("position").first(),
        "owner": session_key_for(owner),
        "citizen": session_key_for(citizen),
    }


def socket(server, board, session, query=""):
    return connect(
        f"{server.ws_url}/ws/boards/{board.pk}/{query}",
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={session}"},
        open_timeout=10,
    )


_pending: dict[int, deque] = {}  # frames of a batch not read yet, per socket


async def next_frame(ws, kind, name=None, timeout=5):
    pending = _pending.setdefault(id(ws), deque())
    async with asyncio.timeout(timeout):
        while True:
            if not pending:
                pending.extend(unbatch(await ws.recv()))
            frame = pending.popleft()
            if frame["type"] == kind and (name is None or frame.get("name") == name):
                return frame


async def test_a_card_created_through_one_process_reaches_a_client_of_the_other(
    daphne_factory, redis_server
):
    s = await scene()
    first = daphne_factory(redis_url=redis_server.url)
    second = daphne_factory(redis_url=redis_server.url)
    board = s["board"]
    async with socket(first, board, s["owner"]) as a, socket(second, board, s["citizen"]) as b:
        hello_a, hello_b = json.loads(await a.recv()), json.loads(await b.recv())
        assert hello_a["seq"] == hello_b["seq"] == 1
        assert hello_b["me"]["name"] == "Chloé"

        # Presence is one list across both processes.
        async with asyncio.timeout(10):
            while True:
                presence = await next_frame(b, "signal", "presence")
                if {p["name"] for p in presence["data"]["people"]} == {"Awa", "Chloé"}:
                    break

        await a.send(
            json.dumps(
                {
                    "op": "card.create",
                    "id": "cross-1",
                    "data": {"column": s["column"].pk, "text": "Un repair café"},
                }
            )
        )
        event = await next_frame(b, "event")
        assert (event["seq"], event["name"], event["op"]) == (2, "card.created", "cross-1")
        assert event["data"]["card"]["text"] == "Un repair café"
        ack = await next_frame(a, "ack")
        assert ack == {"type": "ack", "id": "cross-1", "seq": 2, "status": "applied"}

    # Resume works whichever process the client comes back to.
    async with socket(first, board, s["owner"]) as a:
        await next_frame(a, "hello")
        await a.send(
            json.dumps(
                {
                    "op": "card.create",
                    "id": "cross-2",
                    "data": {"column": s["column"].pk, "text": "Pendant ce temps"},
                }
            )
        )
        await next_frame(a, "ack")
    query = f"?since=2&epoch={hello_b['epoch']}"
    async with socket(first, board, s["citizen"], query) as b:
        hello = await next_frame(b, "hello")
        assert hello["replay"] is True
        missed = await next_frame(b, "event")
        assert (missed["seq"], missed["data"]["card"]["text"]) == (3, "Pendant ce temps")
