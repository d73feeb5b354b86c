from django.urls import path

from chat import views

app_name = "chat"
urlpatterns = [
    path("", views.my_rooms, name="mine"),
    path("<int:room_id>/", views.room, name="room"),
    path("<int:room_id>/messages/", views.history, name="history"),
    path("<int:room_id>/envoyer/", views.send, name="send"),
    path("projet/<slug:slug>/equipe/", views.project_team_room, name="project_team"),
    path("projet/<slug:slug>/ouverte/", views.project_open_room, name="project_open"),
]
