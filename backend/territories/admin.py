from django.contrib import admin

from backend.territories.models import Territory

admin.site.register(Territory)
