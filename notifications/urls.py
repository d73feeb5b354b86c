from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notification_list, name="list"),
    path("lues/", views.mark_read, name="mark_read"),
    path("reglages/", views.preferences, name="preferences"),
]
