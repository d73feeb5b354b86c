"""Every change to a board goes through here: the only writer of board rows.

Each op service runs in one transaction (`board_op`): it locks the board row, answers a
retried op with the ack it already got, checks rights, validates, writes, and appends one event
to the board's stream (published after commit). Callers pass `board_id`; the service body
receives the locked `board`. Refusals are realtime.errors exceptions: the HTTP
views and the WebSocket consumer turn them into a status or an `error` frame.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.moderation import activity
from boards import positions, rules
from boards.models import (
    BOARD_TITLE_MAX,
    CARD_TEXT_MAX,
    COLUMN_TITLE_MAX,
    GROUP_TITLE_MAX,
    TIMER_MAX_SECONDS,
    TIMER_MIN_SECONDS,
    Board,
    Card,
    CardColor,
    CardGroup,
    CardRevision,
    Column,
    Phase,
    Vote,
)
from boards.selectors import (
    board_data,
    card_data,
    column_data,
    group_data,
    hidden_card_count,
    live_cards,
    timer_data,
    votes_of,
)
from realtime import streams
from realtime.auth import actor_of, client_key
from realtime.errors import Conflict, Forbidden, Invalid, Locked, Muted, NotFound
from realtime.prepared import PreparedInsert, PreparedQuery
from realtime.streams import Applied

DEFAULT_COLUMNS = ("Idées", "À creuser", "Retenues")
# The phases in which a board may keep its cards hidden (an empty phase: a board without them).
HIDING_PHASES = {"", Phase.WELCOME, Phase.IDEAS}


# Read by every op, hundreds a second when a workshop opens its vote: the ORM builds each of
# these queries once (realtime.prepared).
_locked_board = PreparedQuery(lambda pk: Board.objects.select_for_update().filter(pk=pk)[:1], int)
_account_state = PreparedQuery(
    lambda pk: get_user_model().objects.filter(pk=pk).only("muted_until", "is_active")[:1], int
)
_live_card = PreparedQuery(
    lambda pk, board: Card.objects.filter(
        pk=pk, board_id=board, deleted_at__isnull=True, hidden_at__isnull=True
    )[:1],
    int,
    int,
)
_new_vote = PreparedInsert(Vote)
_card_vote = PreparedQuery(
    lambda card, voter: Vote.objects.filter(card_id=card, voter_id=voter).only("pk")[:1], int, int
)
# And by every card made, the op a workshop's idea phase is made of.
_live_column = PreparedQuery(
    lambda pk, board: Column.objects.filter(pk=pk, board_id=board, deleted_at__isnull=True)[:1],
    int,
    int,
)
_last_card_of_column = PreparedQuery(  # along the (board, column, position) index
    lambda board, column: (
        Card.objects.filter(board_id=board, column_id=column, deleted_at__isnull=True)
        .order_by("-position")
        .only("position")[:1]
    ),
    int,
    int,
)
_new_card = PreparedInsert(Card)


def board_op(service):
    """Make `service(actor, board, ...)` a board write callable as `(actor, board_id, ...)`.

    One transaction; the board row locked (writes to a board queue up, and budgets such as
    votes are checked under the lock); a reader who may not see the board gets `not_found`;
    an op retried with an id this person already used is answered with the seq it produced,
    without running again.
    """

    @functools.wraps(service)
    @transaction.atomic
    def run(*, actor, board_id: int, op_id: str = "", **kwargs) -> Applied:
        board = _locked_board.first(board_id) if type(board_id) is int else None
        if board is None or not rules.can_read_board(actor, board):
            raise NotFound(_("Ce tableau n'existe pas ou vous n'y avez pas accès."))
        check_not_muted(actor)
        if op_id:
            seq = streams.applied_seq(key=board.stream_key, client=client_key(actor), op_id=op_id)
            if seq is not None:
                return Applied(seq=seq, duplicate=True)
        return service(actor=actor, board=board, op_id=op_id, **kwargs)

    return run


def check_not_muted(actor, *, mute_too: bool = True) -> None:
    """Refuse every write of a member a moderator muted (saying until when) or banned
    (`mute_too=False`: only a ban refuses, for what a muted member may still do, such as
    keeping their place in a discussion).

    Read afresh, one query by primary key: a socket's user row was loaded when it connected,
    and a mute or a ban must reach the sockets already open.
    """
    if not rules.is_signed_in(actor):
        return
    account = _account_state.first(actor.pk)
    if account is None or not account.is_active:
        raise Forbidden(_("Ce compte est suspendu."))
    until = account.muted_until
    if mute_too and until is not None and until > timezone.now():
        local = timezone.localtime(until)
        raise Muted(
            _("Vous êtes en sourdine jusqu'au %(date)s à %(time)s.")
            % {"date": local.strftime("%d/%m/%Y"), "time": local.strftime("%H:%M")}
        )


# Boards ------------------------------------------------------------------------------------


@transaction.atomic
def create_board(
    *,
    actor,
    title: str,
    project=None,
    columns: Iterable[str] = DEFAULT_COLUMNS,
    is_public: bool = True,
    votes_per_person: int = 5,
    grouping_by_team_only: bool = False,
) -> Board:
    """Create a board with its columns; its stream starts with `board.created`."""
    if not rules.is_signed_in(actor):
        raise Forbidden()
    if project is not None and not (
        rules.is_moderator(actor) or project.memberships.filter(user=actor).exists()
    ):
        raise Forbidden(_("Seule l'équipe du projet peut lui ajouter un tableau."))
    title = _clean_text(title, max_length=BOARD_TITLE_MAX, what=_("Le titre"))
    votes_per_person = _clean_votes(votes_per_person)
    board = Board.objects.create(
        title=title,
        project=project,
        created_by=actor,
        is_public=is_public,
        votes_per_person=votes_per_person,
        grouping_by_team_only=bool(grouping_by_team_only),
    )
    titles = [_clean_text(t, max_length=COLUMN_TITLE_MAX, what=_("Le titre")) for t in columns]
    created = [
        Column.objects.create(board=board, title=column_title, position=position)
        for column_title, position in zip(titles, positions.spread(len(titles)), strict=True)
    ]
    streams.append_event(
        key=board.stream_key,
        name="board.created",
        data={"board": board_data(board), "columns": [column_data(c) for c in created]},
        actor=actor_of(actor),
    )
    return board


@board_op
def update_board(
    *,
    actor,
    board: Board,
    title: str | None = None,
    locked: bool | None = None,
    votes_per_person: int | None = None,
    phase: str | None = None,
    cards_hidden: bool | None = None,
    op_id: str = "",
) -> Applied:
    """Rename, lock/unlock, change the vote budget, the phase or hidden mode (its team only).

    Hidden mode keeps each participant's cards to themselves until the team reveals them;
    it can only start while the board is welcoming people or collecting ideas, and it ends
    by itself when the board moves on to grouping or later. The reveal is one event,
    `cards.revealed`, that carries every card: whoever saw only their own now has them all.
    """
    if not rules.can_moderate_board(actor, board):
        raise Forbidden(_("Seule l'équipe du tableau peut le modifier."))
    was_hidden = board.cards_hidden
    if title is not None:
        board.title = _clean_text(title, max_length=BOARD_TITLE_MAX, what=_("Le titre"))
    if locked is not None:
        board.locked = bool(locked)
    if votes_per_person is not None:
        board.votes_per_person = _clean_votes(votes_per_person)
    if phase is not None:
        if phase not in Phase.values:
            raise Invalid(_("Phase inconnue."))
        board.phase = phase
    if cards_hidden is not None:
        if cards_hidden and board.phase not in HIDING_PHASES:
            raise Invalid(
                _("Les cartes ne se cachent que pendant l'accueil et la phase « Idées ».")
            )
        board.cards_hidden = bool(cards_hidden)
    if board.phase not in HIDING_PHASES:
        board.cards_hidden = False
    board.save(update_fields=["title", "locked", "votes_per_person", "phase", "cards_hidden"])
    if was_hidden and not board.cards_hidden:
        cards = [card_data(card) for card in live_cards(board)]
        return _emit(
            board, actor, op_id, "cards.revealed", {"board": board_data(board), "cards": cards}
        )
    return _emit(board, actor, op_id, "board.updated", {"board": board_data(board)})


# Columns -----------------------------------------------------------------------------------


@board_op
def create_column(*, actor, board: Board, title: str, op_id: str = "") -> Applied:
    _check_team(actor, board)
    last = board.columns.filter(deleted_at__isnull=True).aggregate(last=Max("position"))["last"]
    column = Column.objects.create(
        board=board,
        title=_clean_text(title, max_length=COLUMN_TITLE_MAX, what=_("Le titre")),
        position=positions.between(last, None),
    )
    return _emit(board, actor, op_id, "column.created", {"column": column_data(column)}, column)


@board_op
def update_column(*, actor, board: Board, column_id: int, title: str, op_id: str = "") -> Applied:
    _check_team(actor, board)
    column = _column(board, column_id)
    column.title = _clean_text(title, max_length=COLUMN_TITLE_MAX, what=_("Le titre"))
    column.save(update_fields=["title"])
    return _emit(board, actor, op_id, "column.updated", {"column": column_data(column)}, column)


@board_op
def delete_column(*, actor, board: Board, column_id: int, op_id: str = "") -> Applied:
    _check_team(actor, board)
    column = _column(board, column_id)
    if column.cards.filter(deleted_at__isnull=True).exists():
        raise Conflict(_("Cette colonne contient encore des cartes : déplacez-les d'abord."))
    if board.columns.filter(deleted_at__isnull=True).count() == 1:
        raise Conflict(_("Un tableau garde au moins une colonne."))
    column.deleted_at = timezone.now()
    column.save(update_fields=["deleted_at"])
    return _emit(board, actor, op_id, "column.deleted", {"column": column.pk})


# Cards -------------------------------------------------------------------------------------


@board_op
def create_card(
    *,
    actor,
    board: Board,
    column_id: int,
    text: str,
    color: str | None = None,
    op_id: str = "",
) -> Applied:
    """Add a card at the end of a column. Any signed-in reader of an unlocked board may."""
    _check_phase(actor, board, "write")
    if not rules.can_add_card(actor, board):
        raise Forbidden(_("Connectez-vous pour ajouter une idée."))
    _check_unlocked(actor, board)
    column = _column(board, column_id)
    text = _clean_text(text, max_length=CARD_TEXT_MAX, what=_("Le texte de la carte"))
    last = _last_card_of_column.first(board.pk, column.pk)
    card = _new_card.create(
        board=board,
        column=column,
        text=text,
        color=_clean_color(color),
        position=positions.between(last.position if last else None, None),
        author=actor,
    )
    data = {"card": card_data(card, votes=0)}
    activity.card_created(card, actor=actor)
    return _emit(board, actor, op_id, "card.created", data, card)


@board_op
def update_card(
    *,
    actor,
    board: Board,
    card_id: int,
    text: str | None = None,
    color: str | None = None,
    base_version: int | None = None,
    strict: bool = False,
    op_id: str = "",
) -> Applied:
    """Change a card's text and/or colour (its author, or the board's team).

    Fields are last-writer-wins. An edit based on an older version still applies, unless
    `strict`; the text it replaced is kept as a revision and the event says so, so that its
    author can be told.
    """
    card = _editable_card(actor, board, card_id)
    if text is None and color is None:
        raise Invalid(_("Rien à modifier."))
    stale = base_version is not None and base_version != card.version
    if stale and strict:
        raise Conflict()
    data: dict = {}
    if text is not None:
        text = _clean_text(text, max_length=CARD_TEXT_MAX, what=_("Le texte de la carte"))
        if text != card.text:
            CardRevision.objects.create(
                card=card,
                version=card.version,
                text=card.text,
                author=card.author,
                replaced_by=actor,
            )
            if stale:
                data["replaced"] = {"version": card.version, "text": card.text}
            card.text = text
    if color is not None:
        card.color = _clean_color(color)
    card.version += 1
    card.save(update_fields=["text", "color", "version", "updated_at"])
    data["card"] = card_data(card)
    return _emit(board, actor, op_id, "card.updated", data, card)


@board_op
def move_card(
    *,
    actor,
    board: Board,
    card_id: int,
    column_id: int,
    after_id: int | None = None,
    op_id: str = "",
) -> Applied:
    """Put a card in `column_id` right after card `after_id` (None: at the top)."""
    card = _editable_card(actor, board, card_id, action="move")
    column = _column(board, column_id)
    siblings = column.cards.filter(deleted_at__isnull=True).exclude(pk=card.pk)
    if after_id is None:
        low = None
        nxt = siblings.order_by("position", "id").first()
    else:
        after = siblings.filter(pk=after_id).first()
        if after is None:
            raise NotFound(_("La carte de repère n'est pas dans cette colonne."))
        low = after.position
        nxt = siblings.filter(position__gt=low).order_by("position", "id").first()
    high = nxt.position if nxt is not None else None
    card.column = column
    card.position = positions.between(low, high)
    card.save(update_fields=["column", "position", "updated_at"])
    return _emit(board, actor, op_id, "card.moved", {"card": card_data(card)}, card)


@board_op
def delete_card(*, actor, board: Board, card_id: int, op_id: str = "") -> Applied:
    """Delete a card (a tombstone: `restore_card` undoes it)."""
    card = _editable_card(actor, board, card_id)
    card.deleted_at = timezone.now()
    card.save(update_fields=["deleted_at", "updated_at"])
    return _emit(board, actor, op_id, "card.deleted", {"card": card.pk}, card)


@board_op
def restore_card(*, actor, board: Board, card_id: int, op_id: str = "") -> Applied:
    card = _editable_card(actor, board, card_id, deleted=True)
    card.deleted_at = None
    if card.column.deleted_at is not None:
        first = board.columns.filter(deleted_at__isnull=True).order_by("position", "id").first()
        card.column = first
    card.save(update_fields=["deleted_at", "column", "updated_at"])
    return _emit(board, actor, op_id, "card.restored", {"card": card_data(card)}, card)


@board_op
def vote_card(*, actor, board: Board, card_id: int, op_id: str = "") -> Applied:
    """One vote per person and card, within the board's budget (checked under the lock)."""
    _check_phase(actor, board, "vote")
    if not rules.can_vote(actor, board):
        raise Forbidden(_("Le vote n'est pas ouvert sur ce tableau pour vous."))
    _check_unlocked(actor, board)
    card = _votable_card(board, card_id)
    if card.group_id is not None:
        raise Conflict(
            _("Cette carte fait partie du groupe « %(title)s » : votez pour le groupe.")
            % {"title": card.group.title}
        )
    if _card_vote.first(card.pk, actor.pk) is not None:
        raise Conflict(_("Vous avez déjà voté pour cette carte."))
    _check_budget(actor, board)
    _new_vote.create(card=card, board=board, voter=actor)
    return _emit_vote(board, actor, op_id, "card.voted", card)


