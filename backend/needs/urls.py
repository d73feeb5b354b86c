from django.urls import path

from backend.needs import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("nouveau/", views.need_create, name="create"),
    path("<slug:slug>/", views.need_detail, name="detail"),
    path("<slug:slug>/modifier/", views.need_edit, name="edit"),
    path("<slug:slug>/repondre/", views.declare, name="declare"),
    path("<slug:slug>/repondre/<int:project_id>/retirer/", views.withdraw, name="withdraw"),
]
