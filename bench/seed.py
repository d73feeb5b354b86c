"""Seed a benchmark database: a new public board, its owner, editors and reader accounts.

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

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402

from boards import services  # noqa: E402
from tests.factories import session_key_for  # noqa: E402


def main(readers: int, editors: int) -> dict:
    """A new board; the accounts made by an earlier call are used again, the missing made."""
    User = get_user_model()
    password = make_password(None)  # unusable: these accounts only sign in by session
    names = [f"bench{i}" for i in range(readers + editors)]
    with transaction.atomic():
        known = {user.username: user for user in User.objects.filter(username__in=names)}
        User.objects.bulk_create(
            User(
                username=name,
                email=f"{name}@bench.invalid",
                password=password,
                display_name=f"Participant {name.removeprefix('bench')}",
            )
            for name in names
            if name not in known
        )
        known = {user.username: user for user in User.objects.filter(username__in=names)}
    people = [known[name] for name in names]
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
        "editors": [session_key_for(user) for user in people[:editors]],
        "readers": [session_key_for(user) for user in people[editors:]],
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