@board_op
def unvote_card(*, actor, board: Board, card_id: int, op_id: str = "") -> Applied:
    if not rules.is_signed_in(actor):
        raise Forbidden()
    _check_unlocked(actor, board)
    _check_phase(actor, board, "vote")
    card = _votable_card(board, card_id)
    deleted, _rows = Vote.objects.filter(card=card, voter=actor).delete()
    if not deleted:
        raise Conflict(_("Vous n'avez pas voté pour cette carte."))
    return _emit_vote(board, actor, op_id, "card.unvoted", card)


# Moderation --------------------------------------------------------------------------------


@board_op
def hide_card(*, actor, board: Board, card_id: int, op_id: str = "") -> Applied:
    """Hide a card (a moderator): it leaves every board at once, `card.hidden` `{card}`.

    Its earlier events in the log become restricted with nothing in them (`redacted` `{}`)
    for every reader, the board's team included (`streams.NO_READER`): a reader who replays
    from before never gets its text. Events that list it among other cards lose it. Called by
    moderation.services, which audits it.
    """
    if not rules.is_moderator(actor):
        raise Forbidden()
    card = _card(board, card_id)
    card.hidden_at = timezone.now()
    card.save(update_fields=["hidden_at", "updated_at"])
    streams.restrict_events(
        key=board.stream_key,
        ids=_events_of_card(board, card),
        redacted={},
        private_to=streams.NO_READER,
    )
    _drop_from_card_lists(board, card)
    return _emit(board, actor, op_id, "card.hidden", {"card": card.pk}, card)


