from django.urls import path

from boards import views

app_name = "boards"
urlpatterns = [
    path("", views.board_list, name="list"),
    path("<int:board_id>/", views.board_detail, name="detail"),
    path("<int:board_id>/cartes/", views.create_card, name="create_card"),
    path("<int:board_id>/cartes/<int:card_id>/vote/", views.vote_card, name="vote_card"),
    path("<int:board_id>/cartes/<int:card_id>/suppression/", views.delete_card, name="delete_card"),
    path("projet/<slug:slug>/nouveau/", views.create_board, name="create"),
]
