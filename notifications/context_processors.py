from django.utils.translation import gettext as _


def unread(request):
    """The bell's count and the words of its toasts, for signed-in members (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.services import unread_count

    return {
        "unread_notifications": unread_count(user),
        "notification_labels": {
            "unread": _("Notifications non lues :"),
            "open": _("Voir"),
            "close": _("Fermer"),
        },
    }
