"""Load the demo territory of the seeds: Sceaux, its projects, their boards, demo accounts.

Idempotent: running it again changes nothing. Refuses to run with DEBUG off unless --force.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backend.projects.models import Membership, Project
from backend.territories.models import Territory
from boards import services as boards

DEMO_PASSWORD = "faire-ensemble-demo"

ACCOUNTS = [
    # username, display name, role, moderator
    ("awa", "Awa Diallo", "citoyenne", False),
    ("camille", "Camille Martin", "porteuse de projets", False),
    ("moderation", "Louise Bernard", "modératrice de la Ville", True),
]

PROJECTS = [
    (
        "Sceaux Smart",
        "Un espace de coworking pour travailler près de chez soi.",
        [
            "Horaires étendus le samedi",
            "Un coin pour les parents avec enfants",
            "Des petits-déjeuners entre membres",
        ],
    ),
    (
        "Mutum & Repair Café",
        "Prêter les objets et réparer ensemble plutôt que jeter.",
        [
            "Un repair café au marché une fois par mois",
            "Une grainothèque à la médiathèque",
            "Former des bénévoles à la réparation de vélos",
        ],
    ),
    (
        "VoisinAge",
        "Un réseau de voisins pour rompre l'isolement des personnes âgées.",
        ["Des visites de convivialité le dimanche", "Un annuaire des voisins volontaires"],
    ),
    (
        "Pari Solidaire",
        "Des étudiants logés chez des seniors, en échange de présence.",
        ["Présenter le projet au forum des associations", "Un livret d'accueil pour les binômes"],
    ),
    (
        "FabLab numérique (CSCB)",
        "Un atelier de fabrication numérique ouvert à tous.",
        ["Initiation à l'impression 3D pour les collégiens", "Réparer les écrans de téléphone"],
    ),
    (
        "Reconnect",
        "Un coffre-fort numérique pour les personnes sans domicile.",
        ["Des permanences au CCAS", "Former les travailleurs sociaux"],
    ),
    (
        "Chemin d'enfance",
        "Des parcours d'éveil pour les tout-petits dans les parcs.",
        ["Un parcours sensoriel au jardin de la Ménagerie"],
    ),
    (
        "C'est bon esprit",
        "Une cuisine solidaire avec les produits locaux.",
        ["Une AMAP avec les maraîchers voisins", "Des ateliers cuisine anti-gaspi"],
    ),
    (
        "Festival de musique (MJC)",
        "Le festival des groupes du territoire, par les jeunes.",
        ["Une scène ouverte pour les lycéens"],
    ),
    (
        "KOEO",
        "Des ateliers d'éducation au numérique responsable.",
        ["Un atelier « mes données, mes droits »"],
    ),
]


class Command(BaseCommand):
    help = "Charge le territoire de démonstration (Sceaux) ; sans effet s'il est déjà là."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Charger même avec DEBUG désactivé."
        )

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG est désactivé : ceci ressemble à une production. "
                "Ajoutez --force pour charger quand même les données de démonstration."
            )
        territory, _ = Territory.objects.get_or_create(slug="sceaux", defaults={"name": "Sceaux"})
        people = {}
        User = get_user_model()
        for username, name, _role, moderator in ACCOUNTS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username=username,
                    email=f"{username}@demo.faire-ensemble.fr",
                    password=DEMO_PASSWORD,
                    display_name=name,
                    territory=territory,
                    is_staff=moderator,
                )
            people[username] = user
        owner, citizen = people["camille"], people["awa"]
        for title, summary, ideas in PROJECTS:
            project = self._project(territory, owner, title, summary)
            if not project.boards.exists():
                board = boards.create_board(
                    actor=owner, title=f"Idées pour {title}", project=project
                )
                column = board.columns.order_by("position").first()
                for index, text in enumerate(ideas):
                    author = citizen if index % 2 else owner
                    boards.create_card(
                        actor=author, board_id=board.pk, column_id=column.pk, text=text
                    )
        if not territory.projects.filter(slug="parlons-ensemble").exists():
            project = self._project(
                territory,
                people["moderation"],
                "Parlons ensemble de Sceaux",
                "La consultation des habitants : vos idées pour la ville.",
            )
            board = boards.create_board(
                actor=people["moderation"],
                title="Parlons ensemble : le lien social",
                project=project,
                columns=["Des lieux pour se rencontrer", "Des projets qui servent le territoire"],
            )
            first = board.columns.order_by("position").first()
            boards.create_card(
                actor=citizen,
                board_id=board.pk,
                column_id=first.pk,
                text="Un café des habitants dans chaque quartier",
            )
        self.stdout.write(self.style.SUCCESS("Territoire de démonstration prêt : Sceaux."))
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for username, name, role, _moderator in ACCOUNTS:
            self.stdout.write(f"  {username:<11} {name} — {role}")

    def _project(self, territory, owner, title, summary) -> Project:
        from django.utils.text import slugify

        slug = "parlons-ensemble" if title.startswith("Parlons") else slugify(title)[:50]
        project, created = Project.objects.get_or_create(
            slug=slug,
            defaults={"title": title, "summary": summary, "owner": owner, "territory": territory},
        )
        if created:
            Membership.objects.create(project=project, user=owner, role=Membership.Role.OWNER)
        return project
