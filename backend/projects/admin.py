from django.contrib import admin

from backend.projects.models import Membership, Project


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("title", "territory", "owner", "created_at")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [MembershipInline]
