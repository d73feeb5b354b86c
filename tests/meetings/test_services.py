"""Meetings by theme: what the services write, whom they tell, and what they refuse."""

import threading
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from backend.meetings import services
from backend.meetings.models import Invitation, Meeting, Registration
from notifications.models import Channel, Kind, Notification, Preference
from realtime.errors import Conflict, Forbidden, Invalid, NotFound
from realtime.models import Event
from tests.factories import make_user
from tests.meetings.conftest import fields, make_meeting, member, soon

pytestmark = pytest.mark.django_db


def told(kind=Kind.MEETING_INVITATION) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def streamed(kind=Kind.MEETING_INVITATION) -> list[str]:
    """Whose own stream got the notification, live (one event per person)."""
    events = Event.objects.filter(name="notification.created", data__notification__kind=kind)
    return sorted(event.stream.key for event in events.select_related("stream"))


def test_a_moderator_creates_a_meeting_of_their_territory(s):
    meeting = make_meeting(
        s, themes=[s["solidarity"], s["culture"]], ends_at=soon() + timedelta(hours=2)
    )
    assert meeting.territory == s["sceaux"] and meeting.created_by == s["moderator"]
    assert meeting.status == Meeting.Status.SCHEDULED
    assert set(meeting.themes.values_list("name", flat=True)) == {"Solidarité", "Culture"}
    assert not Notification.objects.exists()  # nobody is told until invited


@pytest.mark.parametrize("who", ["awa", "anonymous", "none", "moderator without territory"])
def test_only_a_moderator_creates(s, who):
    actor = {
        "awa": s["awa"],
        "anonymous": AnonymousUser(),
        "none": None,
        "moderator without territory": make_user("Sans", moderator=True),
    }[who]
    if who == "moderator without territory":
        actor.territory = None
    with pytest.raises(Forbidden):
        make_meeting(s, actor=actor)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"place": "  "},
        {"description": "x" * 3001},
        {"capacity": 0},
        {"capacity": -2},
        {"capacity": "12"},
        {"capacity": True},
        {"capacity": 10_001},
        {"starts_at": timezone.now() - timedelta(minutes=1)},
        {"starts_at": None},
        {"starts_at": timezone.now().replace(tzinfo=None) + timedelta(days=1)},
        {"ends_at": soon() - timedelta(hours=1)},
        {"themes": []},
        {"themes": [999_999]},
        {"themes": ["solidarité"]},
    ],
    ids=lambda o: next(iter(o)) + "=" + repr(next(iter(o.values())))[:20],
)
def test_bad_fields_are_refused_and_nothing_is_written(s, overrides):
    with pytest.raises(Invalid):
        make_meeting(s, **overrides, invite=True)
    assert not Meeting.objects.exists() and not Notification.objects.exists()


# Invitations -------------------------------------------------------------------------------


def test_inviting_tells_exactly_the_interested_members_of_the_territory_once_and_live(s):
    meeting = make_meeting(s, themes=[s["solidarity"], s["environment"]])
    bruno = member("Bruno", s["solidarity"], s["environment"])  # two themes: told once
    member("Chloé", s["environment"])
    member("Denis", s["culture"])  # not a theme of the meeting
    member("Emma")  # no theme at all
    member("Fanny", s["solidarity"], territory=s["antony"])  # another territory
    gone = member("Gaston", s["solidarity"])
    gone.is_active = False
    gone.save()
    guest = member("Hugo", s["solidarity"])
    guest.is_guest = True
    guest.save()
    muted = member("Inès", s["solidarity"])
    Preference.objects.create(user=muted, kind=Kind.MEETING_INVITATION, channel=Channel.OFF)
    other_kind_off = member("Jules", s["solidarity"])
    Preference.objects.create(user=other_kind_off, kind=Kind.MENTION, channel=Channel.OFF)

    n = services.invite_members(actor=s["moderator"], meeting_id=meeting.pk)

    # Not the moderator themself (interested in solidarity too), nor Inès who turned it off.
    expected = ["awa", "bruno", "chloé", "jules"]
    assert n == 4 and told() == expected
    users = {u.username: u.pk for u in type(bruno).objects.filter(username__in=expected)}
    assert streamed() == sorted(f"user:{users[name]}" for name in expected)
    notification = Notification.objects.get(user=bruno)
    assert notification.url == meeting.get_absolute_url() == f"/rencontres/{meeting.pk}/"
    assert "Rencontre solidarité" in notification.title
    assert notification.body == "Salle des fêtes · Environnement, Solidarité"
    assert notification.actor["id"] == s["moderator"].pk
    assert sorted(Invitation.objects.values_list("person__username", flat=True)) == expected


