"""Two real daphne processes sharing a real Redis and one database: any process serves any
client. A session opened through one is valid on the other, an edit through one reaches
clients of the other, presence is one list, and a client resumes on either process.

Runs on SQLite in the default run and on PostgreSQL in `make test-postgres`."""

import asyncio
import http.cookiejar
import json
import re
import urllib.request
import weakref
from collections import deque
from urllib.parse import urlencode

import pytest
from websockets.asyncio.client import connect

from tests.factories import PASSWORD, make_board, make_user, session_key_for
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
        "citizen": citizen,
    }


def sign_in(server, username: str) -> str:
    """Sign in through the sign-in page of `server`, as a browser does; the session's key."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = browser.open(f"{server.url}/connexion/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    form = {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
    browser.open(f"{server.url}/connexion/", data=urlencode(form).encode(), timeout=10)
    return {cookie.name: cookie.value for cookie in jar}["sessionid"]


def page(server, path: str, session: str) -> str:
    request = urllib.request.Request(
        f"{server.url}{path}", headers={"Cookie": f"sessionid={session}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def socket(server, board, session, query=""):
    return connect(
        f"{server.ws_url}/ws/boards/{board.pk}/{query}",
        origin=server.url,
        additional_headers={"Cookie": f"sessionid={session}"},
        open_timeout=10,
    )


# Per socket (weakly: a closed socket's id may be a new one's): the frames of a batch not read
# yet, and the last presence it received, even while waiting for another frame (a presence
# frame is who is here now, and may come before the ack being waited for).
_pending: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_presence: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def next_frame(ws, kind, name=None, timeout=5):
    pending = _pending.setdefault(ws, deque())
    async with asyncio.timeout(timeout):
        while True:
            if not pending:
                pending.extend(unbatch(await ws.recv()))
            frame = pending.popleft()
            if frame["type"] == "signal" and frame.get("name") == "presence":
                _presence[ws] = {p["name"] for p in frame["data"]["people"]}
            if frame["type"] == kind and (name is None or frame.get("name") == name):
                return frame


async def people_become(ws, names: set[str]) -> None:
    async with asyncio.timeout(10):
        while _presence.get(ws) != names:
            await next_frame(ws, "signal", "presence", timeout=10)


async def create_card(ws, op_id: str, column, text: str) -> dict:
    data = {"column": column.pk, "text": text}
    await ws.send(json.dumps({"op": "card.create", "id": op_id, "data": data}))
    return await next_frame(ws, "ack")


async def test_two_processes_serve_one_board(daphne_factory, redis_server):
    s = await scene()
    first = daphne_factory(redis_url=redis_server.url)
    second = daphne_factory(redis_url=redis_server.url)
    board, column = s["board"], s["column"]

    # Signed in through the first process, signed in on the second: one session table.
    citizen = sign_in(first, s["citizen"].username)
    home = page(second, "/", citizen)
    assert 'action="/deconnexion/"' in home and "Chloé" in home

    async with socket(first, board, s["owner"]) as a:
        async with socket(second, board, citizen) as b:
            hello_a, hello_b = await next_frame(a, "hello"), await next_frame(b, "hello")
            assert hello_a["seq"] == hello_b["seq"] == 1
            assert hello_b["me"]["name"] == "Chloé"

            # Presence is one list across both processes, seen the same from each.
            await people_become(a, {"Awa", "Chloé"})
            await people_become(b, {"Awa", "Chloé"})

            # An edit through the first process reaches the client of the second.
            ack = await create_card(a, "cross-1", column, "Un repair café")
            assert ack == {"type": "ack", "id": "cross-1", "seq": 2, "status": "applied"}
            event = await next_frame(b, "event")
            assert (event["seq"], event["name"], event["op"]) == (2, "card.created", "cross-1")
            assert event["data"]["card"]["text"] == "Un repair café"

        # Chloé left the second process: the first one's list loses her.
        await people_become(a, {"Awa"})

        # While she is away, one edit through each process.
        assert (await create_card(a, "away-1", column, "Par le premier"))["seq"] == 3
        async with socket(second, board, s["owner"]) as a2:
            await next_frame(a2, "hello")
            assert (await create_card(a2, "away-2", column, "Par le second"))["seq"] == 4

            # She comes back to the other process and resumes: what she missed, in order,
            # then live events from the process she was on.
            query = f"?since=2&epoch={hello_b['epoch']}"
            async with socket(first, board, citizen, query) as b:
                hello = await next_frame(b, "hello")
                assert (hello["replay"], "state" in hello) == (True, False)
                missed = [await next_frame(b, "event") for _ in range(2)]
                assert [(e["seq"], e["data"]["card"]["text"]) for e in missed] == [
                    (3, "Par le premier"),
                    (4, "Par le second"),
                ]
                await create_card(a2, "back-1", column, "De retour")
                live = await next_frame(b, "event")
                assert (live["seq"], live["op"]) == (5, "back-1")
                await people_become(a2, {"Awa", "Chloé"})
