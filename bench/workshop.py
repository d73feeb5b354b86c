"""The workshop scenario: a room of people at tables, each table on its own board.

    python bench/workshop.py seed TABLES PER_TABLE     # in the app's environment: prints JSON
    python bench/workshop.py run --ws ws://127.0.0.1:8000 --seed seed.json

400 participants over 40 tables (the « Parlons ensemble » day): during the ideas phase each
participant adds cards at random moments; the facilitator, who watches every table, opens the
vote on all tables at once; everyone votes for cards of their table; the facilitator closes
all tables. Until the workshops have phases of their own, the board's settings stand in for
them: ideas = no votes (`votes_per_person` 0), vote = 3 votes each, closed = `locked`.

Measured: ops applied per second, op→ack and op→last member of the table (p50 / p99), how
long a phase switch takes to reach every socket, and nothing lost, doubled, refused or closed.
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


def seed(tables: int, per_table: int) -> dict:
    """A facilitator owning one board per table, and the participants of each table."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from boards import services
    from tests.factories import session_key_for

    User = get_user_model()
    password = make_password(None)  # unusable: these accounts only sign in by session
    people = User.objects.bulk_create(
        User(
            username=f"atelier{i}",
            email=f"atelier{i}@bench.invalid",
            password=password,
            display_name=f"Participant {i}",
        )
        for i in range(tables * per_table + 1)
    )
    facilitator, participants = people[0], people[1:]
    boards = []
    for table in range(tables):
        board = services.create_board(
            actor=facilitator, title=f"Table {table + 1}", votes_per_person=0
        )
        column = board.columns.order_by("position").first()
        sessions = [
            session_key_for(person)
            for person in participants[table * per_table : (table + 1) * per_table]
        ]
        boards.append({"board": board.pk, "column": column.pk, "participants": sessions})
    return {"facilitator": session_key_for(facilitator), "tables": boards}


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
        self.arrivals: dict[str, int] = {}
        self.last_at: dict[str, float] = {}
        self.expected: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.duplicates = 0
        self.holes = 0
        self.closed: list[int] = []
        self.switch_seen: dict[str, int] = {}
        self.switch_last: dict[str, float] = {}

    def event(self, table: Table, frame: dict, now: float) -> None:
        op = frame.get("op")
        if frame["name"] == "card.created" and frame["data"]["card"]["id"] not in table.cards:
            table.cards.append(frame["data"]["card"]["id"])
        if frame["name"] == "board.updated":
            board = frame["data"]["board"]
            phase = (
                "closed" if board["locked"] else "vote" if board["votes_per_person"] else "ideas"
            )
            self.switch_seen[phase] = self.switch_seen.get(phase, 0) + 1
            self.switch_last[phase] = now
        if op in self.sent_at:
            self.arrivals[op] = self.arrivals.get(op, 0) + 1
            self.last_at[op] = now


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


async def switch(facilitator, room: Room, run: str, phase: str, data: dict, sockets: int):
    """The facilitator changes every table at once: seconds until every socket has it."""
    started = time.perf_counter()
    for n, socket in enumerate(facilitator):
        op = {"op": "board.update", "id": f"{run}-{phase}{n}", "data": data}
        await socket.send(json.dumps(op))
    deadline = started + 30
    while room.switch_seen.get(phase, 0) < sockets and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    return room.switch_last.get(phase, deadline) - started


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
    # The ideas phase, whatever a previous run left (a closed, locked table).
    await switch(facilitator, room, run_id, "ideas", {"votes_per_person": 0, "locked": False}, 0)
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
    opening = {"votes_per_person": VOTES, "locked": False}
    vote_switch = await switch(facilitator, room, run_id, "vote", opening, sockets)
    vote_open.set()
    await asyncio.gather(*people)
    await asyncio.sleep(1.0)
    close_switch = await switch(facilitator, room, run_id, "closed", {"locked": True}, sockets)
    elapsed = time.perf_counter() - started
    await asyncio.sleep(0.5)
    for socket in [*facilitator, *(s for s, _ in seats)]:
        await socket.close()
    for task in readers:
        task.cancel()

    ops = list(room.sent_at)  # the participants' ops (the facilitator's are timed apart)
    last = [(room.last_at[op] - room.sent_at[op]) * 1000 for op in ops if op in room.last_at]
    acks = [(room.acked_at[op] - room.sent_at[op]) * 1000 for op in ops if op in room.acked_at]
    expected = sum(room.expected[op] for op in ops)
    delivered = sum(room.arrivals.get(op, 0) for op in ops)
    return {
        "scenario": "workshop",
        "tables": len(tables),
        "participants": len(seats),
        "ops": len(ops),
        "ops_per_second": round(len(ops) / elapsed, 1),
        "acked": len(acks),
        "ack_ms": {"p50": percentile(acks, 0.5), "p99": percentile(acks, 0.99)},
        "last_member_ms": {"p50": percentile(last, 0.5), "p99": percentile(last, 0.99)},
        "phase_switch_ms": {
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
        print(json.dumps(seed(int(sys.argv[2]), int(sys.argv[3]))))
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
