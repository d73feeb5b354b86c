from django.urls import path

from backend.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("nouvelle/", views.meeting_create, name="create"),
    path("<int:meeting_id>/", views.meeting_detail, name="detail"),
    path("<int:meeting_id>/modifier/", views.meeting_edit, name="edit"),
    path("<int:meeting_id>/annuler/", views.cancel, name="cancel"),
    path("<int:meeting_id>/inviter/", views.invite, name="invite"),
    path("<int:meeting_id>/inscription/", views.register, name="register"),
    path("<int:meeting_id>/desinscription/", views.unregister, name="unregister"),
    path("<int:meeting_id>/inscrits.csv", views.registrations_export, name="export"),
]
