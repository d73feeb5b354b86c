"""Sockets know who is behind them from the Django session cookie, checked like a page would."""

import pytest
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from tests.factories import make_board, make_user, session_key_for
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


async def hello_with_cookie(board, cookie: str | None):
    headers = [(b"origin", b"http://localhost")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    ws = WebsocketCommunicator(application, f"/ws/boards/{board.pk}/", headers=headers)
    assert (await ws.connect())[0]
    hello = await ws.receive_json_from()
    await ws.disconnect()
    return hello


@db
def member_with_session():
    user = make_user("Awa")
    return user, make_board(user), session_key_for(user)


async def test_the_session_cookie_signs_the_socket_in():
    user, board, key = await member_with_session()
    hello = await hello_with_cookie(board, f"csrftoken=x; sessionid={key}")
    assert hello["me"]["id"] == user.pk
    assert hello["me"]["can_moderate"] is True


@pytest.mark.parametrize("cookie", [None, "sessionid=not-a-session", "other=1"])
async def test_no_valid_session_is_an_anonymous_reader(cookie):
    user, board, key = await member_with_session()
    hello = await hello_with_cookie(board, cookie)
    assert hello["me"]["id"] is None
    assert hello["me"]["can_write"] is False


async def test_a_session_from_before_a_password_change_is_refused():
    user, board, key = await member_with_session()

    @db
    def change_password():
        user.set_password("un-tout-nouveau-mot-de-passe")
        user.save()

    await change_password()
    hello = await hello_with_cookie(board, f"sessionid={key}")
    assert hello["me"]["id"] is None