@board_op
def unhide_card(*, actor, board: Board, card_id: int, op_id: str = "") -> Applied:
    """Restore a hidden card: `card.unhidden` with the whole card; its events are open again
    (those written in hidden mode go back to their author and the team only)."""
    if not rules.is_moderator(actor):
        raise Forbidden()
    card = (
        Card.objects.select_related("author", "column")
        .filter(pk=card_id, board=board, deleted_at__isnull=True, hidden_at__isnull=False)
        .first()
    )
    if card is None:
        raise NotFound(_("Cette carte n'est pas masquée."))
    card.board = board
    card.hidden_at = None
    card.save(update_fields=["hidden_at", "updated_at"])
    for event in _events_of_card(board, card):
        total = event.data.get("cards_total") if isinstance(event.data, dict) else None
        streams.restrict_events(
            key=board.stream_key,
            ids=[event.pk],
            redacted=None if total is None else {"cards_total": total},
            private_to=None if total is None else card.author_id,
        )
    return _emit(board, actor, op_id, "card.unhidden", {"card": card_data(card)}, card)


def _events_of_card(board: Board, card: Card):
    about = Q(data__card__id=card.pk) | Q(data__card=card.pk)
    return list(streams.events_of(board.stream_key).filter(about))


# The events that carry a list of cards (`cards`) among other things: a group made or undone,
# the reveal of a board in hidden mode.
CARD_LIST_EVENTS = ("group.created", "group.deleted", "cards.revealed")


