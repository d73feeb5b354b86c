"""Profiles of people and organisations, e-mail confirmation, password reset, the member's
data: export and deletion."""

import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from PIL import Image

from backend.accounts import services
from backend.accounts.models import OrganisationMember
from backend.territories.models import Skill
from boards import services as boards
from realtime.errors import Forbidden, Invalid
from realtime.models import Event
from tests.factories import PASSWORD, make_board, make_project, make_theme, make_user
from tests.web import post, signed_in

pytestmark = pytest.mark.django_db
User = get_user_model()


def profile_data(**overrides) -> dict:
    data = {
        "display_name": "Awa D.",
        "kind": "person",
        "bio": "Je répare des vélos.",
        "links": "https://exemple.fr/awa",
        "public_fields": ["skills", "links"],
    }
    return {**data, **overrides}


def image_file(size=(1000, 500), fmt="PNG", name="photo.png") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, fmt)
    buffer.name = name
    buffer.seek(0)
    return buffer


def test_the_public_page_shows_only_what_the_member_chose(client):
    awa = make_user("Awa")
    Skill.objects.create(name="Graphisme", slug="graphisme", is_managed=True)
    services.update_profile(
        actor=awa,
        user_id=awa.pk,
        display_name="Awa D.",
        kind="person",
        bio="Une présentation privée",
        skills=Skill.objects.all(),
        themes=[make_theme("Solidarité")],
        public_fields=["skills"],
    )
    make_project(awa, title="Repair Café")
    html = client.get(reverse("accounts:profile", args=["awa"])).content.decode()
    assert "Awa D." in html and "Graphisme" in html and "Repair Café" in html
    assert "Une présentation privée" not in html and "Solidarité" not in html
    assert awa.email not in html


def test_editing_the_profile_with_managed_and_free_skills():
    awa = make_user("Awa")
    managed = Skill.objects.create(name="Graphisme", slug="graphisme", is_managed=True)
    client = signed_in(awa)
    data = profile_data(skills=[managed.pk], other_skills="Couture, graphisme, vidéo")
    assert post(client, reverse("accounts:edit_profile"), data).status_code == 302
    awa.refresh_from_db()
    assert awa.display_name == "Awa D." and awa.links == [{"url": "https://exemple.fr/awa"}]
    assert sorted(s.name for s in awa.skills.all()) == ["Couture", "Graphisme", "vidéo"]
    assert not Skill.objects.get(name="Couture").is_managed


@pytest.mark.parametrize(
    "overrides",
    [
        {"links": "javascript:alert(1)"},
        {"links": "\n".join(f"https://exemple.fr/{n}" for n in range(6))},
        {"display_name": ""},
        {"bio": "x" * 1001},
        {"kind": "robot"},
    ],
)
def test_bad_profile_input_is_refused_and_changes_nothing(overrides):
    awa = make_user("Awa")
    response = post(signed_in(awa), reverse("accounts:edit_profile"), profile_data(**overrides))
    assert response.status_code == 400
    awa.refresh_from_db()
    assert awa.display_name == "Awa" and awa.links == [] and awa.bio == ""


def test_no_one_edits_someone_elses_profile():
    awa, bruno = make_user("Awa"), make_user("Bruno")
    with pytest.raises(Forbidden):
        services.update_profile(actor=bruno, user_id=awa.pk, display_name="Pirate", kind="person")


def test_an_avatar_is_cropped_resized_and_reencoded():
    awa = make_user("Awa")
    client = signed_in(awa)
    data = profile_data(avatar=image_file(), public_fields=["avatar"])
    assert post(client, reverse("accounts:edit_profile"), data).status_code == 302
    awa.refresh_from_db()
    with Image.open(awa.avatar.path) as stored:
        assert stored.format == "WEBP" and stored.size == (256, 256)
        assert not stored.getexif()
    assert awa.avatar.url in Client().get(awa.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (io.BytesIO(b"not an image at all"), "pas une image"),
        (None, "trop lourde"),
    ],
)
def test_a_bad_avatar_is_refused(upload, message):
    awa = make_user("Awa")
    if upload is None:  # 3 MB of noise saved as BMP: over the limit
        upload = image_file(size=(1100, 1000), fmt="BMP", name="big.bmp")
    upload.name = getattr(upload, "name", "photo.png")
    response = post(signed_in(awa), reverse("accounts:edit_profile"), profile_data(avatar=upload))
    assert response.status_code == 400
    assert message in response.content.decode().lower()
    awa.refresh_from_db()
    assert not awa.avatar


