from django.contrib import admin

from backend.needs.models import Answer, Need


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    readonly_fields = ("project", "declared_by", "declared_at")


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    list_display = ("title", "status", "neighbourhood", "created_at")
    list_filter = ("status", "themes")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [AnswerInline]
