from django.utils.translation import gettext as _


def unread(request):
    """The bell's count, the discussions' unread count and the words of the toasts, for
    signed-in members."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from chat.selectors import total_unread
    from notifications.services import unread_count

    return {
        "unread_notifications": unread_count(user),
        "unread_messages": total_unread(user),
        "notification_labels": {
            "unread": _("Notifications non lues :"),
            "open": _("Voir"),
            "close": _("Fermer"),
        },
    }