def test_sign_up_sends_a_confirmation_link_that_confirms_once():
    client = Client()
    response = client.post(
        reverse("accounts:sign_up"),
        {
            "username": "chloe",
            "display_name": "Chloé",
            "email": "chloe@example.org",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 302
    chloe = User.objects.get(username="chloe")
    assert not services.can_publish(chloe)
    (message,) = mail.outbox
    assert message.to == ["chloe@example.org"]
    link = re.search(r"http://testserver(/confirmer/\S+/)", message.body).group(1)
    assert client.get(link).status_code == 302
    chloe.refresh_from_db()
    assert services.can_publish(chloe)
    assert client.get("/confirmer/pas-un-jeton/").status_code == 400


def test_a_confirmation_link_for_an_old_address_is_void():
    awa = make_user("Awa")
    token = services.confirmation_token(awa)
    awa.email = "nouvelle@example.org"
    awa.save()
    with pytest.raises(Invalid):
        services.confirm_email(token)


def test_password_reset_by_email():
    awa = make_user("Awa")
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": awa.email})
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/mot-de-passe/nouveau/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    new = "un-tout-nouveau-mot-de-passe-7"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done.status_code == 302
    assert Client().login(username="awa", password=new)


def test_people_act_for_an_organisation():
    asso, awa, bruno = make_user("Repair Sceaux"), make_user("Awa"), make_user("Bruno")
    asso.kind = "association"
    asso.save()
    services.add_organisation_member(
        actor=asso, organisation_id=asso.pk, identifier=awa.email, admin=True
    )
    services.add_organisation_member(actor=awa, organisation_id=asso.pk, identifier="bruno")
    with pytest.raises(Forbidden):  # a member who is not an admin
        services.add_organisation_member(actor=bruno, organisation_id=asso.pk, identifier="awa")
    with pytest.raises(Invalid):
        services.add_organisation_member(actor=asso, organisation_id=asso.pk, identifier="nobody")
    page = Client().get(asso.get_absolute_url()).content.decode()
    assert "Awa" in page and "Bruno" in page
    assert "Repair Sceaux" in Client().get(awa.get_absolute_url()).content.decode()
    services.remove_organisation_member(actor=bruno, organisation_id=asso.pk, person_id=bruno.pk)
    assert list(OrganisationMember.objects.values_list("person__username", flat=True)) == ["awa"]


def test_the_export_holds_my_data_and_only_mine():
    awa, bruno = make_user("Awa"), make_user("Bruno")
    board = make_board(bruno)
    column = board.columns.first()
    boards.create_card(actor=awa, board_id=board.pk, column_id=column.pk, text="Idée d'Awa")
    boards.create_card(actor=bruno, board_id=board.pk, column_id=column.pk, text="Idée de Bruno")
    response = signed_in(awa).get(reverse("accounts:export"))
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["email"] == awa.email
    assert [card["text"] for card in data["cards"]] == ["Idée d'Awa"]
    assert "Idée de Bruno" not in response.content.decode()
    assert set(data) >= {"profile", "projects", "cards", "votes", "messages", "notifications"}


def test_deleting_an_account_keeps_the_writing_and_forgets_the_person(client):
    awa, bruno = make_user("Awa"), make_user("Bruno")
    board = make_board(bruno)
    column = board.columns.first()
    boards.create_card(actor=awa, board_id=board.pk, column_id=column.pk, text="Un repair café")
    awa_client = signed_in(awa)
    url = reverse("accounts:delete")
    assert post(awa_client, url, {"password": "mauvais"}).status_code == 400
    assert User.objects.get(pk=awa.pk).is_active
    assert post(awa_client, url, {"password": PASSWORD}).status_code == 302
    gone = User.objects.get(pk=awa.pk)
    assert not gone.is_active and gone.email != awa.email and gone.username != "awa"
    assert not Client().login(username="awa", password=PASSWORD)
    page = client.get(board.get_absolute_url()).content.decode()
    assert "Un repair café" in page and "ancien membre" in page and "Awa" not in page
    logged = json.dumps(
        [e.actor for e in Event.objects.all()] + [e.data for e in Event.objects.all()]
    )
    assert "Awa" not in logged
    assert client.get(reverse("accounts:profile", args=["awa"])).status_code == 404
    make_user("Awa")  # the address and the name are free again


def test_a_project_owner_hands_projects_over_before_leaving():
    awa = make_user("Awa")
    make_project(awa)
    with pytest.raises(Invalid):
        services.delete_account(actor=awa, password=PASSWORD)
    assert User.objects.get(pk=awa.pk).is_active
