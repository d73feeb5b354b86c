"""The admin shows moderation records; nothing here is written from the site."""

from django.contrib import admin

from backend.moderation.models import AuditEntry, Mute, Report


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly):
    list_display = ("created_at", "actor", "action", "target_kind", "target_id", "reason")
    list_filter = ("action", "target_kind")


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("created_at", "reporter", "target_kind", "target_id", "reason", "resolved_at")
    list_filter = ("reason", "target_kind")


@admin.register(Mute)
class MuteAdmin(ReadOnly):
    list_display = ("created_at", "user", "until", "by")
