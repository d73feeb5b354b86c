"""Notifications: each person told once, live on their own stream, by e-mail if they chose
it (at most one per kind and hour), and the events of the other features that notify."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from backend.partners import services as partners
from backend.projects import services as projects
from notifications import services
from notifications.models import Channel, Kind, Notification, Preference
from realtime.models import Event
from tests.factories import make_partner, make_project, make_user
from tests.realtime.conftest import Client, db
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def tell(users, actor=None, kind=Kind.MENTION, title="Awa vous mentionne"):
    return services.notify(users, kind=kind, title=title, url="/projets/x/", actor=actor)


def test_each_person_is_told_once_but_not_the_actor_nor_who_turned_it_off():
    awa, bruno, chloe, denis = (make_user(n) for n in ("Awa", "Bruno", "Chloé", "Denis"))
    Preference.objects.create(user=denis, kind=Kind.MENTION, channel=Channel.OFF)
    denis_gone = make_user("Emma")
    denis_gone.is_active = False
    denis_gone.save()
    created = tell([bruno, chloe, bruno, awa, denis, denis_gone.pk], actor=awa)
    assert sorted(n.user.username for n in created) == ["bruno", "chloé"]
    events = Event.objects.filter(name="notification.created")
    assert sorted(e.stream.key for e in events) == [f"user:{bruno.pk}", f"user:{chloe.pk}"]
    assert events.get(stream__key=f"user:{bruno.pk}").data["unread"] == 1
    assert services.unread_count(bruno) == 1


def test_marking_read_one_or_all_and_a_retried_op_applies_once():
    awa = make_user("Awa")
    first, second = tell([awa])[0], tell([awa])[0]
    services.mark_read(actor=awa, notification_ids=[first.pk], op_id="r1")
    again = services.mark_read(actor=awa, notification_ids=[second.pk], op_id="r1")
    assert again.duplicate and services.unread_count(awa) == 1
    services.mark_read(actor=awa)
    assert services.unread_count(awa) == 0
    bruno = make_user("Bruno")
    other = tell([bruno])[0]
    services.mark_read(actor=awa, notification_ids=[other.pk])  # someone else's: untouched
    assert services.unread_count(bruno) == 1


def test_emails_at_most_one_per_kind_and_hour_the_rest_in_a_digest():
    awa = make_user("Awa")
    Preference.objects.create(user=awa, kind=Kind.MENTION, channel=Channel.EMAIL)
    tell([awa], title="Première mention")
    assert [m.subject for m in mail.outbox] == ["Première mention"]
    tell([awa], title="Deuxième mention")
    tell([awa], title="Troisième mention")
    assert len(mail.outbox) == 1  # the hour is not over: they wait
    assert services.send_all_due_emails() == 0
    Notification.objects.filter(emailed_at__isnull=False).update(
        emailed_at=timezone.now() - timedelta(hours=2)
    )
    assert services.send_all_due_emails() == 1
    digest = mail.outbox[1]
    assert "Deuxième mention" in digest.body and "Troisième mention" in digest.body
    assert "http" in digest.body and "/projets/x/" in digest.body
    tell([make_user("Bruno")])  # live only by default: no e-mail
    assert len(mail.outbox) == 2


async def test_the_socket_carries_my_notifications_live_and_only_mine():
    awa, bruno = await db(make_user)("Awa"), await db(make_user)("Bruno")
    anonymous = Client("/ws/notifications/")
    connected, _ = await anonymous.ws.connect()
    assert await anonymous.closed_with() == 4401
    client = Client("/ws/notifications/", awa)
    hello = await client.connect()
    assert hello["state"]["unread"] == 0 and hello["stream"] == f"user:{awa.pk}"
    await db(tell)([bruno])
    assert await client.nothing()
    await db(tell)([awa], actor=bruno, title="Bruno vous mentionne")
    _, event = await client.receive_until("event", name="notification.created")
    assert event["data"]["notification"]["title"] == "Bruno vous mentionne"
    assert event["data"]["unread"] == 1
    note = event["data"]["notification"]["id"]
    await client.op("notification.read", {"id": note}, "read-1")
    _, read = await client.receive_until("event", name="notification.read")
    assert read["data"] == {"ids": [note], "all": False, "unread": 0}
    await client.receive_until("ack")
    await client.close()


def test_following_inviting_and_a_partners_answer_notify_the_right_people():
    awa, bruno, chloe, denis = (make_user(n) for n in ("Awa", "Bruno", "Chloé", "Denis"))
    project = make_project(awa, title="Repair Café", members=[bruno])
    projects.follow(actor=chloe, project_id=project.pk)
    projects.follow(actor=chloe, project_id=project.pk)  # again: nobody told twice
    told = list(
        Notification.objects.filter(kind=Kind.NEW_FOLLOWER).values_list("user__username", flat=True)
    )
    assert sorted(told) == ["awa", "bruno"]
    projects.invite(actor=awa, project_id=project.pk, identifier="chloé")
    assert Notification.objects.get(kind=Kind.INVITATION).user == chloe
    partner = make_partner("France Active", managers=[denis])
    request = partners.request_support(
        actor=awa, project_id=project.pk, partner_id=partner.pk, step="financement", message="?"
    )
    partners.answer_request(actor=denis, request_id=request.pk, accept=True, answer="Oui")
    answer = Notification.objects.filter(kind=Kind.SUPPORT_ANSWER)
    assert sorted(answer.values_list("user__username", flat=True)) == ["awa", "bruno"]
    assert "accepte" in answer.first().title


def test_the_pages_list_mark_read_and_set_preferences():
    awa = make_user("Awa")
    tell([awa], title="Une mention")
    client = signed_in(awa)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Une mention" in page
    assert 'id="bell-count">1<' in client.get("/").content.decode()
    post(client, reverse("notifications:mark_read"), {})
    assert services.unread_count(awa) == 0
    url = reverse("notifications:preferences")
    choices = {kind: "live" for kind in Kind.values} | {Kind.MENTION: "email"}
    assert post(client, url, choices).status_code == 302
    assert Preference.objects.get(user=awa, kind=Kind.MENTION).channel == "email"
    assert post(client, url, {**choices, Kind.MENTION: "pigeon"}).status_code == 302
    assert Preference.objects.get(user=awa, kind=Kind.MENTION).channel == "email"
    assert client.get(url).status_code == 200
