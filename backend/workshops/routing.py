from django.urls import path

from backend.workshops.consumers import ConsoleConsumer

websocket_urlpatterns = [
    path("ws/ateliers/<int:workshop_id>/console/", ConsoleConsumer.as_asgi()),
]
