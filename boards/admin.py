from django.contrib import admin

from boards.models import Board, Column


class ColumnInline(admin.TabularInline):
    model = Column
    extra = 0
    readonly_fields = ("title", "position", "deleted_at")
    can_delete = False


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    """Read-only: boards change through boards.services so that every change is an event."""

    list_display = ("title", "project", "locked", "is_public", "created_at")
    inlines = [ColumnInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
