import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_in_french_first(client):
    html = client.get("/connexion/").content.decode()
    assert 'lang="fr"' in html
    assert "Se connecter" in html


def test_english_is_available(client):
    html = client.get("/connexion/", headers={"accept-language": "en"}).content.decode()
    assert 'lang="en"' in html
    assert "Sign in" in html
    assert "Username or email address" in html


def test_the_language_switch_remembers_the_choice(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/connexion/"})
    assert response.status_code == 302
    assert "Skip to content" in client.get("/connexion/").content.decode()
