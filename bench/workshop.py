"""The workshop scenario: a room of people at tables, each table on its own board.

    python bench/workshop.py seed TABLES PER_TABLE [hidden]  # in the app's environment: JSON
    python bench/workshop.py run --ws ws://127.0.0.1:8000 --seed seed.json

400 participants over 40 tables (the « Parlons ensemble » day), a real workshop
(backend.workshops.services.create_workshop: a board per table, participants seated): the
facilitator, who watches every table, moves every table to « idées »; each participant adds
cards at random moments; with `hidden`, each sees only their own cards and a count until
the move to « regroupement » reveals them all; the facilitator opens « vote »; everyone
votes for cards of their table; the facilitator closes every table (« clos »).

Measured: ops applied per second, op→ack and op→last member of the table (p50 / p99; in
hidden mode a member's copy is the redacted event of the same seq), how long a phase switch
takes to reach every socket, and nothing lost, doubled, refused or closed.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

VOTES = 3


def seed(tables: int, per_table: int, hidden: bool = False) -> dict:
    """A workshop of `tables` tables run by a facilitator, `per_table` participants at each."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from backend.territories.models import Territory
    from backend.workshops import services
    from backend.workshops.models import Participant
    from tests.factories import session_key_for

    User = get_user_model()
    password = make_password(None)  # unusable: these accounts only sign in by session
    run = f"{time.time_ns() % 10**9:x}"
    people = User.objects.bulk_create(
        User(
            username=f"atelier{run}-{i}",
            email=f"atelier{run}-{i}@bench.invalid",
            password=password,
            display_name=f"Participant {i}",
            is_staff=i == 0,  # the facilitator: a moderator of the town
        )
        for i in range(tables * per_table + 1)
    )
    facilitator, participants = people[0], people[1:]
    territory, _ = Territory.objects.get_or_create(slug="sceaux", defaults={"name": "Sceaux"})
    workshop = services.create_workshop(
        actor=facilitator,
        territory=territory,
        title="Parlons ensemble (benchmark)",
        starts_at=timezone.now(),
        question="Comment mieux vivre ensemble ?",
        tables=tables,
        votes_per_participant=VOTES,
        hidden_until_reveal=hidden,
    )
    specs = []
    for table in workshop.tables.select_related("board").order_by("number"):
        seated = participants[(table.number - 1) * per_table : table.number * per_table]
        Participant.objects.bulk_create(
            Participant(workshop=workshop, user=person, table=table) for person in seated
        )
        specs.append(
            {
                "board": table.board_id,
                "column": table.board.columns.order_by("position").first().pk,
                "participants": [session_key_for(person) for person in seated],
            }
        )
    return {"facilitator": session_key_for(facilitator), "hidden": hidden, "tables": specs}


class Table:
    """What the load generator knows of one table: its cards, and who got which op."""

    def __init__(self, spec: dict, members: int):
        self.board = spec["board"]
        self.column = spec["column"]
        self.members = members  # participants + the facilitator
        self.cards: list[int] = []


class Room:
    def __init__(self) -> None:
        self.sent_at: dict[str, float] = {}
        self.acked_at: dict[str, float] = {}
        self.expected: dict[str, int] = {}
        # An op's event, by its (board, seq): a member's copy may be redacted (no op id).
        self.seq_of: dict[str, tuple[int, int]] = {}
        self.arrivals: dict[tuple[int, int], int] = {}
        self.last_at: dict[tuple[int, int], float] = {}
        self.errors: dict[str, int] = {}
        self.answered: set[str] = set()  # the participants' ops answered (ack or error)
        self.duplicates = 0
        self.holes = 0
        self.closed: list[int] = []
        self.switch_seen: dict[str, int] = {}
        self.switch_last: dict[str, float] = {}

    def event(self, table: Table, frame: dict, now: float) -> None:
        name, data = frame["name"], frame["data"]
        if name == "card.created" and data["card"]["id"] not in table.cards:
            table.cards.append(data["card"]["id"])
        elif name == "cards.revealed":
            table.cards[:] = [card["id"] for card in data["cards"]]
        if name in ("board.updated", "cards.revealed"):
            phase = data["board"]["phase"]
            self.switch_seen[phase] = self.switch_seen.get(phase, 0) + 1
            self.switch_last[phase] = now
        key = (table.board, frame["seq"])
        if frame.get("op") in self.sent_at:
            self.seq_of[frame["op"]] = key
        self.arrivals[key] = self.arrivals.get(key, 0) + 1
        self.last_at[key] = now


