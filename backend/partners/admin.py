from django.contrib import admin

from backend.partners.models import Offer, Partner, SupportRequest


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 1


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "territory", "website")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("managers", "themes")
    inlines = [OfferInline]
    search_fields = ("name",)


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ("project", "partner", "step", "status", "created_at")
    list_filter = ("status", "step")
    readonly_fields = [f.name for f in SupportRequest._meta.fields]

    def has_add_permission(self, request):
        return False
