from django.urls import path

from backend.workshops import views

app_name = "workshops"
urlpatterns = [
    path("nouveau/", views.workshop_create, name="create"),
    path("<int:workshop_id>/", views.workshop_detail, name="detail"),
    path("<int:workshop_id>/qr.svg", views.qr_code, name="qr"),
    path("<int:workshop_id>/animation/", views.console, name="console"),
    path("<int:workshop_id>/phase/", views.set_phase, name="phase"),
    path("<int:workshop_id>/verrou/", views.lock_table, name="lock"),
    path("<int:workshop_id>/reveler/", views.reveal_cards, name="reveal"),
    path("<int:workshop_id>/deplacer/", views.move_participant, name="move"),
    path("<int:workshop_id>/minuteur/", views.start_timer, name="timer_start"),
    path("<int:workshop_id>/minuteur/arret/", views.stop_timer, name="timer_stop"),
    path("<int:workshop_id>/resultats/", views.results_page, name="results"),
    path("<int:workshop_id>/propositions/projet/", views.proposal_to_project, name="to_project"),
    path("<int:workshop_id>/propositions/besoin/", views.proposal_to_need, name="to_need"),
    path("<int:workshop_id>/resultats.<str:fmt>", views.results_export, name="export"),
    path("<int:workshop_id>/ecran/", views.screen, name="screen"),
    path("<int:workshop_id>/ecran.json", views.screen_data, name="screen_data"),
]
