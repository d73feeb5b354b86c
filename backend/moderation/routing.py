from django.urls import path

from backend.moderation.consumers import ActivityConsumer

websocket_urlpatterns = [path("ws/activity/", ActivityConsumer.as_asgi())]
