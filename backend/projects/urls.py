from django.urls import path

from backend.calls import views as calls
from backend.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("nouveau/", views.project_create, name="create"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/modifier/", views.project_edit, name="edit"),
    path("<slug:slug>/equipe/inviter/", views.invite, name="invite"),
    path(
        "<slug:slug>/invitations/<int:invitation_id>/",
        views.answer_invitation,
        name="answer_invitation",
    ),
    path("<slug:slug>/equipe/quitter/", views.leave, name="leave"),
    path("<slug:slug>/equipe/transmettre/", views.transfer, name="transfer"),
    path("<slug:slug>/suivre/", views.follow, name="follow"),
    path("<slug:slug>/appels/nouveau/", calls.call_create, name="new_call"),
]