def _drop_from_card_lists(board: Board, card: Card) -> None:
    """Take a hidden card out of the logged events that carry it with others: its text never
    replays, while the rest (the group, the other cards) still does. For every reader: the
    team's snapshot has no hidden card either. A restored card comes back with `card.unhidden`,
    which carries it whole (its group included)."""
    events = streams.events_of(board.stream_key).filter(name__in=CARD_LIST_EVENTS)
    for event in events.only("pk", "data"):
        cards = event.data.get("cards") if isinstance(event.data, dict) else None
        if not isinstance(cards, list):
            continue
        kept = [
            item for item in cards if not (isinstance(item, dict) and item.get("id") == card.pk)
        ]
        if len(kept) != len(cards):
            streams.rewrite_event_data(
                key=board.stream_key, event_id=event.pk, data={**event.data, "cards": kept}
            )


# Groups ------------------------------------------------------------------------------------

MAX_GROUP_CARDS = 200


@board_op
def create_group(
    *, actor, board: Board, title: str, card_ids: Iterable[int] = (), op_id: str = ""
) -> Applied:
    """A new group at the end of the board's groups, with the cards `card_ids` stacked in it."""
    _check_grouping(actor, board)
    title = _clean_text(title, max_length=GROUP_TITLE_MAX, what=_("Le titre du groupe"))
    cards = _cards(board, _clean_ids(card_ids))
    last = board.groups.filter(deleted_at__isnull=True).aggregate(last=Max("position"))["last"]
    group = CardGroup.objects.create(
        board=board, title=title, position=positions.between(last, None), created_by=actor
    )
    Card.objects.filter(pk__in=cards).update(group=group, updated_at=timezone.now())
    data = {
        "group": group_data(group, votes=0),
        "cards": [card_data(card) for card in live_cards(board).filter(pk__in=cards)],
    }
    return _emit(board, actor, op_id, "group.created", data, group)


