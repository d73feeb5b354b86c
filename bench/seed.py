"""Seed a benchmark database: one public board, its owner, editors and reader accounts.

Prints JSON: the board, its first column, and a session key per account (readers and editors
sign in for real: their sockets carry a Django session cookie).
"""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402

from boards import services  # noqa: E402


def session_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def main(readers: int, editors: int) -> dict:
    User = get_user_model()
    password = make_password(None)  # unusable: these accounts only sign in by session
    with transaction.atomic():
        people = User.objects.bulk_create(
            User(
                username=f"bench{i}",
                email=f"bench{i}@bench.invalid",
                password=password,
                display_name=f"Participant {i}",
            )
            for i in range(readers + editors)
        )
    owner = people[0]
    board = services.create_board(actor=owner, title="Banc d'essai", votes_per_person=5)
    column = board.columns.order_by("position").first()
    card = services.create_card(
        actor=owner, board_id=board.pk, column_id=column.pk, text="Une idée à réécrire"
    ).result
    return {
        "board": board.pk,
        "column": column.pk,
        "card": card.pk,
        "editors": [session_for(user) for user in people[:editors]],
        "readers": [session_for(user) for user in people[editors:]],
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
