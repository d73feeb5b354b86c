"""Telling members things: the only writer of notifications.

`notify` stores one notification per person (each once, however many reasons), appends it
to that person's stream (`user:<id>`) in the same transaction, so that every open tab gets
it live and a tab that reconnects gets what it missed; e-mails leave after commit, at most
one per kind and hour per person (the others wait and go together in a digest).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import DEFAULT_CHANNEL, Channel, Kind, Notification, Preference
from realtime import streams
from realtime.auth import actor_of
from realtime.errors import Invalid

EMAIL_EVERY = timedelta(hours=1)


def stream_key(user_id: int) -> str:
    return f"user:{user_id}"


def notification_data(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "actor": n.actor,
        "created_at": n.created_at.isoformat().replace("+00:00", "Z"),
        "read": n.read_at is not None,
    }


def rewrite_bodies(*, kind: str, url: str, body: str) -> int:
    """Give the notifications of this kind pointing at `url` a new body, in their rows and in
    the logged events of their people's streams (a moderator hid what they quoted: a reload,
    a replay or a digest no longer carries it; restoring puts it back). Returns how many."""
    changed = list(Notification.objects.filter(kind=kind, url=url).exclude(body=body))
    if not changed:
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in changed]).update(body=body)
    for notification in changed:
        notification.body = body
        key = stream_key(notification.user_id)
        logged = streams.events_of(key).filter(data__notification__id=notification.pk)
        for event in logged:
            data = {**event.data, "notification": notification_data(notification)}
            streams.rewrite_event_data(key=key, event_id=event.pk, data=data)
    return len(changed)


def channels_of(user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """Each person's choice for this kind (live only unless they said otherwise)."""
    chosen = dict(
        Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list("user_id", "channel")
    )
    return {uid: chosen.get(uid, DEFAULT_CHANNEL) for uid in user_ids}


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@transaction.atomic
def notify(
    users: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    actor=None,
) -> list[Notification]:
    """Tell each of `users` once (not the actor, not those who turned this kind off)."""
    if kind not in Kind.values:
        raise ValueError(kind)
    ids = {getattr(user, "pk", user) for user in users}
    if actor is not None:
        ids.discard(actor.pk)
    ids = set(
        get_user_model().objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True)
    )
    channels = channels_of(ids, kind)
    created = []
    for uid in sorted(ids):
        if channels[uid] == Channel.OFF:
            continue
        notification = Notification.objects.create(
            user_id=uid,
            kind=kind,
            title=title[:200],
            body=body[:500],
            url=url[:300],
            actor=actor_of(actor),
        )
        streams.append_event(
            key=stream_key(uid),
            name="notification.created",
            data={
                "notification": notification_data(notification),
                "unread": Notification.objects.filter(user_id=uid, read_at__isnull=True).count(),
            },
            actor=actor_of(actor),
        )
        created.append(notification)
        if channels[uid] == Channel.EMAIL:
            transaction.on_commit(lambda uid=uid: send_due_emails(uid, kind))
    return created


@transaction.atomic
def mark_read(
    *, actor, notification_ids: Iterable[int] | None = None, op_id: str = ""
) -> streams.Applied:
    """Mark some (or, with None, all) of one's notifications read; every tab is told."""
    key, client = stream_key(actor.pk), f"user:{actor.pk}"
    if op_id and (seq := streams.applied_seq(key=key, client=client, op_id=op_id)) is not None:
        return streams.Applied(seq=seq, duplicate=True)
    mine = Notification.objects.filter(user=actor, read_at__isnull=True)
    if notification_ids is not None:
        mine = mine.filter(pk__in=list(notification_ids))
    ids = list(mine.values_list("pk", flat=True))
    mine.update(read_at=timezone.now())
    event = streams.append_event(
        key=key,
        name="notification.read",
        data={"ids": ids, "all": notification_ids is None, "unread": unread_count(actor)},
        actor=actor_of(actor),
        client=client,
        op_id=op_id,
    )
    return streams.Applied(seq=event.seq)


def set_preferences(*, actor, choices: dict[str, str]) -> None:
    for kind, channel in choices.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise Invalid(_("Réglage inconnu."))
    with transaction.atomic():
        for kind, channel in choices.items():
            Preference.objects.update_or_create(
                user=actor, kind=kind, defaults={"channel": channel}
            )


# E-mail ------------------------------------------------------------------------------------


def send_due_emails(user_id: int, kind: str) -> bool:
    """Send what waits for this person and kind, unless an e-mail of this kind left less than
    an hour ago: then it waits for the next call (or `manage.py send_notification_emails`)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or channels_of([user_id], kind)[user_id] != Channel.EMAIL:
        return False
    with transaction.atomic():
        sent = Notification.objects.filter(user=user, kind=kind, emailed_at__isnull=False)
        last = sent.aggregate(last=Max("emailed_at"))["last"]
        if last is not None and timezone.now() - last < EMAIL_EVERY:
            return False
        pending = list(
            Notification.objects.select_for_update()
            .filter(user=user, kind=kind, emailed_at__isnull=True)
            .order_by("created_at", "id")
        )
        if not pending:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            context = {
                "user": user,
                "notifications": pending,
                "kind": Kind(kind).label,
                "site_url": settings.SITE_URL,
            }
            subject = (
                pending[0].title
                if len(pending) == 1
                else _("%(n)s nouvelles notifications : %(kind)s")
                % {"n": len(pending), "kind": Kind(kind).label}
            )
            body = render_to_string("notifications/email.txt", context)
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
    send_mail(subject[:200], body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def send_all_due_emails() -> int:
    """Every digest whose hour has passed (run it every few minutes from cron or a timer)."""
    pairs = (
        Notification.objects.filter(emailed_at__isnull=True)
        .values_list("user_id", "kind")
        .distinct()
    )
    return sum(send_due_emails(user_id, kind) for user_id, kind in pairs)
