import pytest
from django.contrib.auth import get_user_model

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_sign_up_creates_the_member_and_signs_them_in(client):
    response = client.post(
        "/inscription/",
        {
            "username": "awa",
            "display_name": "Awa D.",
            "email": "Awa@Example.org",
            "password1": "des-idees-pour-sceaux",
            "password2": "des-idees-pour-sceaux",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="awa")
    assert (user.display_name, user.email) == ("Awa D.", "awa@example.org")
    assert client.get("/").context["user"] == user


def test_sign_up_refuses_a_taken_email_and_a_weak_password(client):
    make_user("Awa")
    response = client.post(
        "/inscription/",
        {"username": "autre", "email": "awa@example.org", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Un compte existe déjà avec cette adresse." in html
    assert get_user_model().objects.filter(username="autre").count() == 0


@pytest.mark.parametrize("identifier", ["awa", "awa@example.org", "AWA@example.org"])
def test_sign_in_with_username_or_email(client, identifier):
    make_user("Awa")
    response = client.post("/connexion/", {"username": identifier, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].username == "awa"


def test_a_wrong_password_says_so_without_signing_in(client):
    make_user("Awa")
    response = client.post("/connexion/", {"username": "awa", "password": "non"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert response.context["form"].non_field_errors()


def test_sign_in_page_has_labelled_fields(client):
    html = client.get("/connexion/").content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'lang="fr"' in html
