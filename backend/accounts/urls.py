from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from backend.accounts import views

app_name = "accounts"
urlpatterns = [
    path("inscription/", views.sign_up, name="sign_up"),
    path("connexion/", views.sign_in, name="login"),
    path("deconnexion/", views.sign_out, name="logout"),
    path("membres/<str:username>/", views.profile, name="profile"),
    path("profil/", views.edit_profile, name="edit_profile"),
    path("profil/confirmation/", views.resend_confirmation, name="resend_confirmation"),
    path("confirmer/<str:token>/", views.confirm, name="confirm"),
    path("profil/organisation/membres/", views.add_member, name="add_member"),
    path(
        "organisations/<int:organisation_id>/membres/<int:person_id>/retirer/",
        views.remove_member,
        name="remove_member",
    ),
    path("profil/mes-donnees/", views.export, name="export"),
    path("profil/supprimer/", views.delete, name="delete"),
    path(
        "mot-de-passe/oublie/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
