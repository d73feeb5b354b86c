from django.contrib import admin

from chat.models import Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    """Read-only: chats change through chat.services so that every change is an event."""

    list_display = ("__str__", "kind", "project", "created_at")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
