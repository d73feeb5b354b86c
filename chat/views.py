"""Room pages. The page is server-rendered (the latest messages, readable without JavaScript);
chat.js takes over live. The history endpoint and the no-JavaScript form call the same
selectors and services as the WebSocket consumer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from backend.projects.models import Project
from chat import rules, selectors, services
from chat.models import MESSAGE_TEXT_MAX, Room, RoomKind
from realtime.errors import Refused


def _readable_room(request, room_id: int) -> Room:
    room = get_object_or_404(Room.objects.select_related("project"), pk=room_id)
    if not rules.can_read_room(request.user, room):
        raise PermissionDenied
    return room


def _cursor(request) -> int | None:
    """`?avant=<message id>`: None for the latest page; a bad value is a 400."""
    value = request.GET.get("avant")
    if value in (None, ""):
        return None
    if not value.isdigit():
        raise ValueError(value)
    return int(value)


def room(request, room_id: int):
    room = get_object_or_404(Room.objects.select_related("project"), pk=room_id)
    if not rules.can_read_room(request.user, room):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    try:
        before = _cursor(request)
    except ValueError:
        before = None
    page, has_more = selectors.messages_before(room, before=before)
    context = {
        "room": room,
        "title": selectors.room_title(room),
        "messages_page": page,
        "has_more": has_more,
        "older": page[0].pk if page and has_more else None,
        "is_latest": before is None,
        "me": selectors.room_me(room, request.user),
        "text_max": MESSAGE_TEXT_MAX,
        "labels": chat_labels(),
    }
    return render(request, "chat/room.html", context)


@require_GET
def history(request, room_id: int):
    """The PAGE messages before `?avant=<message id>`, oldest first, as JSON."""
    room = _readable_room(request, room_id)
    try:
        before = _cursor(request)
    except ValueError:
        return JsonResponse({"error": _("Paramètre « avant » invalide.")}, status=400)
    page, has_more = selectors.messages_before(room, before=before)
    return JsonResponse(
        {"messages": [selectors.message_data(m) for m in page], "has_more": has_more}
    )


@require_POST
def send(request, room_id: int):
    """The no-JavaScript way to post: the same service as the socket's `message.send`."""
    room = _readable_room(request, room_id)
    try:
        services.send_message(actor=request.user, room_id=room.pk, text=request.POST.get("text"))
    except Refused as refused:
        messages.error(request, refused.message)
    return redirect(room)


def _project_room(request, slug: str, kind: str):
    project = get_object_or_404(Project, slug=slug)
    if kind == RoomKind.TEAM and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    probe = Room(project=project, kind=kind)
    if not rules.can_read_room(request.user, probe):
        raise PermissionDenied
    return redirect(services.get_or_create_room(project=project, kind=kind))


def project_team_room(request, slug: str):
    return _project_room(request, slug, RoomKind.TEAM)


def project_open_room(request, slug: str):
    return _project_room(request, slug, RoomKind.OPEN)


def chat_labels() -> dict:
    """The words chat.js shows, translated here so that Django's i18n covers them."""
    return {
        "status": {
            "connecting": _("Connexion…"),
            "connected": _("En direct : les nouveaux messages arrivent tout seuls."),
            "reconnecting": _("Reconnexion…"),
            "offline": _("Hors ligne : vos messages partiront au retour du réseau."),
            "refused": _("Accès refusé à cette discussion."),
        },
        "deleted": _("message supprimé"),
        "hidden": _("message masqué par la modération"),
        "report": _("Signaler"),
        "edited": _("modifié"),
        "edit": _("Modifier"),
        "delete": _("Supprimer"),
        "reply": _("Répondre"),
        "save": _("Enregistrer"),
        "cancel": _("Annuler"),
        "confirm_delete": _("Supprimer ce message ?"),
        "edit_label": _("Modifier votre message"),
        "replying_to": _("En réponse à %(name)s :"),
        "cancel_reply": _("Ne plus répondre"),
        "pending": _("en attente d'envoi"),
        "former_member": _("ancien membre"),
        "yours": _("vous"),
        "load_older": _("Charger les messages plus anciens"),
        "loading": _("Chargement…"),
        "load_failed": _("Les messages plus anciens n'ont pas pu être chargés."),
        "unread_divider": _("Nouveaux messages"),
        "jump": [
            ngettext("%(n)s nouveau message ↓", "%(n)s nouveaux messages ↓", 1),
            ngettext("%(n)s nouveau message ↓", "%(n)s nouveaux messages ↓", 2),
        ],
        "announce_one": _("Nouveau message de %(name)s : %(text)s"),
        "announce_many": [
            ngettext("%(n)s nouveau message", "%(n)s nouveaux messages", 1),
            ngettext("%(n)s nouveau message", "%(n)s nouveaux messages", 2),
        ],
        "typing_one": _("%(name)s écrit…"),
        "typing_two": _("%(first)s et %(second)s écrivent…"),
        "typing_many": _("%(n)s personnes écrivent…"),
        "mention_of_me": _("vous êtes mentionné·e"),
        "title_unread": _("(%(n)s) %(title)s"),
        "empty": _("Aucun message pour l'instant : lancez la discussion !"),
    }


@login_required
def my_rooms(request):
    """The rooms a member follows, with their unread counts."""
    rooms = list(selectors.rooms_of(request.user).select_related("project"))
    counts = selectors.unread_counts(request.user, rooms)
    items = [
        {"room": room, "title": selectors.room_title(room), "unread": counts[room.pk]}
        for room in rooms
    ]
    items.sort(key=lambda item: (-item["unread"], item["title"]))
    return render(request, "chat/mine.html", {"items": items})