@board_op
def update_group(*, actor, board: Board, group_id: int, title: str, op_id: str = "") -> Applied:
    """Rename a group (whoever made it, or the board's team)."""
    group = _editable_group(actor, board, group_id)
    group.title = _clean_text(title, max_length=GROUP_TITLE_MAX, what=_("Le titre du groupe"))
    group.save(update_fields=["title"])
    return _emit(board, actor, op_id, "group.updated", {"group": group_data(group)}, group)


@board_op
def delete_group(*, actor, board: Board, group_id: int, op_id: str = "") -> Applied:
    """Delete a group (a tombstone): its cards go back to ungrouped, its votes stop counting."""
    group = _editable_group(actor, board, group_id)
    cards = list(group.cards.filter(deleted_at__isnull=True).values_list("pk", flat=True))
    # Deleted cards too: a card restored later must not land in a deleted group.
    group.cards.update(group=None, updated_at=timezone.now())
    group.deleted_at = timezone.now()
    group.save(update_fields=["deleted_at"])
    data = {
        "group": group.pk,
        "cards": [card_data(card) for card in live_cards(board).filter(pk__in=cards)],
    }
    return _emit(board, actor, op_id, "group.deleted", data, group)


@board_op
def group_card(
    *, actor, board: Board, card_id: int, group_id: int | None, op_id: str = ""
) -> Applied:
    """Put a card in a group, or take it out of its group (`group_id` None)."""
    _check_grouping(actor, board)
    card = _card(board, card_id)
    group = _group(board, group_id) if group_id is not None else None
    if card.group_id == (group.pk if group else None):
        raise Conflict(
            _("Cette carte est déjà dans ce groupe.")
            if group
            else _("Cette carte n'est dans aucun groupe.")
        )
    card.group = group
    card.save(update_fields=["group", "updated_at"])
    return _emit(board, actor, op_id, "card.grouped", {"card": card_data(card)}, card)


