"""What most projects ship: the Channels tutorial's pattern, served by the same daphne.

Each socket joins a group with its own channel-layer queue; every event is a `group_send`,
and each consumer serialises it again with `self.send(json.dumps(...))`. Its layer gets a
large capacity so that it is measured on speed, not on the messages it would drop.

    daphne bench.references.tutorial:application
"""

import json
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django

django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402

settings.CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 100_000}}
}
SEQ = 0


class TutorialConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add("room", self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "hello", "seq": SEQ}))

    async def disconnect(self, code):
        await self.channel_layer.group_discard("room", self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        global SEQ
        frame = json.loads(text_data)
        if frame.get("op") == "ping":
            return
        SEQ += 1
        event = {
            "type": "event",
            "stream": "board:1",
            "seq": SEQ,
            "name": "card.updated",
            "data": frame.get("data"),
            "actor": {"id": 1, "name": "Participant"},
            "at": time.time(),
            "op": frame.get("id"),
        }
        await self.channel_layer.group_send("room", {"type": "room.event", "event": event})
        await self.send(text_data=json.dumps({"type": "ack", "id": frame.get("id"), "seq": SEQ}))

    async def room_event(self, message):
        await self.send(text_data=json.dumps(message["event"]))


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/boards/<int:board_id>/", TutorialConsumer.as_asgi())])}
)
