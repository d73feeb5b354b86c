from django.urls import path

from backend.workshops import views

app_name = "workshops"
urlpatterns = [
    path("nouveau/", views.workshop_create, name="create"),
    path("<int:workshop_id>/", views.workshop_detail, name="detail"),
    path("<int:workshop_id>/qr.svg", views.qr_code, name="qr"),
    path("<int:workshop_id>/animation/", views.console, name="console"),
    path("<int:workshop_id>/phase/", views.set_phase, name="phase"),
]
