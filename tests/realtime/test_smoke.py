import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from tests.factories import make_board, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def _setup():
    owner = make_user("Awa")
    board = make_board(owner)
    return owner, board, board.columns.first()


async def test_two_clients(client):
    owner, board, column = await database_sync_to_async(_setup)()
    from channels.auth import login  # noqa

    a = WebsocketCommunicator(
        application, f"/ws/boards/{board.pk}/", headers=[(b"origin", b"http://localhost")]
    )
    a.scope["user"] = owner
    ok, _ = await a.connect()
    assert ok
    hello = await a.receive_json_from()
    print(hello)
    assert hello["type"] == "hello"
    await a.send_json_to(
        {"op": "card.create", "id": "x1", "data": {"column": column.pk, "text": "hi"}}
    )
    ev = await a.receive_json_from(timeout=2)
    print(ev)
    ack = await a.receive_json_from(timeout=2)
    print(ack)
    await a.disconnect()
