"""A banned member stops reading at once: every socket they have open (a board, a chat) is
closed with 4401 once the ban commits, on every process; another person's stays open. Until
the close arrives, any op they send through an open socket is refused."""

import pytest
from django.contrib.auth import get_user_model

from backend.moderation import services
from chat import services as chat_services
from chat.models import RoomKind
from tests.factories import make_board, make_project, make_user
from tests.realtime.conftest import Client, db

pytestmark = pytest.mark.django_db(transaction=True)


@db
def scene():
    awa, chloe, denis = make_user("Awa"), make_user("Chloé"), make_user("Denis")
    moderator = make_user("Modé", moderator=True)
    project = make_project(awa)
    board = make_board(awa, project=project)
    column = board.columns.order_by("position").first()
    room = chat_services.get_or_create_room(project=project, kind=RoomKind.OPEN)
    return chloe, denis, moderator, board, column, room


def sockets(board, room, *people):
    return [
        client
        for person in people
        for client in (
            Client(f"/ws/boards/{board.pk}/", person),
            Client(f"/ws/chat/{room.pk}/", person),
        )
    ]


@pytest.mark.usefixtures("layer")  # the in-process layer, and Redis as between processes
async def test_a_ban_closes_every_socket_of_the_banned_member_and_no_other():
    chloe, denis, moderator, board, column, room = await scene()
    chloe_board, chloe_chat, denis_board, denis_chat = sockets(board, room, chloe, denis)
    for client in (chloe_board, chloe_chat, denis_board, denis_chat):
        await client.connect()
    try:
        await db(services.ban_member)(actor=moderator, user_id=chloe.pk, reason="Insultes")
        assert await chloe_board.closed_with() == 4401
        assert await chloe_chat.closed_with() == 4401
        assert await denis_board.nothing() and await denis_chat.nothing()
        await denis_board.op("card.create", {"column": column.pk, "text": "Toujours là"}, "d-1")
        _, ack = await denis_board.receive_until("ack")
        assert ack["status"] == "applied"
    finally:
        for client in (denis_board, denis_chat):
            await client.close()


async def test_an_op_of_a_banned_member_is_refused_before_the_close_arrives():
    chloe, denis, moderator, board, column, room = await scene()
    board_socket, chat_socket = sockets(board, room, chloe)
    await board_socket.connect()
    await chat_socket.connect()
    # The account is closed, the sockets not yet (as between the commit and the close).
    await db(get_user_model().objects.filter(pk=chloe.pk).update)(is_active=False)
    try:
        await board_socket.op("card.create", {"column": column.pk, "text": "Encore"}, "c-1")
        _, error = await board_socket.receive_until("error")
        assert error["code"] == "forbidden"
        for op, data in (("message.send", {"text": "Encore"}), ("read", {"seq": 0})):
            await chat_socket.op(op, data, f"c-{op}")
            _, error = await chat_socket.receive_until("error")
            assert error["code"] == "forbidden", op
    finally:
        for client in (board_socket, chat_socket):
            await client.close()
    assert await db(board.cards.count)() == 0
