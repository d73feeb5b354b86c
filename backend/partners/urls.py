from django.urls import path

from backend.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("demandes/", views.my_requests, name="requests"),
    path("demandes/<int:request_id>/reponse/", views.answer, name="answer"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/demander/", views.ask, name="ask"),
]
