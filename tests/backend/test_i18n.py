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


def test_the_board_and_its_script_words_are_translated(client):
    import json

    from tests.factories import make_board, make_user

    board = make_board(make_user())
    response = client.get(board.get_absolute_url(), headers={"accept-language": "en"})
    html = response.content.decode()
    assert "Who is here" in html
    labels = json.loads(json.dumps(response.context["labels"], default=str))
    assert labels["vote"] == "Vote"
    assert labels["status"]["offline"].startswith("Offline")


def test_every_message_has_an_english_translation():
    import json
    from pathlib import Path

    po = (Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po").read_text()
    untranslated = []
    for entry in po.split("\n\n")[1:]:  # the first entry is the header
        lines = [line for line in entry.splitlines() if not line.startswith("#")]
        if "#, fuzzy" in entry:
            untranslated.append(entry)
        # Each msgstr (or msgstr[n]) with its continuation lines, joined.
        translations, current = [], None
        for line in lines:
            if line.startswith("msgstr"):
                current = [json.loads(line.split(" ", 1)[1])]
                translations.append(current)
            elif line.startswith('"') and current is not None:
                current.append(json.loads(line))
        if not translations or any(not "".join(parts) for parts in translations):
            untranslated.append(entry)
    assert untranslated == []