def test_inviting_again_tells_only_the_newcomers(s):
    meeting = make_meeting(s, invite=True)
    assert told() == ["awa"]
    assert services.invite_members(actor=s["moderator"], meeting_id=meeting.pk) == 0
    member("Bruno", s["solidarity"])
    registered = member("Chloé", s["solidarity"])
    services.register(actor=registered, meeting_id=meeting.pk)  # already in: no invitation
    assert services.invite_members(actor=s["moderator"], meeting_id=meeting.pk) == 1
    assert told() == ["awa", "bruno"]
    assert len(streamed()) == 2


@pytest.mark.parametrize("who", ["awa", "elsewhere"])
def test_only_the_territorys_moderators_invite(s, who):
    meeting = make_meeting(s)
    with pytest.raises(Forbidden):
        services.invite_members(actor=s[who], meeting_id=meeting.pk)
    assert not Notification.objects.exists() and not Invitation.objects.exists()


def test_a_cancelled_or_past_meeting_invites_nobody(s):
    meeting = make_meeting(s)
    services.cancel_meeting(actor=s["moderator"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        services.invite_members(actor=s["moderator"], meeting_id=meeting.pk)
    past = make_meeting(s)
    Meeting.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(Conflict):
        services.invite_members(actor=s["moderator"], meeting_id=past.pk)
    assert not Notification.objects.exists()
    with pytest.raises(NotFound):
        services.invite_members(actor=s["moderator"], meeting_id=999_999)


# Registering -------------------------------------------------------------------------------


def test_register_then_cancel_then_register_again(s):
    meeting = make_meeting(s)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    with pytest.raises(Conflict, match="déjà inscrit"):
        services.register(actor=s["awa"], meeting_id=meeting.pk)
    assert meeting.registrations.count() == 1
    services.unregister(actor=s["awa"], meeting_id=meeting.pk)
    assert not meeting.registrations.exists()
    with pytest.raises(Conflict, match="pas inscrit"):
        services.unregister(actor=s["awa"], meeting_id=meeting.pk)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    assert list(meeting.registrations.values_list("person", flat=True)) == [s["awa"].pk]


def test_the_capacity_holds(s):
    meeting = make_meeting(s, capacity=2)
    bruno, chloe = member("Bruno"), member("Chloé")
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    services.register(actor=bruno, meeting_id=meeting.pk)
    with pytest.raises(Conflict, match="complète"):
        services.register(actor=chloe, meeting_id=meeting.pk)
    services.unregister(actor=bruno, meeting_id=meeting.pk)  # a seat is free again
    services.register(actor=chloe, meeting_id=meeting.pk)
    assert meeting.registrations.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_people_racing_for_the_last_seat_one_gets_it(s, monkeypatch):
    meeting = make_meeting(s, capacity=2)
    # Widen the window between finding the meeting and counting its seats: without the lock
    # on the meeting row both would count one seat left, and both would take it.
    still_open = services._still_open

    def slowly(meeting):
        time.sleep(0.3)
        still_open(meeting)

    monkeypatch.setattr(services, "_still_open", slowly)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    racers = [member("Bruno"), member("Chloé")]
    start, outcomes = threading.Barrier(2), {}

    def race(person):
        try:
            start.wait(timeout=10)
            services.register(actor=person, meeting_id=meeting.pk)
            outcomes[person.username] = "seated"
        except Conflict as refused:
            outcomes[person.username] = refused.message
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(person,)) for person in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["Cette rencontre est complète.", "seated"]
    assert Registration.objects.filter(meeting=meeting).count() == 2


def test_cancelled_past_and_foreign_meetings_refuse_registration(s):
    cancelled = make_meeting(s)
    services.cancel_meeting(actor=s["moderator"], meeting_id=cancelled.pk)
    with pytest.raises(Conflict, match="annulée"):
        services.register(actor=s["awa"], meeting_id=cancelled.pk)
    past = make_meeting(s)
    services.register(actor=s["awa"], meeting_id=past.pk)
    Meeting.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(Conflict, match="passée"):
        services.register(actor=member("Bruno"), meeting_id=past.pk)
    with pytest.raises(Conflict, match="passée"):
        services.unregister(actor=s["awa"], meeting_id=past.pk)  # what happened stays
    open_one = make_meeting(s)
    with pytest.raises(Forbidden):
        services.register(actor=member("Fanny", territory=s["antony"]), meeting_id=open_one.pk)
    guest = member("Hugo")
    guest.is_guest = True
    with pytest.raises(Forbidden):
        services.register(actor=guest, meeting_id=open_one.pk)
    with pytest.raises(NotFound):
        services.register(actor=s["awa"], meeting_id=999_999)
    assert Registration.objects.count() == 1  # Awa's, on the past one


# Editing and cancelling ----------------------------------------------------------------------


def test_editing_tells_the_registered_when_the_date_or_the_place_changes(s):
    meeting = make_meeting(s, capacity=5)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    services.update_meeting(
        actor=s["moderator"],
        meeting_id=meeting.pk,
        # Seconds do not count: meetings are set by the minute.
        **fields(s, title="Nouveau titre", capacity=5, starts_at=soon() + timedelta(seconds=30)),
    )
    assert not Notification.objects.exists()  # neither the date nor the place changed
    services.update_meeting(
        actor=s["moderator"], meeting_id=meeting.pk, **fields(s, place="Médiathèque", capacity=5)
    )
    assert told(Kind.MEETING_CHANGE) == ["awa"]
    assert "Médiathèque" in Notification.objects.get().title
    meeting.refresh_from_db()
    assert (meeting.title, meeting.place) == ("Rencontre solidarité", "Médiathèque")


def test_editing_keeps_the_seats_already_taken(s):
    meeting = make_meeting(s, capacity=3)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    services.register(actor=member("Bruno"), meeting_id=meeting.pk)
    with pytest.raises(Invalid, match="2 personnes"):
        services.update_meeting(
            actor=s["moderator"], meeting_id=meeting.pk, **fields(s, capacity=1)
        )
    meeting.refresh_from_db()
    assert meeting.capacity == 3


@pytest.mark.parametrize("who", ["awa", "elsewhere"])
def test_only_the_territorys_moderators_edit_and_cancel(s, who):
    meeting = make_meeting(s)
    with pytest.raises(Forbidden):
        services.update_meeting(actor=s[who], meeting_id=meeting.pk, **fields(s, title="Piraté"))
    with pytest.raises(Forbidden):
        services.cancel_meeting(actor=s[who], meeting_id=meeting.pk)
    meeting.refresh_from_db()
    assert meeting.title == "Rencontre solidarité" and meeting.status == Meeting.Status.SCHEDULED


def test_cancelling_tells_the_registered_once(s):
    meeting = make_meeting(s)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    services.cancel_meeting(actor=s["moderator"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        services.cancel_meeting(actor=s["moderator"], meeting_id=meeting.pk)
    with pytest.raises(Conflict):
        services.update_meeting(actor=s["moderator"], meeting_id=meeting.pk, **fields(s))
    assert told(Kind.MEETING_CHANGE) == ["awa"]
    assert "annulée" in Notification.objects.get().title
    assert streamed(Kind.MEETING_CHANGE) == [f"user:{s['awa'].pk}"]
