from django.urls import include, path

from backend.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.activity_view, name="activity"),
    path("activite/plus-ancienne/", views.activity_older, name="activity_older"),
    path("signaler/<str:kind>/<int:target_id>/", views.report, name="report"),
    path("signalements/", views.queue, name="queue"),
    path("journal/", views.journal, name="journal"),
    path("tableau-de-bord/", include("backend.moderation.dashboard.urls")),
    path("agir/<str:action>/<str:kind>/<int:target_id>/", views.act, name="act"),
]
