from django.urls import path

from backend.accounts import views

app_name = "accounts"
urlpatterns = [
    path("inscription/", views.sign_up, name="sign_up"),
    path("connexion/", views.sign_in, name="login"),
    path("deconnexion/", views.sign_out, name="logout"),
]