@board_op
def vote_group(*, actor, board: Board, group_id: int, op_id: str = "") -> Applied:
    """A group is one proposal: one vote per person, counted in the same budget as cards."""
    _check_phase(actor, board, "vote")
    if not rules.can_vote(actor, board):
        raise Forbidden(_("Le vote n'est pas ouvert sur ce tableau pour vous."))
    _check_unlocked(actor, board)
    group = _group(board, group_id)
    if not group.cards.filter(deleted_at__isnull=True).exists():
        raise Conflict(_("Ce groupe est vide : il n'y a rien à soutenir."))
    if Vote.objects.filter(group=group, voter=actor).exists():
        raise Conflict(_("Vous avez déjà voté pour ce groupe."))
    _check_budget(actor, board)
    Vote.objects.create(group=group, board=board, voter=actor)
    return _emit_group_vote(board, actor, op_id, "group.voted", group)


@board_op
def unvote_group(*, actor, board: Board, group_id: int, op_id: str = "") -> Applied:
    if not rules.is_signed_in(actor):
        raise Forbidden()
    _check_unlocked(actor, board)
    _check_phase(actor, board, "vote")
    group = _group(board, group_id)
    deleted, _rows = Vote.objects.filter(group=group, voter=actor).delete()
    if not deleted:
        raise Conflict(_("Vous n'avez pas voté pour ce groupe."))
    return _emit_group_vote(board, actor, op_id, "group.unvoted", group)


# The countdown -----------------------------------------------------------------------------


