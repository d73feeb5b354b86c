from django.contrib import admin

from backend.meetings.models import Invitation, Meeting, Registration


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    raw_id_fields = ("person",)


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "territory", "starts_at", "place", "capacity", "status")
    list_filter = ("status", "territory", "themes")
    search_fields = ("title", "place")
    raw_id_fields = ("created_by",)
    inlines = [RegistrationInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("meeting", "person", "invited_by", "created_at")
    raw_id_fields = ("meeting", "person", "invited_by")