async def listen(socket, table: Table, room: Room) -> None:
    """Read one socket: check its seqs, note arrivals, acks and errors."""
    last_seq = None
    try:
        async for message in socket:
            now = time.perf_counter()
            parsed = json.loads(message)
            for frame in parsed if isinstance(parsed, list) else [parsed]:
                last_seq = on_frame(frame, last_seq, table, room, now)
    except Exception:
        pass
    if socket.close_code not in (None, 1000):
        room.closed.append(socket.close_code)


def on_frame(frame: dict, last_seq: int | None, table: Table, room: Room, now: float):
    """Note one frame; the socket's last seq after it."""
    kind = frame.get("type")
    if kind == "hello":
        return frame["seq"]
    if kind == "event":
        seq = frame["seq"]
        if last_seq is not None and seq <= last_seq:
            room.duplicates += 1
            return last_seq
        if last_seq is not None and seq != last_seq + 1:
            room.holes += seq - last_seq - 1
        room.event(table, frame, now)
        return seq
    if kind == "ack":
        room.acked_at.setdefault(frame["id"], now)
    elif kind == "error":
        room.errors[frame["code"]] = room.errors.get(frame["code"], 0) + 1
    if kind in ("ack", "error") and frame.get("id") in room.sent_at:
        room.answered.add(frame["id"])
    return last_seq


async def send(socket, room: Room, table: Table, op: str, name: str, data: dict) -> None:
    room.sent_at[op] = time.perf_counter()
    room.expected[op] = table.members
    await socket.send(json.dumps({"op": name, "id": op, "data": data}))


async def participant(socket, room, table, run, who, *, ideas, ideas_s, vote_open) -> None:
    """Add `ideas` cards at random moments of the ideas phase, then vote once it opens."""
    moments = sorted(random.uniform(0, ideas_s) for _ in range(ideas))
    start = time.perf_counter()
    for n, moment in enumerate(moments):
        await asyncio.sleep(max(0.0, start + moment - time.perf_counter()))
        text = f"Idée {n} de la personne {who} : " + "x" * 80
        data = {"column": table.column, "text": text}
        await send(socket, room, table, f"{run}-{who}-i{n}", "card.create", data)
    await vote_open.wait()
    await asyncio.sleep(random.uniform(0, 2))
    for n, card in enumerate(random.sample(table.cards, min(VOTES, len(table.cards)))):
        await send(socket, room, table, f"{run}-{who}-v{n}", "card.vote", {"card": card})
        await asyncio.sleep(random.uniform(0.1, 1.0))


async def switch(facilitator, room: Room, run: str, phase: str, sockets: int):
    """The facilitator moves every table to `phase` at once: seconds until every socket has
    it."""
    started = time.perf_counter()
    for n, socket in enumerate(facilitator):
        op = {"op": "board.update", "id": f"{run}-{phase}{n}", "data": {"phase": phase}}
        await socket.send(json.dumps(op))
    deadline = started + 30
    while room.switch_seen.get(phase, 0) < sockets and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    return room.switch_last.get(phase, deadline) - started