@board_op
def start_timer(*, actor, board: Board, seconds: int, op_id: str = "") -> Applied:
    """Start (or restart) the board's countdown for `seconds` (its team only)."""
    _check_timer(actor, board)
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not TIMER_MIN_SECONDS <= seconds <= TIMER_MAX_SECONDS
    ):
        raise Invalid(
            _("Un minuteur dure de %(min)s secondes à %(max)s minutes.")
            % {"min": TIMER_MIN_SECONDS, "max": TIMER_MAX_SECONDS // 60}
        )
    board.timer_seconds = seconds
    board.timer_ends_at = timezone.now() + timedelta(seconds=seconds)
    board.save(update_fields=["timer_seconds", "timer_ends_at"])
    return _emit(board, actor, op_id, "board.timer", timer_data(board))


@board_op
def stop_timer(*, actor, board: Board, op_id: str = "") -> Applied:
    _check_timer(actor, board)
    if board.timer_ends_at is None:
        raise Conflict(_("Aucun minuteur n'est en cours."))
    board.timer_seconds = 0
    board.timer_ends_at = None
    board.save(update_fields=["timer_seconds", "timer_ends_at"])
    return _emit(board, actor, op_id, "board.timer", timer_data(board))


# Shared steps ------------------------------------------------------------------------------


def _emit(board: Board, actor, op_id: str, name: str, data: dict, result=None) -> Applied:
    """Append the op's event. On a board in hidden mode, an event about a card goes whole to
    its author and the team only; everyone else learns just how many cards there are."""
    private_to = redacted = None
    if board.cards_hidden and isinstance(result, Card):
        private_to = result.author_id
        redacted = {"cards_total": hidden_card_count(board)}
        data = {**data, **redacted}  # the author's count moves too
    event = streams.append_event(
        key=board.stream_key,
        name=name,
        data=data,
        actor=actor_of(actor),
        client=client_key(actor),
        op_id=op_id,
        private_to=private_to,
        redacted=redacted,
    )
    return Applied(seq=event.seq, result=result)


def _emit_vote(board: Board, actor, op_id: str, name: str, card: Card) -> Applied:
    data = {"card": card.pk, "votes": _card_votes(card.pk), "voter": actor.pk}
    return _emit(board, actor, op_id, name, data, card)


def _emit_group_vote(board: Board, actor, op_id: str, name: str, group: CardGroup) -> Applied:
    data = {"group": group.pk, "votes": group.votes.count(), "voter": actor.pk}
    return _emit(board, actor, op_id, name, data, group)


def _check_budget(actor, board: Board) -> None:
    cards, groups = votes_of(board, actor)  # one query written in SQL: see votes_of
    if len(cards) + len(groups) >= board.votes_per_person:
        raise Conflict(
            _("Vous avez utilisé vos %(n)s votes : retirez-en un pour voter ailleurs.")
            % {"n": board.votes_per_person}
        )


def _group(board: Board, group_id) -> CardGroup:
    group = None
    if isinstance(group_id, int) and not isinstance(group_id, bool):
        group = board.groups.filter(pk=group_id, deleted_at__isnull=True).first()
    if group is None:
        raise NotFound(_("Ce groupe n'existe pas ou plus."))
    group.board = board
    return group


def _editable_group(actor, board: Board, group_id: int) -> CardGroup:
    _check_grouping(actor, board)
    group = _group(board, group_id)
    if not rules.can_edit_group(actor, group):
        raise Forbidden(_("Seuls l'auteur du groupe et l'équipe du tableau peuvent le modifier."))
    return group


def _clean_ids(value) -> list[int]:
    if (
        not isinstance(value, list | tuple)
        or len(value) > MAX_GROUP_CARDS
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
    ):
        raise Invalid(_("« cards » doit être une liste d'identifiants de cartes."))
    return list(dict.fromkeys(value))


def _cards(board: Board, card_ids: list[int]) -> list[int]:
    """The ids, once each checked to be live cards of this board."""
    found = set(
        board.cards.filter(
            pk__in=card_ids, deleted_at__isnull=True, hidden_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if len(found) != len(card_ids):
        raise NotFound(_("Cette carte n'existe pas ou plus."))
    return card_ids


def _check_grouping(actor, board: Board) -> None:
    _check_phase(actor, board, "group")
    if not rules.can_group_cards(actor, board):
        if not rules.is_signed_in(actor):
            raise Forbidden(_("Connectez-vous pour regrouper les cartes."))
        raise Forbidden(_("Sur ce tableau, seule l'équipe regroupe les cartes."))
    _check_unlocked(actor, board)
    if board.cards_hidden:
        # Grouping events carry cards: they would show the hidden ones to everyone.
        raise Conflict(_("Les cartes sont cachées : regroupez-les après la révélation."))


def _check_timer(actor, board: Board) -> None:
    if not rules.can_run_timer(actor, board):
        raise Forbidden(_("Seule l'équipe du tableau lance et arrête le minuteur."))
    if board.phase == Phase.CLOSED:
        raise Locked(_("Cet atelier est clos : plus aucune modification n'est possible."))


def _card(board: Board, card_id: int, *, deleted: bool = False) -> Card:
    card = (
        Card.objects.select_related("author", "column")
        .filter(pk=card_id, board=board, deleted_at__isnull=not deleted, hidden_at__isnull=True)
        .first()
    )
    if card is None:
        raise NotFound(_("Cette carte n'existe pas ou plus."))
    card.board = board
    return card


def _votable_card(board: Board, card_id: int) -> Card:
    """`_card` for a vote: the card row alone (a vote shows neither its author nor its
    column), by a prepared query."""
    card = _live_card.first(card_id, board.pk) if type(card_id) is int else None
    if card is None:
        raise NotFound(_("Cette carte n'existe pas ou plus."))
    card.board = board
    return card


def _card_votes(card_id: int) -> int:
    """How many votes a card has (in SQL: every vote asks it, see votes_of)."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Vote._meta.db_table} WHERE card_id = %s", [card_id])
        return cursor.fetchone()[0]


def _column(board: Board, column_id: int) -> Column:
    column = _live_column.first(column_id, board.pk) if type(column_id) is int else None
    if column is None:
        raise NotFound(_("Cette colonne n'existe pas ou plus."))
    return column


def _editable_card(
    actor, board: Board, card_id: int, *, deleted: bool = False, action: str = "write"
) -> Card:
    card = _card(board, card_id, deleted=deleted)
    _check_can_edit(actor, card)
    _check_unlocked(actor, board)
    _check_phase(actor, board, action)
    return card


def _check_team(actor, board: Board) -> None:
    if not rules.can_moderate_board(actor, board):
        raise Forbidden(_("Seule l'équipe du tableau peut gérer ses colonnes."))


def _check_can_edit(actor, card: Card) -> None:
    if not rules.can_edit_card(actor, card):
        raise Forbidden(_("Seuls l'auteur de la carte et l'équipe du tableau peuvent la modifier."))


def _check_unlocked(actor, board: Board) -> None:
    if rules.is_locked_for(actor, board):
        raise Locked()


PHASE_REFUSALS = {
    "write": gettext_lazy("Les idées s'écrivent pendant la phase « Idées »."),
    "move": gettext_lazy(
        "Les cartes se déplacent pendant les phases « Idées » et « Regroupement »."
    ),
    "vote": gettext_lazy("Le vote n'est pas ouvert : attendez la phase « Vote »."),
    "group": gettext_lazy(
        "Les cartes se regroupent pendant les phases « Idées » et « Regroupement »."
    ),
}


def _check_phase(actor, board: Board, action: str) -> None:
    if not rules.phase_allows(actor, board, action):
        if board.phase == Phase.CLOSED:
            raise Locked(_("Cet atelier est clos : plus aucune modification n'est possible."))
        raise Forbidden(PHASE_REFUSALS[action])


def _clean_text(value, *, max_length: int, what) -> str:
    if not isinstance(value, str):
        raise Invalid(_("%(what)s doit être un texte.") % {"what": what})
    value = value.strip()
    if not value:
        raise Invalid(_("%(what)s est vide.") % {"what": what})
    if len(value) > max_length:
        raise Invalid(
            _("%(what)s dépasse %(max)s caractères (%(n)s).")
            % {"what": what, "max": max_length, "n": len(value)}
        )
    return value


def _clean_color(color) -> str:
    if color is None or color == "":
        return CardColor.YELLOW
    if color not in CardColor.values:
        raise Invalid(_("Couleur inconnue."))
    return color


def _clean_votes(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise Invalid(_("Le nombre de votes par personne va de 0 à 100."))
    return value
