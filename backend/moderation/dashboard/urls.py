"""The territory's dashboard and its emerging themes (moderators only)."""

from django.urls import path

from backend.moderation.dashboard import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:territory>/", views.dashboard, name="territory_dashboard"),
    path("<slug:territory>/<slug:figure>.csv", views.export_csv, name="dashboard_csv"),
]
