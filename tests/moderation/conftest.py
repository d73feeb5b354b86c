from boards import services as board_services
from chat import services as chat_services
from chat.models import RoomKind
from tests.factories import make_board, make_project, make_territory, make_user
from tests.realtime.conftest import board_client, layer  # noqa: F401  (fixtures for sockets)


def make_scene():
    """Awa's project (Sceaux) with a board and an open discussion; Chloé writes in both;
    Modé moderates Sceaux, Autre moderates Antony."""
    awa, chloe = make_user("Awa"), make_user("Chloé")
    moderator = make_user("Modé", moderator=True)
    elsewhere = make_user("Autre", moderator=True)
    elsewhere.territory = make_territory("Antony")
    elsewhere.save(update_fields=["territory"])
    project = make_project(awa, title="Repair Café")
    board = make_board(awa, project=project)
    column = board.columns.order_by("position").first()
    card = board_services.create_card(
        actor=chloe, board_id=board.pk, column_id=column.pk, text="Un texte à cacher"
    ).result
    room = chat_services.get_or_create_room(project=project, kind=RoomKind.OPEN)
    message = chat_services.send_message(
        actor=chloe, room_id=room.pk, text="Un message à cacher"
    ).result
    return {
        "awa": awa,
        "chloe": chloe,
        "moderator": moderator,
        "elsewhere": elsewhere,
        "project": project,
        "board": board,
        "column": column,
        "card": card,
        "room": room,
        "message": message,
    }
