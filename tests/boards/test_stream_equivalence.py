"""The board stream's strongest property (Zulip's `verify_action`): for every op, the state
fetched before, plus the events published for it, equals the state fetched after."""

import pytest

from boards import services
from boards.models import Board
from boards.selectors import board_snapshot
from tests.boards.reducer import apply_event
from tests.factories import make_board, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    owner = make_user("Awa")
    member = make_user("Bruno")
    citizen = make_user("Chloé")
    board = make_board(owner, project=make_project(owner, members=[member]), votes_per_person=3)
    todo, doing, done = board.columns.order_by("position")
    cards = [
        services.create_card(actor=actor, board_id=board.pk, column_id=todo.pk, text=text).result
        for actor, text in [
            (owner, "Un repair café"),
            (citizen, "Un potager partagé"),
            (member, "Des ateliers numériques"),
        ]
    ]
    services.vote_card(actor=citizen, board_id=board.pk, card_id=cards[0].pk)
    services.delete_card(actor=member, board_id=board.pk, card_id=cards[2].pk)
    # A group of one card (the 4th), which Bruno voted for; and a countdown running.
    cards.append(
        services.create_card(
            actor=owner, board_id=board.pk, column_id=todo.pk, text="Une fête des voisins"
        ).result
    )
    group = services.create_group(
        actor=citizen, board_id=board.pk, title="Fêtes", card_ids=[cards[3].pk]
    ).result
    services.vote_group(actor=member, board_id=board.pk, group_id=group.pk)
    services.start_timer(actor=owner, board_id=board.pk, seconds=600)
    # A card a moderator hid (the 5th).
    moderator = make_user("Modé", moderator=True)
    cards.append(
        services.create_card(
            actor=citizen, board_id=board.pk, column_id=todo.pk, text="Mon numéro : 06…"
        ).result
    )
    services.hide_card(actor=moderator, board_id=board.pk, card_id=cards[4].pk)
    return {
        "moderator": moderator,
        "group": group,
        "owner": owner,
        "member": member,
        "citizen": citizen,
        "board": board,
        "columns": (todo, doing, done),
        "cards": cards,
    }


def _ops():
    def card_op(service, actor="owner", card=0, **kwargs):
        def run(s):
            return service(
                actor=s[actor],
                board_id=s["board"].pk,
                card_id=s["cards"][card].pk,
                **{k: v(s) if callable(v) else v for k, v in kwargs.items()},
            )

        return run

    return {
        "card.create": lambda s: services.create_card(
            actor=s["citizen"],
            board_id=s["board"].pk,
            column_id=s["columns"][1].pk,
            text="Une boîte à livres",
            color="pink",
        ),
        "card.update text": card_op(services.update_card, text="Un repair café chaque mois"),
        "card.update colour": card_op(services.update_card, color="blue"),
        "card.update stale": card_op(services.update_card, text="Autre version", base_version=0),
        "card.move to the top": card_op(
            services.move_card, card=1, column_id=lambda s: s["columns"][0].pk, after_id=None
        ),
        "card.move after": card_op(
            services.move_card,
            card=0,
            column_id=lambda s: s["columns"][0].pk,
            after_id=lambda s: s["cards"][1].pk,
        ),
        "card.move across": card_op(services.move_card, column_id=lambda s: s["columns"][2].pk),
        "card.delete": card_op(services.delete_card, actor="citizen", card=1),
        "card.restore": card_op(services.restore_card, actor="member", card=2),
        "card.vote": card_op(services.vote_card, actor="member", card=1),
        "card.hide": card_op(services.hide_card, actor="moderator", card=1),
        "card.hide grouped": card_op(services.hide_card, actor="moderator", card=3),
        "card.unhide": card_op(services.unhide_card, actor="moderator", card=4),
        "card.unvote": card_op(services.unvote_card, actor="citizen", card=0),
        "column.create": lambda s: services.create_column(
            actor=s["member"], board_id=s["board"].pk, title="Plus tard"
        ),
        "column.update": lambda s: services.update_column(
            actor=s["owner"], board_id=s["board"].pk, column_id=s["columns"][1].pk, title="En cours"
        ),
        "column.delete": lambda s: services.delete_column(
            actor=s["owner"], board_id=s["board"].pk, column_id=s["columns"][1].pk
        ),
        "group.create with a card": lambda s: services.create_group(
            actor=s["citizen"],
            board_id=s["board"].pk,
            title="Nature en ville",
            card_ids=[s["cards"][1].pk],
        ),
        "group.create empty": lambda s: services.create_group(
            actor=s["member"], board_id=s["board"].pk, title="À trier"
        ),
        "group.update": lambda s: services.update_group(
            actor=s["owner"], board_id=s["board"].pk, group_id=s["group"].pk, title="La fête"
        ),
        "group.delete": lambda s: services.delete_group(
            actor=s["citizen"], board_id=s["board"].pk, group_id=s["group"].pk
        ),
        "card.group into": card_op(
            services.group_card, actor="citizen", card=0, group_id=lambda s: s["group"].pk
        ),
        "card.group out": card_op(services.group_card, actor="member", card=3, group_id=None),
        "group.vote": lambda s: services.vote_group(
            actor=s["citizen"], board_id=s["board"].pk, group_id=s["group"].pk
        ),
        "group.unvote": lambda s: services.unvote_group(
            actor=s["member"], board_id=s["board"].pk, group_id=s["group"].pk
        ),
        "timer.start": lambda s: services.start_timer(
            actor=s["owner"], board_id=s["board"].pk, seconds=90
        ),
        "timer.stop": lambda s: services.stop_timer(actor=s["member"], board_id=s["board"].pk),
        "board.update": lambda s: services.update_board(
            actor=s["owner"],
            board_id=s["board"].pk,
            title="Nouveau titre",
            locked=True,
            votes_per_person=4,
        ),
    }


