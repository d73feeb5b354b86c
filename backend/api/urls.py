from django.urls import path

from backend.api import views

app_name = "api"
urlpatterns = [
    path("openapi.json", views.openapi, name="openapi"),
    *(
        path(f"{name}/", views.collection, {"resource": name}, name=f"{name}")
        for name in views.RESOURCES
    ),
]
