from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from backend.accounts.models import User


@admin.register(User)
class MemberAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Faire ensemble", {"fields": ("display_name", "territory")}),
    )
    list_display = ("username", "display_name", "email", "territory", "is_staff")