OPS = _ops()


@pytest.mark.parametrize("name", OPS)
def test_state_before_plus_events_equals_state_after(
    scene, published, django_capture_on_commit_callbacks, name
):
    board = scene["board"]
    before = board_snapshot(Board.objects.get(pk=board.pk))
    with django_capture_on_commit_callbacks(execute=True):
        applied = OPS[name](scene)
    after = board_snapshot(Board.objects.get(pk=board.pk))
    assert after != before, "the op changed nothing: the test would prove nothing"
    assert [frame["seq"] for frame in published] == [applied.seq]
    state = before
    for frame in published:
        state = apply_event(state, frame)
    assert state == after


def test_a_new_board_is_rebuilt_from_its_stream_alone(
    published, django_capture_on_commit_callbacks
):
    owner = make_user()
    with django_capture_on_commit_callbacks(execute=True):
        board = services.create_board(
            actor=owner, title="Parlons ensemble", columns=["Idées", "Retenues"]
        )
        column = board.columns.first()
        services.create_card(actor=owner, board_id=board.pk, column_id=column.pk, text="Un banc")
    state: dict = {}
    for frame in published:
        state = apply_event(state, frame)
    assert state == board_snapshot(Board.objects.get(pk=board.pk))
    assert [frame["seq"] for frame in published] == [1, 2]


def test_a_long_random_session_stays_equivalent(
    scene, published, django_capture_on_commit_callbacks
):
    """Many ops by several people in a row: the client state never drifts."""
    import random

    from realtime.errors import Refused

    rng = random.Random(20261122)
    board = scene["board"]
    start = board_snapshot(Board.objects.get(pk=board.pk))
    people = [scene["owner"], scene["member"], scene["citizen"]]
    columns = [c.pk for c in scene["columns"]]
    for step in range(120):
        actor = rng.choice(people)
        live = list(board.cards.filter(deleted_at__isnull=True).values_list("pk", "column_id"))
        groups = list(board.groups.filter(deleted_at__isnull=True).values_list("pk", flat=True))
        action = rng.choice(
            [
                *("create", "create", "update", "move", "move", "vote", "unvote", "delete"),
                *("group", "regroup", "group vote", "group unvote", "ungroup"),
            ]
        )
        try:
            with django_capture_on_commit_callbacks(execute=True):
                if action == "create" or not live:
                    services.create_card(
                        actor=actor,
                        board_id=board.pk,
                        column_id=rng.choice(columns),
                        text=f"Idée {step}",
                    )
                elif action == "update":
                    services.update_card(
                        actor=actor,
                        board_id=board.pk,
                        card_id=rng.choice(live)[0],
                        text=f"Texte {step}",
                    )
                elif action == "move":
                    card_id = rng.choice(live)[0]
                    column_id = rng.choice(columns)
                    siblings = [pk for pk, col in live if col == column_id and pk != card_id]
                    services.move_card(
                        actor=actor,
                        board_id=board.pk,
                        card_id=card_id,
                        column_id=column_id,
                        after_id=rng.choice([None, *siblings]),
                    )
                elif action == "group" or (action.startswith("group") and not groups):
                    services.create_group(
                        actor=actor,
                        board_id=board.pk,
                        title=f"Groupe {step}",
                        card_ids=[rng.choice(live)[0]],
                    )
                elif action in {"regroup", "ungroup"}:
                    services.group_card(
                        actor=actor,
                        board_id=board.pk,
                        card_id=rng.choice(live)[0],
                        group_id=rng.choice(groups) if action == "regroup" and groups else None,
                    )
                elif action in {"group vote", "group unvote"}:
                    service = (
                        services.vote_group if action == "group vote" else services.unvote_group
                    )
                    service(actor=actor, board_id=board.pk, group_id=rng.choice(groups))
                elif action in {"vote", "unvote"}:
                    service = services.vote_card if action == "vote" else services.unvote_card
                    service(actor=actor, board_id=board.pk, card_id=rng.choice(live)[0])
                else:
                    services.delete_card(
                        actor=actor, board_id=board.pk, card_id=rng.choice(live)[0]
                    )
        except Refused:
            pass  # refused ops (someone else's card, no vote left...) publish nothing
    state = start
    for frame in published:
        state = apply_event(state, frame)
    assert [f["seq"] for f in published] == list(
        range(published[0]["seq"], published[0]["seq"] + len(published))
    )
    assert len(published) > 60
    assert state == board_snapshot(Board.objects.get(pk=board.pk))
