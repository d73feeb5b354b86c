"""Meeting pages: who may open and post what, the forms, registering, the list and the export."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backend.meetings import services
from backend.meetings.models import Meeting, Registration
from notifications.models import Notification
from tests.factories import make_user
from tests.meetings.conftest import make_meeting, member, soon
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def form_data(s, **overrides) -> dict:
    return {
        "title": "Rencontre solidarité",
        "description": "",
        "starts_at": timezone.localtime(soon()).strftime(LOCAL),
        "ends_at": "",
        "place": "Salle des fêtes",
        "themes": [s["solidarity"].pk],
        "capacity": "20",
        **overrides,
    }


def pages(s, meeting) -> dict:
    return {
        "create form": ("get", reverse("meetings:create"), {}),
        "create": ("post", reverse("meetings:create"), form_data(s, invite="on")),
        "edit form": ("get", reverse("meetings:edit", args=[meeting.pk]), {}),
        "edit": (
            "post",
            reverse("meetings:edit", args=[meeting.pk]),
            form_data(s, title="Changé", place="Ailleurs", capacity="3"),
        ),
        "cancel": ("post", reverse("meetings:cancel", args=[meeting.pk]), {}),
        "invite": ("post", reverse("meetings:invite", args=[meeting.pk]), {}),
        "export": ("get", reverse("meetings:export", args=[meeting.pk]), {}),
    }


@pytest.mark.parametrize(
    "page", ["create form", "create", "edit form", "edit", "cancel", "invite", "export"]
)
@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 302), ("awa", 403), ("elsewhere", 403), ("moderator", None)],
)
def test_rights_on_every_moderators_page(client, s, page, who, status):
    meeting = make_meeting(s)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    member("Bruno", s["solidarity"])  # someone to invite
    if who:
        client.force_login(s[who])
    method, url, data = pages(s, meeting)[page]
    response = getattr(client, method)(url, data)
    if who == "elsewhere" and page.startswith("create"):
        # A moderator of Antony creates in Antony: never in Sceaux.
        assert response.status_code == (200 if method == "get" else 302)
        assert set(Meeting.objects.values_list("territory__name", flat=True)) == (
            {"Sceaux"} if method == "get" else {"Sceaux", "Antony"}
        )
        return
    if status is None:
        assert response.status_code == (200 if method == "get" else 302)
        return
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("accounts:login"))
    meeting.refresh_from_db()
    assert Meeting.objects.count() == 1  # nothing created...
    unchanged = ("Rencontre solidarité", "Salle des fêtes", 3)
    assert (meeting.title, meeting.place, meeting.capacity) == unchanged  # ...nor changed
    assert meeting.status == Meeting.Status.SCHEDULED
    assert not Notification.objects.exists() and not meeting.invitations.exists()


def test_what_a_moderators_action_does_from_the_pages(s):
    client = signed_in(s["moderator"])
    bruno = member("Bruno", s["solidarity"])
    response = post(client, reverse("meetings:create"), form_data(s, invite="on"))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert sorted(Notification.objects.values_list("user__username", flat=True)) == [
        "awa",
        "bruno",
    ]
    post(client, reverse("meetings:invite", args=[meeting.pk]), {})
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Aucun nouveau membre à inviter." in page and "2 membres invités" in page
    services.register(actor=bruno, meeting_id=meeting.pk)
    edit = reverse("meetings:edit", args=[meeting.pk])
    assert 'value="Rencontre solidarité"' in client.get(edit).content.decode()  # filled in
    post(client, edit, form_data(s, place="Médiathèque"))
    meeting.refresh_from_db()
    assert meeting.place == "Médiathèque"
    assert Notification.objects.filter(user=bruno, kind="meeting.change").count() == 1
    post(client, reverse("meetings:cancel", args=[meeting.pk]), {})
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.CANCELLED
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Cette rencontre est annulée." in page and "Je m'inscris" not in page


def test_posts_need_the_csrf_token(s):
    meeting = make_meeting(s)
    client = signed_in(s["awa"])
    response = client.post(reverse("meetings:register", args=[meeting.pk]))
    assert response.status_code == 403 and not Registration.objects.exists()
    moderator = signed_in(s["moderator"])
    assert moderator.post(reverse("meetings:create"), form_data(s)).status_code == 403
    assert Meeting.objects.count() == 1


# The form ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"title": ""}, "title", "Ce champ est obligatoire."),
        ({"title": "x" * 201}, "title", "200 caractères"),
        ({"place": ""}, "place", "Ce champ est obligatoire."),
        ({"starts_at": ""}, "starts_at", "Ce champ est obligatoire."),
        ({"capacity": "0"}, "capacity", "supérieure ou égale à 1"),
        ({"capacity": "-4"}, "capacity", "supérieure ou égale à 1"),
        ({"capacity": "beaucoup"}, "capacity", "nombre entier"),
        ({"themes": []}, "themes", "Ce champ est obligatoire."),
        (
            {"themes": ["999999"]},
            "themes",
            "999999 n\N{RIGHT SINGLE QUOTATION MARK}en fait pas partie",
        ),
        ({"themes": ["abc"]}, "themes", "abc"),
        ({"starts_at": "hier"}, "starts_at", "date et une heure valides"),
        (
            {"starts_at": timezone.localtime(timezone.now() - timedelta(days=1)).strftime(LOCAL)},
            "starts_at",
            "Cette date est déjà passée.",
        ),
        (
            {
                "ends_at": timezone.localtime(soon() - timedelta(hours=2)).strftime(LOCAL),
            },
            "ends_at",
            "La fin doit venir après le début.",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isidentifier() else None,
)
def test_bad_input_is_explained_next_to_its_field_and_nothing_is_lost(s, overrides, field, says):
    client = signed_in(s["moderator"])
    data = form_data(s, description="Mon texte <b>à garder</b>", **overrides)
    response = post(client, reverse("meetings:create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    error_id = f"id_{field}_error"
    assert f'<p class="error" id="{error_id}">' in page
    error = page.split(f'id="{error_id}">', 1)[1].split("</p>", 1)[0]
    assert says in error
    assert re.search(f'aria-describedby="[^"]*{error_id}"', page)  # the error is the field's
    assert page.count("autofocus") == 1  # the first field in error takes the focus
    assert re.search(f'<[^>]* autofocus [^>]*id="id_{field}(_0)?"', page)
    assert "Mon texte &lt;b&gt;à garder&lt;/b&gt;" in page  # typed text kept, escaped
    if field != "place":
        assert 'value="Salle des fêtes"' in page
    assert not Meeting.objects.exists()


def test_a_refusal_of_the_service_shows_above_the_form(s):
    meeting = make_meeting(s, capacity=3)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    services.register(actor=member("Bruno"), meeting_id=meeting.pk)
    client = signed_in(s["moderator"])
    response = post(client, reverse("meetings:edit", args=[meeting.pk]), form_data(s, capacity="1"))
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert "2 personnes sont déjà inscrites" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.capacity == 3


# Registering -------------------------------------------------------------------------------


def test_registering_and_cancelling_from_the_meeting_page(s):
    meeting = make_meeting(s, capacity=2)
    client = signed_in(s["awa"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "0 inscrit(s) sur 2 : encore 2 places" in page and "Je m'inscris" in page
    register = reverse("meetings:register", args=[meeting.pk])
    response = post(client, register, {})
    assert response.status_code == 302
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Vous êtes inscrit·e." in page  # the message
    assert "1 inscrit(s) sur 2 : encore 1 place" in page and "Annuler mon inscription" in page
    post(client, register, {})
    assert (
        "Vous êtes déjà inscrit·e à cette rencontre."
        in client.get(meeting.get_absolute_url()).content.decode()
    )
    assert Registration.objects.count() == 1
    services.register(actor=member("Bruno"), meeting_id=meeting.pk)
    chloe = signed_in(member("Chloé"))
    page = chloe.get(meeting.get_absolute_url()).content.decode()
    assert "Complet" in page and "Je m'inscris" not in page
    post(chloe, register, {})
    assert "Cette rencontre est complète." in chloe.get(meeting.get_absolute_url()).content.decode()
    post(client, reverse("meetings:unregister", args=[meeting.pk]), {})
    assert not Registration.objects.filter(person=s["awa"]).exists()
    assert (
        "Votre inscription est annulée." in client.get(meeting.get_absolute_url()).content.decode()
    )


def test_past_and_cancelled_meetings_say_so_and_refuse(s):
    past = make_meeting(s)
    Meeting.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    client = signed_in(s["awa"])
    post(client, reverse("meetings:register", args=[past.pk]), {})
    page = client.get(past.get_absolute_url()).content.decode()
    assert "Cette rencontre est passée." in page and "Les inscriptions sont closes." in page
    Meeting.objects.filter(pk=past.pk).update(ends_at=timezone.now() + timedelta(hours=1))
    page = client.get(past.get_absolute_url()).content.decode()
    assert "Cette rencontre est en cours." in page and "Les inscriptions sont closes." in page
    cancelled = make_meeting(s)
    services.cancel_meeting(actor=s["moderator"], meeting_id=cancelled.pk)
    post(client, reverse("meetings:register", args=[cancelled.pk]), {})
    assert (
        "Cette rencontre est annulée." in client.get(cancelled.get_absolute_url()).content.decode()
    )
    assert not Registration.objects.exists()


def test_a_meeting_of_another_territory_is_not_found_and_anonymous_signs_in(client, s):
    meeting = make_meeting(s)
    client.force_login(member("Fanny", territory=s["antony"]))
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.post(reverse("meetings:register", args=[meeting.pk])).status_code == 403
    client.logout()
    for url in (reverse("meetings:list"), meeting.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('accounts:login')}?next={url}"
    response = client.post(reverse("meetings:register", args=[meeting.pk]))
    assert response.status_code == 302 and not Registration.objects.exists()
    assert client.get(reverse("meetings:detail", args=[999_999])).status_code == 302


# The list ----------------------------------------------------------------------------------


def test_the_list_shows_the_upcoming_meetings_of_my_territory(client, s):
    later = make_meeting(s, title="Plus tard", starts_at=soon(10), themes=[s["culture"]])
    sooner = make_meeting(s, title="Bientôt <b>!</b>", starts_at=soon(2))
    past = make_meeting(s, title="Passée")
    Meeting.objects.filter(pk=past.pk).update(starts_at=timezone.now() - timedelta(days=1))
    cancelled = make_meeting(s, title="Annulée")
    services.cancel_meeting(actor=s["moderator"], meeting_id=cancelled.pk)
    make_meeting(s, actor="elsewhere", title="À Antony")
    services.register(actor=s["awa"], meeting_id=sooner.pk)
    client.force_login(s["awa"])
    page = client.get(reverse("meetings:list")).content.decode()
    assert page.index("Bientôt &lt;b&gt;!&lt;/b&gt;") < page.index("Plus tard")
    assert "Passée" not in page and "Annulée" not in page and "À Antony" not in page
    assert '<span class="tag">Culture</span>' in page and "Vous êtes inscrit·e" in page
    assert "1 inscrit(s) sur 3 places" in page
    assert "Créer une rencontre" not in page
    client.force_login(s["moderator"])
    assert "Créer une rencontre" in client.get(reverse("meetings:list")).content.decode()
    assert later.pk


def test_the_list_draws_in_constant_queries(client, s):
    client.force_login(s["awa"])
    url = reverse("meetings:list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    make_meeting(s)
    one = queries()
    for n in range(6):
        meeting = make_meeting(s, themes=[s["solidarity"], s["culture"]], title=f"n° {n}")
        services.register(actor=member(f"Inscrit{n}"), meeting_id=meeting.pk)
    assert queries() == one


def test_the_moderation_queue_links_to_the_meetings(s):
    client = signed_in(s["moderator"])
    page = client.get(reverse("moderation:queue")).content.decode()
    assert f'href="{reverse("meetings:list")}"' in page


# The export --------------------------------------------------------------------------------


def test_the_export_lists_the_registered_people_and_defuses_formulas(s):
    meeting = make_meeting(s, capacity=5)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    for name in ("=HYPERLINK(1)", "+33", "-moins", "@arobase"):
        person = member(name.strip("=+-@") or "x")
        person.display_name = name
        person.save(update_fields=["display_name"])
        services.register(actor=person, meeting_id=meeting.pk)
    services.register(actor=member("Bruno"), meeting_id=make_meeting(s).pk)  # another meeting
    client = signed_in(s["moderator"])
    response = client.get(reverse("meetings:export", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="rencontre-{meeting.pk}-inscrits.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    at = {
        r.person.display_name: timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M")
        for r in meeting.registrations.select_related("person")
    }
    assert rows == [
        ["nom", "inscrit·e le"],
        ["Awa", at["Awa"]],
        ["'=HYPERLINK(1)", at["=HYPERLINK(1)"]],
        ["'+33", at["+33"]],
        ["'-moins", at["-moins"]],
        ["'@arobase", at["@arobase"]],
    ]
    assert "@example.org" not in response.content.decode()  # no e-mail address


def test_the_admin_shows_meetings_but_writes_nothing(client, s):
    meeting = make_meeting(s)
    services.register(actor=s["awa"], meeting_id=meeting.pk)
    admin = make_user("Admin")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200 and "Awa" in page.content.decode()
    assert client.get(reverse("admin:meetings_meeting_add")).status_code == 403
    client.post(reverse("admin:meetings_meeting_delete", args=[meeting.pk]), {"post": "yes"})
    assert Meeting.objects.filter(pk=meeting.pk).exists()
