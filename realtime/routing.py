"""All WebSocket routes, gathered from the feature apps' routing modules."""

from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator

from backend.moderation.routing import websocket_urlpatterns as moderation_routes
from backend.workshops.routing import websocket_urlpatterns as workshop_routes
from boards.routing import websocket_urlpatterns as board_routes
from chat.routing import websocket_urlpatterns as chat_routes
from notifications.routing import websocket_urlpatterns as notification_routes
from realtime.auth import SocketSessionAuth

websocket_urlpatterns = [
    *board_routes,
    *chat_routes,
    *notification_routes,
    *workshop_routes,
    *moderation_routes,
]


def websocket_application():
    # The Origin must match ALLOWED_HOSTS; the session cookie says who is connecting.
    return AllowedHostsOriginValidator(SocketSessionAuth(URLRouter(websocket_urlpatterns)))