async def drained(room: Room, timeout: float = 60) -> None:
    """Wait until every op sent so far has its answer (ack or error), as a facilitator waits
    for the room before moving on: a phase switch then never overtakes the ops of the last."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if len(room.answered) >= len(room.sent_at):
            return
        await asyncio.sleep(0.05)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else -1.0


async def run(args) -> dict:
    from websockets.asyncio.client import connect

    with open(args.seed) as seed_file:
        spec = json.load(seed_file)
    base = args.ws.rstrip("/")
    origin = base.replace("ws://", "http://")

    async def open_socket(board: int, session: str):
        return await connect(
            f"{base}/ws/boards/{board}/",
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session}"},
            max_queue=None,
            compression=None,
            open_timeout=60,
            ping_interval=None,
        )

    tables = [Table(t, len(t["participants"]) + 1) for t in spec["tables"]]
    room = Room()
    facilitator = [await open_socket(t.board, spec["facilitator"]) for t in tables]
    seats = []
    for table, table_spec in zip(tables, spec["tables"], strict=True):
        for session in table_spec["participants"]:
            seats.append((await open_socket(table.board, session), table))
    sockets = len(facilitator) + len(seats)
    readers = [
        asyncio.create_task(listen(s, t, room)) for s, t in zip(facilitator, tables, strict=True)
    ]
    readers += [asyncio.create_task(listen(s, t, room)) for s, t in seats]
    await asyncio.sleep(1.0)  # hellos and presence settle

    run_id = f"{time.time_ns() % 10**12:x}"
    await switch(facilitator, room, run_id, "idees", sockets)
    await asyncio.sleep(1.0)
    vote_open = asyncio.Event()
    started = time.perf_counter()
    people = [
        asyncio.create_task(
            participant(
                socket,
                room,
                table,
                run_id,
                n,
                ideas=args.ideas,
                ideas_s=args.ideas_seconds,
                vote_open=vote_open,
            )
        )
        for n, (socket, table) in enumerate(seats)
    ]
    await asyncio.sleep(args.ideas_seconds + 1)
    await drained(room)
    reveal_switch = await switch(facilitator, room, run_id, "regroupement", sockets)
    vote_switch = await switch(facilitator, room, run_id, "vote", sockets)
    vote_open.set()
    await asyncio.gather(*people)
    await drained(room)
    await asyncio.sleep(1.0)
    close_switch = await switch(facilitator, room, run_id, "clos", sockets)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.5)
    for socket in [*facilitator, *(s for s, _ in seats)]:
        await socket.close()
    for task in readers:
        task.cancel()

    ops = list(room.sent_at)  # the participants' ops (the facilitator's are timed apart)
    landed = [op for op in ops if op in room.seq_of]
    last = [(room.last_at[room.seq_of[op]] - room.sent_at[op]) * 1000 for op in landed]
    acks = [(room.acked_at[op] - room.sent_at[op]) * 1000 for op in ops if op in room.acked_at]
    expected = sum(room.expected[op] for op in ops)
    delivered = sum(room.arrivals[room.seq_of[op]] for op in landed)
    return {
        "scenario": "workshop",
        "tables": len(tables),
        "participants": len(seats),
        "hidden": spec.get("hidden", False),
        "ops": len(ops),
        "ops_per_second": round(len(ops) / elapsed, 1),
        "acked": len(acks),
        "ack_ms": {"p50": percentile(acks, 0.5), "p99": percentile(acks, 0.99)},
        # Ideas (…-iN) and votes (…-vN) apart: the vote opens for everyone at once.
        "ack_ms_by_kind": {
            kind: {"p50": percentile(values, 0.5), "p99": percentile(values, 0.99)}
            for kind, values in (
                (
                    kind,
                    [
                        (room.acked_at[op] - room.sent_at[op]) * 1000
                        for op in ops
                        if op in room.acked_at and op.rsplit("-", 1)[1][0] == kind[0]
                    ],
                )
                for kind in ("ideas", "votes")
            )
        },
        "last_member_ms": {"p50": percentile(last, 0.5), "p99": percentile(last, 0.99)},
        "phase_switch_ms": {
            "reveal": round(reveal_switch * 1000),
            "vote": round(vote_switch * 1000),
            "closed": round(close_switch * 1000),
        },
        "lost": expected - delivered,
        "duplicates": room.duplicates,
        "holes": room.holes,
        "errors": room.errors,
        "closed": room.closed,
    }


def main() -> None:
    if sys.argv[1:2] == ["seed"]:
        hidden = sys.argv[4:5] == ["hidden"]
        print(json.dumps(seed(int(sys.argv[2]), int(sys.argv[3]), hidden)))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--ws", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--ideas", type=int, default=4, help="cards per participant")
    parser.add_argument("--ideas-seconds", type=float, default=20)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
