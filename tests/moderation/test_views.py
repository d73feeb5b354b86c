"""Moderation pages: who may open them, and the report form."""

import pytest
from django.urls import reverse

from backend.moderation import services
from backend.moderation.models import AuditEntry, Report
from boards.models import Card
from tests.moderation.conftest import make_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return make_scene()


def pages(s):
    card = s["card"].pk
    return {
        "queue": ("get", reverse("moderation:queue"), {}),
        "journal": ("get", reverse("moderation:journal"), {}),
        "hide": ("post", reverse("moderation:act", args=["hide", "card", card]), {"reason": "x"}),
        "dismiss": ("post", reverse("moderation:act", args=["dismiss", "card", card]), {}),
        "warn": (
            "post",
            reverse("moderation:act", args=["warn", "profile", s["chloe"].pk]),
            {"reason": "x"},
        ),
        "mute": (
            "post",
            reverse("moderation:act", args=["mute", "profile", s["chloe"].pk]),
            {"reason": "x", "minutes": "60"},
        ),
        "ban": (
            "post",
            reverse("moderation:act", args=["ban", "profile", s["chloe"].pk]),
            {"reason": "x"},
        ),
    }


@pytest.mark.parametrize("page", ["queue", "journal", "hide", "dismiss", "warn", "mute", "ban"])
@pytest.mark.parametrize(
    ("who", "status"), [("moderator", None), ("elsewhere", 403), ("awa", 403), (None, 302)]
)
def test_rights_on_every_page_and_action(client, s, page, who, status):
    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam")
    if who:
        client.force_login(s[who])
    method, url, data = pages(s)[page]
    response = getattr(client, method)(url, data)
    if status is None:
        assert response.status_code == (200 if method == "get" else 302)
        assert AuditEntry.objects.count() == (0 if method == "get" else 1)
        return
    if who == "elsewhere" and method == "get":
        # Their own territory's queue and journal: nothing of Sceaux in it.
        assert response.status_code == 200
        assert "Un texte à cacher" not in response.content.decode()
        return
    assert response.status_code == status
    if status == 302:
        assert reverse("accounts:login") in response["Location"]
    assert not AuditEntry.objects.exists()
    assert Report.objects.get().resolved_at is None
    assert Card.objects.get(pk=s["card"].pk).hidden_at is None


def test_the_queue_groups_reports_by_target_newest_first(client, s):
    services.report_content(actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam")
    services.report_content(
        actor=s["moderator"], kind="card", target_id=s["card"].pk, reason="abuse", text="Grossier"
    )
    services.report_content(
        actor=s["awa"], kind="message", target_id=s["message"].pk, reason="spam"
    )
    client.force_login(s["moderator"])
    html = client.get(reverse("moderation:queue")).content.decode()
    assert html.index("Un message à cacher") < html.index("Un texte à cacher")
    assert "2 signalements" in html and "propos abusifs (1)" in html and "Grossier" in html
    assert "Masquer" in html and "Classer sans suite" in html
    # Another territory's moderator sees none of it.
    client.force_login(s["elsewhere"])
    assert "Un texte à cacher" not in client.get(reverse("moderation:queue")).content.decode()


def test_the_queue_and_journal_draw_in_constant_queries(client, s, django_assert_max_num_queries):
    for n in range(5):
        services.report_content(
            actor=s["awa"], kind="card", target_id=s["card"].pk, reason="spam"
        ) if n == 0 else None
        services.warn_member(actor=s["moderator"], user_id=s["chloe"].pk, reason=f"n° {n}")
    client.force_login(s["moderator"])
    with django_assert_max_num_queries(8):
        client.get(reverse("moderation:queue"))
    with django_assert_max_num_queries(8):
        html = client.get(reverse("moderation:journal")).content.decode()
    assert html.index("n° 4") < html.index("n° 0")


def test_the_report_form(client, s):
    url = reverse("moderation:report", args=["card", s["card"].pk])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(s["awa"])
    page = client.get(url).content.decode()
    assert (
        "Un texte à cacher" in page and 'for="reason-spam"' in page and "hors sujet" in page.lower()
    )
    response = client.post(url, {"reason": "off_topic", "text": "Rien à voir"})
    assert response.status_code == 302
    assert Report.objects.get().reason == "off_topic"
    again = client.post(url, {"reason": "spam"})
    assert again.status_code == 409 and Report.objects.count() == 1
    assert client.post(url, {"reason": "spam", "text": "x" * 1001}).status_code in (400, 409)
    assert client.get(reverse("moderation:report", args=["planet", 1])).status_code == 404
    assert client.get(reverse("moderation:report", args=["card", 999999])).status_code == 404


def test_the_admin_cannot_change_the_journal(admin_client, s):
    entry = services.warn_member(actor=s["moderator"], user_id=s["chloe"].pk, reason="x")
    assert admin_client.get(f"/admin/moderation/auditentry/{entry.pk}/change/").status_code in (
        200,
        403,
    )
    admin_client.post(f"/admin/moderation/auditentry/{entry.pk}/change/", {"reason": "changé"})
    admin_client.post(f"/admin/moderation/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert AuditEntry.objects.get().reason == "x"
    assert admin_client.get("/admin/moderation/auditentry/add/").status_code == 403
