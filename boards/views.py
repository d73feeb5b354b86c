"""Board pages. The page is server-rendered; board.js takes over live. The POST views are the
no-JavaScript path: they call the same services as the WebSocket consumer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.projects.models import Project
from boards import rules, selectors, services
from boards.forms import BoardForm, CardForm
from boards.models import CARD_TEXT_MAX, Board, CardColor, Phase
from realtime.errors import Refused


def _readable_board(request, board_id: int) -> Board:
    board = get_object_or_404(Board.objects.select_related("project"), pk=board_id)
    if not rules.can_read_board(request.user, board):
        raise Http404
    return board


def board_list(request):
    return render(request, "boards/list.html", {"boards": selectors.readable_boards(request.user)})


def board_detail(request, board_id: int):
    board = _readable_board(request, board_id)
    snapshot = selectors.board_snapshot(board, request.user)
    me = selectors.board_me(board, request.user)
    voted = set(me["voted"])
    columns = [
        {
            **column,
            "cards": [
                {**card, "voted": card["id"] in voted}
                for card in snapshot["cards"]
                if card["column"] == column["id"]
            ],
        }
        for column in snapshot["columns"]
    ]
    context = {
        "board": board,
        "columns": columns,
        "me": me,
        "colors": CardColor.choices,
        "card_text_max": CARD_TEXT_MAX,
        "votes_left": max(0, board.votes_per_person - len(voted)),
        "cards_total": snapshot.get("cards_total", 0),
        "hidden_others": snapshot.get("cards_total", 0) - len(snapshot["cards"]),
        "labels": board_labels(),
    }
    return render(request, "boards/detail.html", context)


def board_labels() -> dict:
    """The words board.js shows, translated here so that Django's i18n covers them."""
    return {
        "status": {
            "connecting": _("Connexion…"),
            "connected": _("En direct : les changements des autres arrivent tout seuls."),
            "reconnecting": _("Reconnexion…"),
            "offline": _("Hors ligne : vos idées partiront au retour du réseau."),
            "refused": _("Accès refusé à ce tableau."),
        },
        "vote": _("Voter"),
        "unvote": _("Retirer mon vote"),
        "edit": _("Modifier"),
        "delete": _("Supprimer"),
        "report": _("Signaler"),
        "save": _("Enregistrer"),
        "cancel": _("Annuler"),
        "undo": _("Annuler"),
        "deleted": _("Carte supprimée."),
        "pending": _("en attente d'envoi"),
        "move_to": _("Déplacer vers"),
        "move": _("Déplacer"),
        "drag": _("Glisser pour déplacer"),
        "text": _("Texte de la carte"),
        "color": _("Couleur"),
        "editing": _("%(name)s modifie cette carte…"),
        "votes": [
            ngettext("%(n)s vote", "%(n)s votes", 1),
            ngettext("%(n)s vote", "%(n)s votes", 2),
        ],
        "votes_left": [
            ngettext("Il vous reste %(n)s vote.", "Il vous reste %(n)s votes.", 1),
            ngettext("Il vous reste %(n)s vote.", "Il vous reste %(n)s votes.", 2),
        ],
        "former_member": _("ancien membre"),
        "anonymous": _("et %(n)s personne(s) sans compte"),
        "alone": _("Vous êtes seul·e ici pour l'instant."),
        "moved": _("Carte déplacée dans « %(column)s », position %(position)s."),
        "chars_left": _("%(n)s caractères restants."),
        "colors": dict(CardColor.choices),
        "card": _("Carte : %(text)s"),
        "yours": _("vous"),
        "group_to": _("Regrouper dans…"),
        "no_group": _("Sans groupe"),
        "new_group": _("Nouveau groupe"),
        "create_group": _("Créer le groupe"),
        "group_title": _("Titre du groupe"),
        "group_label": _("Groupe : %(title)s"),
        "rename": _("Renommer"),
        "delete_group": _("Supprimer le groupe"),
        "vote_group": _("Voter pour le groupe"),
        "unvote_group": _("Retirer mon vote du groupe"),
        "timer_minute": _("Plus qu'une minute."),
        "timer_over": _("Temps écoulé."),
        "hidden_self": _(
            "Cartes cachées jusqu'à la révélation : vous voyez les vôtres. "
            "%(total)s idée(s) en tout, dont %(others)s des autres."
        ),
        "hidden_team": _("Mode caché : chaque participant ne voit que ses cartes."),
        "reveal": _("Révéler les cartes"),
        "phase": _("Phase : %(phase)s"),
        "phases": dict(Phase.choices),
        "revealed": _("Les cartes sont révélées : voici les idées de tout le monde."),
    }


@login_required
@require_POST
def create_board(request, slug: str):
    project = get_object_or_404(Project, slug=slug)
    form = BoardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(project)
    try:
        board = services.create_board(actor=request.user, project=project, **form.cleaned_data)
    except Refused as refused:
        messages.error(request, refused.message)
        return redirect(project)
    return redirect(board)


def _run(request, board: Board, service, **kwargs):
    try:
        service(actor=request.user, board_id=board.pk, **kwargs)
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect(board)


@login_required
@require_POST
def create_card(request, board_id: int):
    board = _readable_board(request, board_id)
    form = CardForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect(board)
    return _run(
        request,
        board,
        services.create_card,
        column_id=form.cleaned_data["column"],
        text=form.cleaned_data["text"],
        color=form.cleaned_data["color"] or None,
    )


@login_required
@require_POST
def vote_card(request, board_id: int, card_id: int):
    board = _readable_board(request, board_id)
    service = services.unvote_card if request.POST.get("undo") else services.vote_card
    return _run(request, board, service, card_id=card_id)


@login_required
@require_POST
def delete_card(request, board_id: int, card_id: int):
    board = _readable_board(request, board_id)
    return _run(request, board, services.delete_card, card_id=card_id)
