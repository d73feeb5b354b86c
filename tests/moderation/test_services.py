"""Reports and moderation actions: rights, bad input, one audit entry per action."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from backend.moderation import services
from backend.moderation.models import AuditEntry, Mute, Report
from boards import services as board_services
from boards.models import Card
from boards.selectors import board_snapshot
from chat import services as chat_services
from chat.models import Message, RoomKind
from chat.selectors import room_snapshot
from notifications.models import Kind, Notification
from realtime.errors import Conflict, Forbidden, Invalid, Muted, NotFound
from tests.factories import make_board, make_user
from tests.moderation.conftest import make_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return make_scene()


def test_a_member_reports_and_the_report_lands_in_the_targets_territory(s):
    report = services.report_content(
        actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam", text="De la pub"
    )
    assert report.territory_id == s["moderator"].territory_id
    assert report.excerpt == "Un texte à cacher" and "#card-" in report.url
    for kind, target in [
        ("message", s["message"].pk),
        ("project", s["project"].pk),
        ("profile", s["chloe"].pk),
    ]:
        services.report_content(actor=s["awa"], kind=kind, target_id=target, reason="other")
    assert Report.objects.count() == 4


@pytest.mark.parametrize(
    ("kwargs", "refusal"),
    [
        ({"kind": "planet", "target_id": 1, "reason": "spam"}, Invalid),
        ({"kind": "card", "target_id": 999999, "reason": "spam"}, NotFound),
        ({"kind": "card", "target_id": "1", "reason": "spam"}, NotFound),
        ({"kind": "card", "target_id": None, "reason": "nope"}, Invalid),
        ({"kind": "card", "target_id": None, "reason": "spam", "text": "x" * 1001}, Invalid),
    ],
)
def test_bad_reports_are_refused_and_write_nothing(s, kwargs, refusal):
    if kwargs["target_id"] is None:
        kwargs["target_id"] = s["card"].pk
    with pytest.raises(refusal):
        services.report_content(actor=s["awa"], **kwargs)
    assert not Report.objects.exists()


def test_a_second_report_while_the_first_is_open_is_a_conflict(s):
    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam")
    with pytest.raises(Conflict):
        services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="abuse")
    services.dismiss_reports(actor=s["moderator"], kind="card", target_id=s["card"].pk)
    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="abuse")
    assert Report.objects.count() == 2


def test_what_one_may_not_see_cannot_be_reported(s):
    private = make_board(s["awa"], project=s["project"], is_public=False)
    column = private.columns.first()
    card = board_services.create_card(
        actor=s["awa"], board_id=private.pk, column_id=column.pk, text="Entre nous"
    ).result
    team = chat_services.get_or_create_room(project=s["project"], kind=RoomKind.TEAM)
    message = chat_services.send_message(actor=s["awa"], room_id=team.pk, text="Entre nous").result
    for kind, pk in [("card", card.pk), ("message", message.pk)]:
        with pytest.raises(NotFound):
            services.report_content(actor=s["chloe"], kind=kind, target_id=pk, reason="spam")
    assert not Report.objects.exists()


def test_anonymous_cannot_report(s):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        services.report_content(
            actor=AnonymousUser(), kind="card", target_id=s["card"].pk, reason="spam"
        )


ACTIONS = {
    "hide card": lambda s, a: services.hide_content(
        actor=a, kind="card", target_id=s["card"].pk, reason="Hors charte"
    ),
    "hide message": lambda s, a: services.hide_content(
        actor=a, kind="message", target_id=s["message"].pk, reason="Hors charte"
    ),
    "warn": lambda s, a: services.warn_member(actor=a, user_id=s["chloe"].pk, reason="Doucement"),
    "mute": lambda s, a: services.mute_member(
        actor=a, user_id=s["chloe"].pk, minutes=60, reason="Du calme"
    ),
    "ban": lambda s, a: services.ban_member(actor=a, user_id=s["chloe"].pk, reason="Récidive"),
    "dismiss": lambda s, a: services.dismiss_reports(
        actor=a, kind="card", target_id=s["card"].pk, reason="Rien à redire"
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["elsewhere", "awa", "anonymous"])
def test_only_a_moderator_of_the_territory_acts(s, action, who):
    from django.contrib.auth.models import AnonymousUser

    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam")
    actor = AnonymousUser() if who == "anonymous" else s[who]
    with pytest.raises(Forbidden):
        ACTIONS[action](s, actor)
    assert not AuditEntry.objects.exists() and not Mute.objects.exists()
    assert Card.objects.get(pk=s["card"].pk).hidden_at is None
    assert Message.objects.get(pk=s["message"].pk).hidden_at is None
    chloe = get_user_model().objects.get(pk=s["chloe"].pk)
    assert chloe.is_active and chloe.muted_until is None
    assert Report.objects.get().resolved_at is None


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_leaves_exactly_one_audit_entry(s, action):
    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam")
    entry = ACTIONS[action](s, s["moderator"])
    (only,) = AuditEntry.objects.all()
    assert only == entry and only.actor == s["moderator"] and only.reason
    assert only.territory_id == s["moderator"].territory_id


def test_hiding_resolves_the_reports_and_tells_the_author_why(s):
    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam")
    services.hide_content(actor=s["moderator"], kind="card", target_id=s["card"].pk, reason="Pub")
    report = Report.objects.get()
    assert report.resolved_at is not None and report.resolved_by == s["moderator"]
    told = Notification.objects.get(user=s["chloe"], kind=Kind.MODERATION)
    assert told.body == "Pub"
    board = s["board"]
    assert board_snapshot(board, s["awa"])["cards"] == []
    assert board_snapshot(board, s["moderator"])["cards"] == []  # moderators: in the queue
    with pytest.raises(Conflict):
        services.hide_content(actor=s["moderator"], kind="card", target_id=s["card"].pk, reason="x")
    # Nobody edits, moves or votes a hidden card.
    with pytest.raises(NotFound):
        board_services.update_card(
            actor=s["chloe"], board_id=board.pk, card_id=s["card"].pk, text="Re"
        )
    services.restore_content(
        actor=s["moderator"], kind="card", target_id=s["card"].pk, reason="Erreur"
    )
    assert [c["text"] for c in board_snapshot(board, s["awa"])["cards"]] == ["Un texte à cacher"]
    assert AuditEntry.objects.count() == 2


def test_a_hidden_message_keeps_its_place_without_its_text(s):
    services.hide_content(
        actor=s["moderator"], kind="message", target_id=s["message"].pk, reason="Insulte"
    )
    (held,) = room_snapshot(s["room"], s["awa"])["messages"]
    assert held["hidden"] is True and held["text"] is None
    with pytest.raises(NotFound):
        chat_services.edit_message(
            actor=s["chloe"], room_id=s["room"].pk, message_id=s["message"].pk, text="Re"
        )
    services.restore_content(
        actor=s["moderator"], kind="message", target_id=s["message"].pk, reason="Erreur"
    )
    (held,) = room_snapshot(s["room"], s["awa"])["messages"]
    assert held["text"] == "Un message à cacher" and held["hidden"] is False


def test_a_moderator_hides_a_message_in_a_team_room(s):
    team = chat_services.get_or_create_room(project=s["project"], kind=RoomKind.TEAM)
    message = chat_services.send_message(actor=s["awa"], room_id=team.pk, text="Oups").result
    services.hide_content(actor=s["moderator"], kind="message", target_id=message.pk, reason="x")
    assert Message.objects.get(pk=message.pk).hidden_at is not None


def test_a_muted_member_is_refused_until_the_end_of_the_mute(s):
    board, room = s["board"], s["room"]
    services.mute_member(actor=s["moderator"], user_id=s["chloe"].pk, minutes=30, reason="Calme")
    chloe = s["chloe"]  # a stale row, as an open socket holds it
    with pytest.raises(Muted) as refused:
        board_services.create_card(
            actor=chloe, board_id=board.pk, column_id=s["column"].pk, text="Encore"
        )
    assert refused.value.code == "muted" and "sourdine jusqu'au" in refused.value.message
    with pytest.raises(Muted):
        chat_services.send_message(actor=chloe, room_id=room.pk, text="Encore")
    assert Mute.objects.get().user == chloe
    # The mute ends: accepted again.
    get_user_model().objects.filter(pk=chloe.pk).update(
        muted_until=timezone.now() - timedelta(seconds=1)
    )
    board_services.create_card(
        actor=chloe, board_id=board.pk, column_id=s["column"].pk, text="Encore"
    )
    chat_services.send_message(actor=chloe, room_id=room.pk, text="Encore")


def test_bad_mutes_are_refused(s):
    for minutes in (0, "60", 60 * 24 * 91):
        with pytest.raises(Invalid):
            services.mute_member(
                actor=s["moderator"], user_id=s["chloe"].pk, minutes=minutes, reason="x"
            )
    with pytest.raises(Invalid):
        services.warn_member(actor=s["moderator"], user_id=s["chloe"].pk, reason="  ")
    with pytest.raises(Conflict):
        services.warn_member(actor=s["moderator"], user_id=s["moderator"].pk, reason="moi")
    assert not AuditEntry.objects.exists()


def test_a_ban_closes_the_account_and_its_sessions(s, client):
    from django.contrib.sessions.models import Session

    from tests.factories import session_key_for

    session_key_for(s["chloe"])
    kept = session_key_for(s["awa"])
    entry = services.ban_member(actor=s["moderator"], user_id=s["chloe"].pk, reason="Récidive")
    assert entry.details == {"sessions": 1}
    assert not get_user_model().objects.get(pk=s["chloe"].pk).is_active
    assert list(Session.objects.values_list("pk", flat=True)) == [kept]
    with pytest.raises(Forbidden):  # a socket opened before the ban
        board_services.create_card(
            actor=s["chloe"], board_id=s["board"].pk, column_id=s["column"].pk, text="x"
        )


def test_the_author_is_not_a_moderator_target_elsewhere(s):
    other = make_user("Denis")
    with pytest.raises(Forbidden):
        services.warn_member(actor=s["elsewhere"], user_id=other.pk, reason="x")
