from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from backend import views
from backend.workshops import views as workshop_views

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("backend.accounts.urls")),
    path("projets/", include("backend.projects.urls")),
    path("tableaux/", include("boards.urls")),
    path("partenaires/", include("backend.partners.urls")),
    path("besoins/", include("backend.needs.urls")),
    path("appels/", include("backend.calls.urls")),
    path("ateliers/", include("backend.workshops.urls")),
    path("w/<str:code>", workshop_views.join, name="join_workshop"),
    path("thematiques/", include("backend.territories.urls")),
    path("recherche/", include("backend.search.urls")),
    path("api/", include("backend.api.urls")),
    path("notifications/", include("notifications.urls")),
    path("discussions/", include("chat.urls")),
    path("moderation/", include("backend.moderation.urls")),
    path("rencontres/", include("backend.meetings.urls")),
    path("langue/", views.language, name="language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
# Uploaded files (avatars): served here in development only; nginx serves them in production.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
