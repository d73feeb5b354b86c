"""`/ws/notifications/`: a member's own notifications, live in every tab."""

from __future__ import annotations

from notifications import services
from notifications.models import Notification
from realtime import protocol
from realtime.consumers import StreamConsumer, StreamRefused
from realtime.protocol import ID
from realtime.streams import Applied

LATEST = 10


class NotificationConsumer(StreamConsumer):
    op_schemas = {
        "notification.read": {"id": ID},
        "notification.read_all": {},
    }

    def authorize(self) -> str:
        if self.person is None:
            raise StreamRefused(protocol.CLOSE_UNAUTHENTICATED)
        return services.stream_key(self.user.pk)

    def snapshot(self) -> dict:
        latest = Notification.objects.filter(user=self.user)[:LATEST]
        return {
            "unread": services.unread_count(self.user),
            "latest": [services.notification_data(n) for n in latest],
        }

    def op_notification_read(self, data: dict, op_id: str) -> Applied:
        return services.mark_read(actor=self.user, notification_ids=[data["id"]], op_id=op_id)

    def op_notification_read_all(self, data: dict, op_id: str) -> Applied:
        return services.mark_read(actor=self.user, op_id=op_id)
