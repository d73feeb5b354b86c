"""A board client in a few lines: applies `event` frames to a snapshot.

The equivalence tests use it to check the board stream's strongest property: the state
fetched before an op plus the events it published equals the state fetched after.
"""

from __future__ import annotations

import copy


def _upsert(items: list[dict], item: dict) -> None:
    for index, existing in enumerate(items):
        if existing["id"] == item["id"]:
            items[index] = item
            return
    items.append(item)


def _order(items: list[dict]) -> None:
    items.sort(key=lambda item: (item["position"], item["id"]))


def apply_event(state: dict, frame: dict, reader: dict | None = None) -> dict:
    """`reader` ({"id", "sees_all"}) matters on boards in hidden mode; None: the team."""
    state = copy.deepcopy(state)
    name, data = frame["name"], frame["data"]
    if name == "board.created":
        state = {"board": data["board"], "columns": data["columns"], "groups": [], "cards": []}
    elif name == "board.updated":
        hides = data["board"]["cards_hidden"] and not state["board"]["cards_hidden"]
        state["board"] = data["board"]
        if hides and reader is not None and not reader["sees_all"]:
            # Hidden mode begins: a participant keeps only their own cards, and the count.
            state["cards_total"] = len(state["cards"])
            state["cards"] = [
                c for c in state["cards"] if (c["author"] or {}).get("id") == reader["id"]
            ]
    elif name == "redacted":
        if "cards_total" in data:  # {}: hidden by a moderator, nothing for this reader
            state["cards_total"] = data["cards_total"]
    elif name == "cards.revealed":
        state["board"] = data["board"]
        state["cards"] = data["cards"]
        state.pop("cards_total", None)
    elif name in {"column.created", "column.updated"}:
        _upsert(state["columns"], data["column"])
        _order(state["columns"])
    elif name == "column.deleted":
        state["columns"] = [c for c in state["columns"] if c["id"] != data["column"]]
    elif name in {"card.created", "card.updated", "card.moved", "card.restored", "card.unhidden"}:
        _upsert(state["cards"], data["card"])
        _order(state["cards"])
    elif name in {"card.deleted", "card.hidden"}:
        state["cards"] = [c for c in state["cards"] if c["id"] != data["card"]]
    elif name == "board.timer":
        state["board"]["timer"] = {"ends_at": data["ends_at"], "seconds": data["seconds"]}
    elif name in {"group.created", "group.updated"}:
        _upsert(state["groups"], data["group"])
        _order(state["groups"])
        for card in data.get("cards", []):
            _upsert(state["cards"], card)
        _order(state["cards"])
    elif name == "group.deleted":
        state["groups"] = [g for g in state["groups"] if g["id"] != data["group"]]
        for card in data["cards"]:
            _upsert(state["cards"], card)
        _order(state["cards"])
    elif name == "card.grouped":
        _upsert(state["cards"], data["card"])
        _order(state["cards"])
    elif name in {"group.voted", "group.unvoted"}:
        for group in state["groups"]:
            if group["id"] == data["group"]:
                group["votes"] = data["votes"]
    elif name in {"card.voted", "card.unvoted"}:
        for card in state["cards"]:
            if card["id"] == data["card"]:
                card["votes"] = data["votes"]
    else:
        raise AssertionError(f"the reducer does not know the event {name!r}")
    if "cards_total" in data and "cards_total" in state:
        state["cards_total"] = data["cards_total"]
    return state
