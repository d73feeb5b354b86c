"""The admin shows meetings; they are written from the site only, through the services (which
keep the seats, the invitations and the notifications consistent)."""

from django.contrib import admin

from backend.meetings.models import Invitation, Meeting, Registration


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ("person", "created_at")
    readonly_fields = fields
    has_add_permission = ReadOnly.has_add_permission
    has_change_permission = ReadOnly.has_change_permission
    has_delete_permission = ReadOnly.has_delete_permission


@admin.register(Meeting)
class MeetingAdmin(ReadOnly):
    list_display = ("title", "territory", "starts_at", "place", "capacity", "status")
    list_filter = ("status", "territory", "themes")
    search_fields = ("title", "place")
    inlines = [RegistrationInline]


@admin.register(Invitation)
class InvitationAdmin(ReadOnly):
    list_display = ("meeting", "person", "invited_by", "created_at")
