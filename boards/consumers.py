"""`/ws/boards/<id>/`: the live idea board. Parses ops and calls boards.services."""

from __future__ import annotations

from django.utils import timezone

from boards import rules, selectors, services
from boards.models import (
    CARD_TEXT_MAX,
    COLUMN_TITLE_MAX,
    GROUP_TITLE_MAX,
    Board,
    CardColor,
    Phase,
)
from realtime import protocol
from realtime.consumers import StreamConsumer, StreamRefused
from realtime.prepared import PreparedQuery
from realtime.protocol import ID, OPTIONAL_ID, Field

TEXT = Field(str, max_length=CARD_TEXT_MAX, min_length=1)
OPTIONAL_TEXT = Field(str, required=False, max_length=CARD_TEXT_MAX, min_length=1)
COLOR = Field(str, required=False, choices=tuple(CardColor.values))
COLUMN_TITLE = Field(str, max_length=COLUMN_TITLE_MAX, min_length=1)
GROUP_TITLE = Field(str, max_length=GROUP_TITLE_MAX, min_length=1)


# Every socket reads its board first (a reconnect storm, thousands a second): built once.
_board_by_pk = PreparedQuery(lambda pk: Board.objects.filter(pk=pk)[:1], int)


class BoardConsumer(StreamConsumer):
    op_schemas = {
        "card.create": {"column": ID, "text": TEXT, "color": COLOR},
        "card.update": {
            "card": ID,
            "text": OPTIONAL_TEXT,
            "color": COLOR,
            "base_version": Field(int, required=False, nullable=True),
            "strict": Field(bool, required=False),
        },
        "card.move": {"card": ID, "column": ID, "after": OPTIONAL_ID},
        "card.delete": {"card": ID},
        "card.restore": {"card": ID},
        "card.vote": {"card": ID},
        "card.unvote": {"card": ID},
        "card.group": {"card": ID, "group": Field(int, nullable=True)},
        "group.create": {"title": GROUP_TITLE, "cards": Field(list, required=False)},
        "group.update": {"group": ID, "title": GROUP_TITLE},
        "group.delete": {"group": ID},
        "group.vote": {"group": ID},
        "group.unvote": {"group": ID},
        "timer.start": {"seconds": Field(int)},
        "timer.stop": {},
        "column.create": {"title": COLUMN_TITLE},
        "column.update": {"column": ID, "title": COLUMN_TITLE},
        "column.delete": {"column": ID},
        "board.update": {
            "title": Field(str, required=False, max_length=120, min_length=1),
            "locked": Field(bool, required=False),
            "votes_per_person": Field(int, required=False),
            "phase": Field(str, required=False, choices=tuple(Phase.values)),
            "cards_hidden": Field(bool, required=False),
        },
    }
    signal_schemas = {
        "editing": {"card": ID, "active": Field(bool)},
    }
    resume_tickets = True

    def authorize(self) -> str:
        board_id = self.scope["url_route"]["kwargs"]["board_id"]
        board = _board_by_pk.first(board_id) if type(board_id) is int else None
        if board is None:
            raise StreamRefused(protocol.CLOSE_NOT_FOUND)
        if not rules.can_read_board(self.user, board):
            code = protocol.CLOSE_FORBIDDEN if self.person else protocol.CLOSE_UNAUTHENTICATED
            raise StreamRefused(code)
        self.board_id = board.pk
        self.board = board
        return board.stream_key

    def ticket_state(self) -> dict:
        return {"board": self.board_id}

    def restore(self, state: dict) -> None:
        # The ticket names this socket's path, so its board is the one in the URL.
        self.board_id = state["board"]

    def snapshot(self) -> dict:
        # Read afresh: the snapshot must be the board as it is at the snapshot's seq. `me`
        # then follows this reading; on a resume, the board read by `authorize` (the replayed
        # events bring whatever changed since).
        self.board = Board.objects.select_related("project").get(pk=self.board_id)
        return selectors.board_snapshot(self.board, self.user)

    def sees_all(self) -> bool:
        return selectors.sees_hidden_cards(self.user, self.board)

    def me(self) -> dict:
        return selectors.board_me(self.board, self.user)

    def limits(self) -> dict:
        return {
            **super().limits(),
            "card_text_max": CARD_TEXT_MAX,
            "group_title_max": GROUP_TITLE_MAX,
            # The server's clock when hello left: countdowns are read against it, not the
            # phone's own clock.
            "now": selectors.iso(timezone.now()),
        }

    # Ops: one line each, the service decides -------------------------------------------------

    def _call(self, service, op_id: str, **kwargs):
        return service(actor=self.user, board_id=self.board_id, op_id=op_id, **kwargs)

    def op_card_create(self, data: dict, op_id: str):
        return self._call(
            services.create_card,
            op_id,
            column_id=data["column"],
            text=data["text"],
            color=data.get("color"),
        )

    def op_card_update(self, data: dict, op_id: str):
        return self._call(
            services.update_card,
            op_id,
            card_id=data["card"],
            text=data.get("text"),
            color=data.get("color"),
            base_version=data.get("base_version"),
            strict=data.get("strict", False),
        )

    def op_card_move(self, data: dict, op_id: str):
        return self._call(
            services.move_card,
            op_id,
            card_id=data["card"],
            column_id=data["column"],
            after_id=data.get("after"),
        )

    def op_card_delete(self, data: dict, op_id: str):
        return self._call(services.delete_card, op_id, card_id=data["card"])

    def op_card_restore(self, data: dict, op_id: str):
        return self._call(services.restore_card, op_id, card_id=data["card"])

    def op_card_vote(self, data: dict, op_id: str):
        return self._call(services.vote_card, op_id, card_id=data["card"])

    def op_card_unvote(self, data: dict, op_id: str):
        return self._call(services.unvote_card, op_id, card_id=data["card"])

    def op_card_group(self, data: dict, op_id: str):
        return self._call(services.group_card, op_id, card_id=data["card"], group_id=data["group"])

    def op_group_create(self, data: dict, op_id: str):
        return self._call(
            services.create_group, op_id, title=data["title"], card_ids=data.get("cards", [])
        )

    def op_group_update(self, data: dict, op_id: str):
        return self._call(services.update_group, op_id, group_id=data["group"], title=data["title"])

    def op_group_delete(self, data: dict, op_id: str):
        return self._call(services.delete_group, op_id, group_id=data["group"])

    def op_group_vote(self, data: dict, op_id: str):
        return self._call(services.vote_group, op_id, group_id=data["group"])

    def op_group_unvote(self, data: dict, op_id: str):
        return self._call(services.unvote_group, op_id, group_id=data["group"])

    def op_timer_start(self, data: dict, op_id: str):
        return self._call(services.start_timer, op_id, seconds=data["seconds"])

    def op_timer_stop(self, data: dict, op_id: str):
        return self._call(services.stop_timer, op_id)

    def op_column_create(self, data: dict, op_id: str):
        return self._call(services.create_column, op_id, title=data["title"])

    def op_column_update(self, data: dict, op_id: str):
        return self._call(
            services.update_column, op_id, column_id=data["column"], title=data["title"]
        )

    def op_column_delete(self, data: dict, op_id: str):
        return self._call(services.delete_column, op_id, column_id=data["column"])

    def op_board_update(self, data: dict, op_id: str):
        return self._call(services.update_board, op_id, **data)
