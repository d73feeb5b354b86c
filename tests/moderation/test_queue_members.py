"""The queue offers warn / mute / ban for every report whose target has an author (a card, a
message, a call, a project's owner, a profile), acting on that author."""

import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from backend.moderation import selectors, services
from backend.moderation.models import Action, AuditEntry
from backend.projects.models import Project
from tests.moderation.conftest import make_scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return make_scene()


def member_actions(page: str, kind: str, target: int) -> dict[str, str]:
    """action → the URL its button posts to, in the queue's row for this target."""
    row = page.split(f'id="report-{kind}-{target}"', 1)[1].split("</li>\n", 1)[0]
    found = re.findall(r'formaction="([^"]+)"', row)
    return {url.split("/")[-4]: html_lib.unescape(url) for url in found}


def test_the_queue_mutes_the_author_of_a_reported_card_with_one_audit_entry(client, s):
    card, chloe = s["card"], s["chloe"]
    services.report_content(actor=s["awa"], kind="card", target_id=card.pk, reason="abuse")
    client.force_login(s["moderator"])
    page = client.get(reverse("moderation:queue")).content.decode()
    actions = member_actions(page, "card", card.pk)
    mute = reverse("moderation:act", args=["mute", "profile", chloe.pk])
    assert actions["mute"] == mute
    assert actions["warn"] == reverse("moderation:act", args=["warn", "profile", chloe.pk])
    assert actions["ban"] == reverse("moderation:act", args=["ban", "profile", chloe.pk])
    assert 'name="minutes"' in page and "Chloé" in page
    before = AuditEntry.objects.count()
    response = client.post(mute, {"reason": "Propos blessants", "minutes": "1440"})
    assert response.status_code == 302 and response["Location"] == reverse("moderation:queue")
    chloe.refresh_from_db()
    assert chloe.muted_until > timezone.now() + timezone.timedelta(hours=23)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.target_kind, entry.target_id) == (Action.MUTE, "profile", chloe.pk)


def test_every_kind_with_an_author_gets_the_member_actions_on_that_author(client, s):
    awa, chloe = s["awa"], s["chloe"]
    project = Project.objects.get(pk=s["project"].pk)
    reports = {
        "card": (s["card"].pk, chloe),
        "message": (s["message"].pk, chloe),
        "project": (project.pk, project.owner),
        "profile": (chloe.pk, chloe),
    }
    for kind, (target, _author) in reports.items():
        reporter = s["moderator"] if kind == "project" else awa
        services.report_content(actor=reporter, kind=kind, target_id=target, reason="spam")
    groups = {g["kind"]: g for g in selectors.open_report_groups(s["moderator"].territory_id)}
    assert {kind: g["author"] for kind, g in groups.items()} == {
        kind: author for kind, (_target, author) in reports.items()
    }
    client.force_login(s["moderator"])
    page = client.get(reverse("moderation:queue")).content.decode()
    for kind, (target, author) in reports.items():
        actions = member_actions(page, kind, target)
        assert set(actions) >= {"warn", "mute", "ban", "dismiss"}, kind
        assert actions["ban"] == reverse("moderation:act", args=["ban", "profile", author.pk])
    # Posting « ban » from the project's row bans its owner, once, in the journal.
    ban = member_actions(page, "project", project.pk)["ban"]
    assert ban.endswith(f"/profile/{awa.pk}/")
    client.post(ban, {"reason": "x"})
    awa.refresh_from_db()
    assert not awa.is_active
    assert AuditEntry.objects.filter(action=Action.BAN, target_id=awa.pk).count() == 1
