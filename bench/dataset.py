"""A realistic dataset for the page benchmark, built in bulk into a migrated, empty database.

    python bench/dataset.py [members projects cards]    # defaults: 5,000 1,000 100,000

The territory of Sceaux (the demo's themes, neighbourhoods, skills, partners and needs) with
5,000 members, 1,000 projects each with an owner and a team of 2 to 8, followers, a board per
project with its columns and 100,000 cards in all (a few busy boards, many quiet ones), votes,
partners with their offers and the requests they accepted, needs and the projects answering
them, and the search documents.

Rows go in with bulk_create, in one transaction, and what the services would have written next
to them is written too: each board's stream holds one event per change (`board.created`, then
`card.created` and `card.voted` with the payloads the services send), so its seq is its number
of events; positions come from boards.positions; documents from backend.search.indexing.

The last line printed is JSON: the counts, the seconds taken, and what a load generator needs
(every project slug, every public board id, the number of list pages, words to search for).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import timedelta

if __name__ == "__main__":  # as a script: Django must be set up before the models are imported
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from backend.needs.models import Answer, Need
from backend.partners.models import Offer, Partner, SupportRequest, SupportStep
from backend.projects.models import Follow, Membership, Project, Stage
from backend.projects.views import PER_PAGE
from backend.search.indexing import reindex_all
from backend.territories.management.commands import load_demo
from backend.territories.models import Neighbourhood, Skill, Territory, Theme
from boards import positions
from boards.models import Board, Card, CardColor, Column, Vote
from boards.selectors import board_data, card_data, column_data
from boards.services import DEFAULT_COLUMNS
from realtime.auth import actor_of, client_key
from realtime.models import Event, Stream

BATCH = 2000
BOARDS_PER_ROUND = 50  # cards, votes and events are built this many boards at a time
PASSWORD = "banc-d-essai-des-pages"

FIRST_NAMES = [
    "Awa", "Camille", "Louise", "Denis", "Chloé", "Bruno", "Inès", "Hugo", "Léa", "Karim",
    "Manon", "Théo", "Sarah", "Yanis", "Emma", "Lucas", "Fatou", "Paul", "Jeanne", "Omar", "Zoé",
    "Nathan", "Alice", "Mehdi", "Clara", "Louis", "Nina", "Samir", "Lina", "Jules",
]  # fmt: skip
LAST_NAMES = [
    "Diallo", "Martin", "Bernard", "Moreau", "Petit", "Durand", "Leroy", "Roux", "Fournier",
    "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Muller",
    "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier",
    "François", "Legrand", "Gauthier", "Perrin",
]  # fmt: skip
# Project titles: « Jardin partagé des habitants 12 », « Atelier vélo du quartier 40 »…
SUBJECTS = [
    "Jardin partagé", "Atelier vélo", "Repair café", "Épicerie solidaire", "Chorale",
    "Bibliothèque de rue", "Fablab", "Ressourcerie", "Café des parents", "Accorderie",
    "Compost collectif", "Cinéma en plein air", "Marché de producteurs", "Ciné-club",
    "Boîte à livres", "Soutien scolaire", "Covoiturage", "Friperie", "Potager pédagogique",
    "Troc de plantes", "Cuisine partagée", "Fête des voisins", "Atelier numérique",
    "Maraude solidaire", "Orchestre", "Théâtre amateur", "Halte-garderie", "Vélo-école",
]  # fmt: skip
COMPLEMENTS = [
    "des habitants", "du quartier", "pour tous", "intergénérationnel", "des écoles",
    "du samedi", "solidaire", "des seniors", "des familles", "zéro déchet", "des jeunes",
]  # fmt: skip
IDEAS = [
    "Installer des bancs", "Organiser une journée portes ouvertes", "Trouver un local",
    "Faire une affiche pour la médiathèque", "Demander une subvention à la Ville",
    "Créer une liste de diffusion", "Ouvrir le samedi matin", "Proposer un atelier aux écoles",
    "Chercher des bénévoles", "Prévoir un coin pour les enfants", "Faire un goûter partagé",
    "Écrire aux commerçants", "Lancer une cagnotte", "Prêter du matériel",
    "Tenir un stand au marché", "Monter un groupe de travail", "Rédiger une charte",
]  # fmt: skip
PLACES = [
    "près de la gare", "au parc de Sceaux", "à la médiathèque", "au marché", "dans la cour",
    "devant l'école", "au centre social", "le dimanche", "avec la MJC", "pour l'été",
]  # fmt: skip
COLORS = CardColor.values


def build(
    *, members: int = 5000, projects: int = 1000, cards: int = 100_000, seed: int = 2026
) -> dict:
    """Build the dataset into the current (migrated, empty) database; what the load needs."""
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        territory, lists = _reference_lists()
        people = _members(rng, members, territory, lists)
        projects_built = _projects(rng, projects, territory, people, lists)
        boards = _boards(rng, projects_built)
        votes, events = _cards_votes_events(rng, boards, cards, people)
        _partners_and_needs(rng, territory, people, projects_built, lists)
        documents = reindex_all()
    return {
        "members": len(people),
        "projects": len(projects_built),
        "boards": len(boards),
        "cards": Card.objects.count(),
        "votes": votes,
        "events": events,
        "documents": documents,
        "seconds": round(time.perf_counter() - started, 1),
        "slugs": [project.slug for project in projects_built],
        "public_boards": [board.pk for board, _ in boards if board.is_public],
        "project_pages": -(-len(projects_built) // PER_PAGE),
        "search_words": sorted({slugify(s).split("-")[0] for s in SUBJECTS}),
    }


def _reference_lists() -> tuple[Territory, dict]:
    territory, _ = Territory.objects.get_or_create(slug="sceaux", defaults={"name": "Sceaux"})
    themes = Theme.objects.bulk_create(
        Theme(name=name, slug=slugify(name), description=text) for name, text in load_demo.THEMES
    )
    neighbourhoods = Neighbourhood.objects.bulk_create(
        Neighbourhood(territory=territory, name=name, slug=slugify(name))
        for name in load_demo.NEIGHBOURHOODS
    )
    skills = Skill.objects.bulk_create(
        Skill(name=name, slug=slugify(name), is_managed=True) for name in load_demo.SKILLS
    )
    return territory, {"themes": themes, "neighbourhoods": neighbourhoods, "skills": skills}


def _members(rng: random.Random, count: int, territory, lists: dict) -> list:
    User = get_user_model()
    password = make_password(PASSWORD)  # once: hashing is deliberately slow
    confirmed = timezone.now()
    people = User.objects.bulk_create(
        (
            User(
                username=f"membre{n}",
                email=f"membre{n}@exemple.invalid",
                password=password,
                display_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                territory=territory,
                neighbourhood=rng.choice([None, *lists["neighbourhoods"]]),
                bio=f"Habitant·e de Sceaux, {rng.choice(COMPLEMENTS)}." if n % 3 == 0 else "",
                email_confirmed_at=confirmed,
                is_staff=n < 3,  # a few moderators from the town
            )
            for n in range(count)
        ),
        batch_size=BATCH,
    )
    _pairs(
        User.skills.through,
        "user",
        "skill",
        [(p, s) for p in people for s in rng.sample(lists["skills"], rng.randint(0, 2))],
    )
    _pairs(
        User.themes.through,
        "user",
        "theme",
        [(p, t) for p in people for t in rng.sample(lists["themes"], rng.randint(0, 2))],
    )
    return people


def _pairs(through, left: str, right: str, pairs: list[tuple]) -> None:
    through.objects.bulk_create(
        (through(**{left: a, right: b}) for a, b in pairs), batch_size=BATCH
    )


def _projects(rng: random.Random, count: int, territory, people: list, lists: dict) -> list:
    now = timezone.now()
    built = []
    for n in range(count):
        title = f"{rng.choice(SUBJECTS)} {rng.choice(COMPLEMENTS)} {n + 1}"
        neighbourhood = rng.choice([None, *lists["neighbourhoods"]])
        built.append(
            Project(
                territory=territory,
                title=title,
                slug=slugify(title),
                summary=f"{rng.choice(IDEAS)} {rng.choice(PLACES)}.",
                description=(
                    f"## Notre idée\n\n**{title}** : {rng.choice(IDEAS).lower()} "
                    f"{rng.choice(PLACES)}.\n\n- {rng.choice(IDEAS)}\n- {rng.choice(IDEAS)}\n"
                ),
                stage=rng.choice(Stage.values),
                neighbourhood=neighbourhood,
                owner=rng.choice(people),
                links=[{"url": f"https://exemple.invalid/projets/{n + 1}"}] if n % 4 == 0 else [],
            )
        )
    built = Project.objects.bulk_create(built, batch_size=BATCH)
    # Created over three years, the newest first in the list (auto_now_add stamped them all now).
    for project in built:
        project.created_at = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
    Project.objects.bulk_update(built, ["created_at"], batch_size=BATCH)
    _pairs(
        Project.themes.through,
        "project",
        "theme",
        [(p, t) for p in built for t in rng.sample(lists["themes"], rng.randint(1, 2))],
    )
    memberships, follows = [], []
    for project in built:
        team = {project.owner}
        while len(team) < rng.randint(2, 8):
            team.add(rng.choice(people))
        project.team = sorted(team, key=lambda user: user.pk)
        memberships += [
            Membership(
                project=project,
                user=user,
                role=Membership.Role.OWNER if user == project.owner else Membership.Role.MEMBER,
            )
            for user in project.team
        ]
        follows += [
            Follow(project=project, user=user)
            for user in set(rng.choices(people, k=rng.randint(0, 20)))
        ]
    Membership.objects.bulk_create(memberships, batch_size=BATCH)
    Follow.objects.bulk_create(follows, batch_size=BATCH)
    return built


def _boards(rng: random.Random, projects: list) -> list[tuple[Board, list[Column]]]:
    """A board per project (one in twenty private to its team), with the default columns."""
    boards = Board.objects.bulk_create(
        (
            Board(
                title=f"Idées pour {project.title}"[:120],
                project=project,
                created_by=project.owner,
                is_public=rng.random() >= 0.05,
            )
            for project in projects
        ),
        batch_size=BATCH,
    )
    places = positions.spread(len(DEFAULT_COLUMNS))
    columns = Column.objects.bulk_create(
        (
            Column(board=board, title=title, position=place)
            for board in boards
            for title, place in zip(DEFAULT_COLUMNS, places, strict=True)
        ),
        batch_size=BATCH,
    )
    per_board = len(DEFAULT_COLUMNS)
    return [(board, columns[i * per_board : (i + 1) * per_board]) for i, board in enumerate(boards)]


def _spread_total(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split over `parts`: most near the mean, a few boards much busier (log-normal)."""
    weights = [rng.lognormvariate(0, 0.6) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in rng.sample(range(parts), total - sum(counts)):
        counts[i] += 1
    return counts


def _cards_votes_events(
    rng: random.Random, boards: list[tuple[Board, list[Column]]], total: int, people: list
) -> tuple[int, int]:
    counts = _spread_total(rng, total, len(boards))
    layouts: dict[int, list[str]] = {}  # positions.spread(n), computed once per n
    n_votes = n_events = 0
    for start in range(0, len(boards), BOARDS_PER_ROUND):
        round_boards = boards[start : start + BOARDS_PER_ROUND]
        cards: list[Card] = []
        for (board, columns), count in zip(
            round_boards, counts[start : start + BOARDS_PER_ROUND], strict=True
        ):
            team = board.project.team
            split = sorted(rng.randint(0, count) for _ in range(len(columns) - 1))
            sizes = [b - a for a, b in zip([0, *split], [*split, count], strict=True)]
            for column, size in zip(columns, sizes, strict=True):
                if size not in layouts:
                    layouts[size] = positions.spread(size)
                cards += [
                    Card(
                        board=board,
                        column=column,
                        text=f"{rng.choice(IDEAS)} {rng.choice(PLACES)}",
                        color=rng.choice(COLORS),
                        position=place,
                        author=rng.choice(team) if rng.random() < 0.3 else rng.choice(people),
                    )
                    for place in layouts[size]
                ]
        Card.objects.bulk_create(cards, batch_size=BATCH)
        votes = _votes(rng, cards, people)
        Vote.objects.bulk_create(votes, batch_size=BATCH)
        n_events += _log(round_boards, cards, votes)
        n_votes += len(votes)
    return n_votes, n_events


def _votes(rng: random.Random, cards: list[Card], people: list) -> list[Vote]:
    """About one reader in ten of a board's cards votes, within the board's budget."""
    by_board: dict[int, list[Card]] = {}
    for card in cards:
        by_board.setdefault(card.board_id, []).append(card)
    votes = []
    for board_cards in by_board.values():
        board = board_cards[0].board
        for voter in set(rng.choices(people, k=len(board_cards) // 10)):
            budget = min(rng.randint(1, board.votes_per_person), len(board_cards))
            votes += [
                Vote(card=card, board=board, voter=voter)
                for card in rng.sample(board_cards, budget)
            ]
    return votes


def _log(round_boards, cards: list[Card], votes: list[Vote]) -> int:
    """Each board's stream and events as the services would have written them."""
    now = timezone.now()
    log: dict[int, list[tuple[str, dict, object]]] = {}
    for board, columns in round_boards:
        data = {"board": board_data(board), "columns": [column_data(c) for c in columns]}
        log[board.pk] = [("board.created", data, board.created_by)]
    for card in cards:
        log[card.board_id].append(("card.created", {"card": card_data(card, votes=0)}, card.author))
    tally: dict[int, int] = {}
    for vote in votes:
        tally[vote.card_id] = tally.get(vote.card_id, 0) + 1
        data = {"card": vote.card_id, "votes": tally[vote.card_id], "voter": vote.voter_id}
        log[vote.board_id].append(("card.voted", data, vote.voter))
    streams = Stream.objects.bulk_create(
        Stream(key=board.stream_key, seq=len(log[board.pk])) for board, _ in round_boards
    )
    rows = []
    for (board, _), stream in zip(round_boards, streams, strict=True):
        rows += [
            Event(
                stream=stream,
                seq=seq,
                name=name,
                data=data,
                actor=actor_of(actor),
                client=client_key(actor),
                created_at=now,
            )
            for seq, (name, data, actor) in enumerate(log[board.pk], start=1)
        ]
    Event.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _partners_and_needs(rng: random.Random, territory, people: list, projects, lists) -> None:
    """The seeds' partners and as many again invented; the seeds' needs and a few more."""
    steps = SupportStep.values
    specs = [(name, summary, offers) for name, summary, offers in load_demo.PARTNERS]
    for n in range(40):
        name = f"{rng.choice(['Association', 'Collectif', 'Fondation', 'Réseau'])} {n + 1}"
        offers = [(step, f"{name} accompagne : {step}.") for step in rng.sample(steps, 2)]
        specs.append((name, f"{name} accompagne les projets de Sceaux.", offers))
    partners = Partner.objects.bulk_create(
        Partner(territory=territory, name=name, slug=slugify(name), summary=summary)
        for name, summary, _ in specs
    )
    Offer.objects.bulk_create(
        Offer(partner=partner, step=step, description=text)
        for partner, (_, _, offers) in zip(partners, specs, strict=True)
        for step, text in offers
    )
    _pairs(
        Partner.themes.through,
        "partner",
        "theme",
        [(p, t) for p in partners for t in rng.sample(lists["themes"], rng.randint(1, 3))],
    )
    _pairs(Partner.managers.through, "partner", "user", [(p, rng.choice(people)) for p in partners])
    requests, Status = [], SupportRequest.Status
    for project in rng.sample(projects, len(projects) // 5):
        partner = rng.choice(partners)
        accepted = rng.random() < 0.6
        requests.append(
            SupportRequest(
                project=project,
                partner=partner,
                step=rng.choice(steps),
                message="Pouvez-vous nous accompagner ?",
                status=Status.ACCEPTED if accepted else Status.PENDING,
                requested_by=project.owner,
                answer="Avec plaisir." if accepted else "",
                answered_at=timezone.now() if accepted else None,
            )
        )
    SupportRequest.objects.bulk_create(requests, batch_size=BATCH)
    town = [person for person in people if person.is_staff]
    specs = list(load_demo.NEEDS) + [
        (f"{rng.choice(IDEAS)} {rng.choice(PLACES)} ({n + 1})", "Un besoin du territoire.", None)
        for n in range(27)
    ]
    needs = Need.objects.bulk_create(
        Need(
            territory=territory,
            title=title,
            slug=f"{slugify(title)[:40].strip('-')}-{n + 1}",
            description=description,
            created_by=town[0] if town else None,
        )
        for n, (title, description, _) in enumerate(specs)
    )
    _pairs(Need.themes.through, "need", "theme", [(n, rng.choice(lists["themes"])) for n in needs])
    Answer.objects.bulk_create(
        (
            Answer(need=rng.choice(needs), project=project, declared_by=project.owner)
            for project in rng.sample(projects, len(projects) // 10)
        ),
        batch_size=BATCH,
    )


if __name__ == "__main__":
    sizes = [int(arg) for arg in sys.argv[1:4]]
    result = build(**dict(zip(("members", "projects", "cards"), sizes, strict=False)))
    print(
        f"{result['members']} members, {result['projects']} projects, {result['cards']} cards, "
        f"{result['votes']} votes, {result['events']} events in {result['seconds']} s",
        file=sys.stderr,
    )
    print(json.dumps(result))
