from django.urls import path

from backend.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="list"),
    path("<int:call_id>/", views.call_detail, name="detail"),
    path("<int:call_id>/repondre/", views.answer, name="answer"),
    path("<int:call_id>/statut/", views.set_status, name="status"),
    path("reponses/<int:response_id>/", views.decide, name="decide"),
]
