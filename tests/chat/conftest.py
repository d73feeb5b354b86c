import contextlib
import json

import pytest

from chat import services
from chat.models import RoomKind
from realtime import publish
from tests.factories import make_project, make_user
from tests.realtime.conftest import Client, layer  # noqa: F401  (the fixture, for chat sockets)


@pytest.fixture
def published(monkeypatch):
    """The event frames actually published (after commit), decoded, in order."""
    frames: list[dict] = []

    def record(key, seq, delivery):
        if not key.startswith("activity:"):  # the moderators' lines are tested on their own
            frames.append(json.loads(delivery.frame))

    monkeypatch.setattr(publish, "send_event", record)
    return frames


def make_scene():
    """Awa owns a project with Bruno in the team; Chloé is a member of the site, not the team."""
    awa, bruno, chloe = make_user("Awa"), make_user("Bruno"), make_user("Chloé")
    project = make_project(awa, title="Repair Café", members=[bruno])
    team = services.get_or_create_room(project=project, kind=RoomKind.TEAM)
    open_room = services.get_or_create_room(project=project, kind=RoomKind.OPEN)
    return {
        "awa": awa,
        "bruno": bruno,
        "chloe": chloe,
        "project": project,
        "team": team,
        "open": open_room,
    }


@pytest.fixture
async def chat_client():
    clients: list[Client] = []

    def make(room, user=None, *, query: str = ""):
        client = Client(f"/ws/chat/{getattr(room, 'pk', room)}/{query}", user)
        clients.append(client)
        return client

    yield make
    for client in clients:
        with contextlib.suppress(Exception):  # already closed by the test or by the server
            await client.close()
