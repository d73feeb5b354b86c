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


def apply_event(state: dict, frame: dict) -> dict:
    state = copy.deepcopy(state)
    name, data = frame["name"], frame["data"]
    if name == "board.created":
        state = {"board": data["board"], "columns": data["columns"], "cards": []}
    elif name == "board.updated":
        state["board"] = data["board"]
    elif name in {"column.created", "column.updated"}:
        _upsert(state["columns"], data["column"])
        _order(state["columns"])
    elif name == "column.deleted":
        state["columns"] = [c for c in state["columns"] if c["id"] != data["column"]]
    elif name in {"card.created", "card.updated", "card.moved", "card.restored"}:
        _upsert(state["cards"], data["card"])
        _order(state["cards"])
    elif name == "card.deleted":
        state["cards"] = [c for c in state["cards"] if c["id"] != data["card"]]
    elif name in {"card.voted", "card.unvoted"}:
        for card in state["cards"]:
            if card["id"] == data["card"]:
                card["votes"] = data["votes"]
    else:
        raise AssertionError(f"the reducer does not know the event {name!r}")
    return state
