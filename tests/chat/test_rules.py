"""Who may read and write each kind of room, as a table."""

import pytest
from django.contrib.auth.models import AnonymousUser

from chat import rules
from chat.models import Message
from tests.chat.conftest import make_scene
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# who → (read team, post team, read open, post open)
TABLE = {
    "anonymous": (False, False, True, False),
    "member of the site": (False, False, True, True),
    "team member": (True, True, True, True),
    "owner": (True, True, True, True),
    "moderator": (False, False, True, True),
}


@pytest.mark.parametrize("who", TABLE)
def test_rights_per_role_and_room(who):
    scene = make_scene()
    person = {
        "anonymous": AnonymousUser(),
        "member of the site": scene["chloe"],
        "team member": scene["bruno"],
        "owner": scene["awa"],
        "moderator": make_user(moderator=True),
    }[who]
    team, open_room = scene["team"], scene["open"]
    assert (
        rules.can_read_room(person, team),
        rules.can_post(person, team),
        rules.can_read_room(person, open_room),
        rules.can_post(person, open_room),
    ) == TABLE[who]


def test_only_the_author_changes_a_message():
    scene = make_scene()
    message = Message(room=scene["team"], author=scene["bruno"], text="x", seq=1)
    assert rules.can_change_message(scene["bruno"], message)
    assert not rules.can_change_message(scene["awa"], message)
    assert not rules.can_change_message(AnonymousUser(), message)
    former = Message(room=scene["team"], author=None, text="x", seq=1)
    assert not rules.can_change_message(scene["bruno"], former)
