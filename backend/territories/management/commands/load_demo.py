"""Load the demo territory of the seeds: Sceaux, its projects, their boards, demo accounts.

Idempotent: running it again changes nothing. Refuses to run with DEBUG off unless --force.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from backend.needs import services as needs
from backend.needs.models import Need
from backend.partners.models import Offer, Partner
from backend.projects.models import Membership, Project
from backend.search.indexing import reindex_all
from backend.territories.models import Neighbourhood, Skill, Territory, Theme
from boards import services as boards

DEMO_PASSWORD = "faire-ensemble-demo"

ACCOUNTS = [
    # username, display name, role, moderator
    ("awa", "Awa Diallo", "citoyenne", False),
    ("camille", "Camille Martin", "porteuse de projets", False),
    ("moderation", "Louise Bernard", "modératrice de la Ville", True),
    ("denis", "Denis Moreau", "chargé d'accompagnement chez France Active", False),
]

# Where each demo project stands: its stage on the support chain, its theme, its neighbourhood.
PROJECT_DETAILS = {
    "Sceaux Smart": ("developpement", "Emploi et entrepreneuriat", "Centre-ville"),
    "Mutum & Repair Café": ("test", "Environnement", "Les Blagis"),
    "VoisinAge": ("lancement", "Solidarité", "Robinson"),
    "Pari Solidaire": ("financement", "Solidarité", "Centre-ville"),
    "FabLab numérique (CSCB)": ("emergence", "Numérique", "Les Blagis"),
    "Reconnect": ("developpement", "Numérique", None),
    "Chemin d'enfance": ("idee", "Éducation et jeunesse", "Charaire"),
    "C'est bon esprit": ("test", "Environnement", "Les Musiciens"),
    "Festival de musique (MJC)": ("lancement", "Culture", "Robinson"),
    "KOEO": ("emergence", "Éducation et jeunesse", None),
}

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

THEMES = [
    ("Solidarité", "Lien social, entraide, lutte contre l'isolement."),
    ("Environnement", "Réemploi, alimentation locale, nature en ville."),
    ("Emploi et entrepreneuriat", "Créer son activité, travailler près de chez soi."),
    ("Éducation et jeunesse", "Apprendre, grandir, s'engager."),
    ("Culture", "Musique, fêtes et pratiques artistiques."),
    ("Numérique", "Outils, droits et inclusion numériques."),
]

NEIGHBOURHOODS = ["Centre-ville", "Les Blagis", "Robinson", "Les Musiciens", "Charaire"]

SKILLS = [
    "Animation",
    "Bricolage",
    "Communication",
    "Comptabilité",
    "Cuisine",
    "Développement web",
    "Droit",
    "Graphisme",
    "Jardinage",
    "Photographie",
    "Recherche de financements",
    "Traduction",
]

# The partners the seeds name, with what each offers at which step of the support chain.
PARTNERS = [
    (
        "My Social Business Model",
        "Tester son idée et son modèle économique social.",
        [("test", "Une phase de test accompagnée pour éprouver son modèle avant de se lancer.")],
    ),
    (
        "La Banque Postale",
        "Une banque pour les projets de l'économie sociale et solidaire.",
        [("financement", "Comptes et prêts pour les associations et entreprises de l'ESS.")],
    ),
    (
        "KissKissBankBank",
        "Le financement participatif des projets créatifs et solidaires.",
        [("financement", "Une campagne de financement participatif, préparée avec vous.")],
    ),
    (
        "Hauts-de-Seine Initiative",
        "Prêts d'honneur et garanties pour créer son activité dans le département.",
        [
            ("garantie", "Une contre-garantie bancaire qui facilite l'obtention d'un prêt."),
            ("financement", "Des prêts d'honneur sans intérêt pour les créateurs."),
        ],
    ),
    (
        "France Active",
        "Le financement solidaire des entreprises sociales (comité FINES).",
        [
            ("financement", "Apports en fonds propres et prêts solidaires."),
            ("garantie", "Des garanties sur les prêts bancaires des entreprises sociales."),
        ],
    ),
    (
        "Atelier Île-de-France",
        "Le centre de ressources régional de l'ESS.",
        [("formation", "Des formations à l'entrepreneuriat social, du projet au lancement.")],
    ),
    (
        "Sceaux Smart",
        "L'espace de coworking de Sceaux.",
        [("hebergement", "Des postes de travail flexibles et des salles de réunion.")],
    ),
    (
        "Le Comptoir de l'innovation",
        "L'incubateur territorial des entrepreneurs sociaux.",
        [("incubation", "Un programme d'incubation pour les entrepreneurs sociaux du territoire.")],
    ),
    (
        "microDON",
        "La générosité embarquée : l'arrondi solidaire.",
        [("micro-don", "L'arrondi en caisse ou sur salaire au profit des associations locales.")],
    ),
]

NEEDS = [
    (
        "Des lieux pour se rencontrer",
        "Les habitants l'ont dit lors de « Parlons ensemble de Sceaux » : il manque des lieux "
        "pour faire connaissance, partager des expériences et des savoir-faire.",
        "Solidarité",
    ),
    (
        "Rompre l'isolement des personnes âgées",
        "Des visites, des appels, des activités partagées entre générations.",
        "Solidarité",
    ),
    (
        "Réparer plutôt que jeter",
        "Des ateliers de réparation et de réemploi dans chaque quartier.",
        "Environnement",
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
                    email_confirmed_at=timezone.now(),
                )
            people[username] = user
        owner, citizen = people["camille"], people["awa"]
        self._reference_lists(territory)
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
        self._partners(territory, people["denis"])
        self._needs(territory, people["moderation"])
        workshop = self._workshop(territory, people["moderation"])
        self._meeting(people["moderation"], people["awa"])
        reindex_all()
        self.stdout.write(self.style.SUCCESS("Territoire de démonstration prêt : Sceaux."))
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for username, name, role, _moderator in ACCOUNTS:
            self.stdout.write(f"  {username:<11} {name} — {role}")
        self.stdout.write(
            f"Atelier « {workshop.title} » : rejoindre sur /w/{workshop.join_code}, "
            f"animer sur /ateliers/{workshop.pk}/animation/ (compte moderation)."
        )

    def _workshop(self, territory, facilitator):
        """A workshop of 4 tables, open, its cards hidden until the reveal: try it from a phone."""
        from datetime import timedelta

        from django.utils import timezone

        from backend.workshops import services as workshops
        from backend.workshops.models import Workshop

        title = "Parlons ensemble de Sceaux : l'atelier"
        existing = Workshop.objects.filter(territory=territory, title=title).first()
        if existing is not None:
            return existing
        return workshops.create_workshop(
            actor=facilitator,
            territory=territory,
            title=title,
            starts_at=timezone.now() + timedelta(days=4),
            place="Salle des fêtes, Hôtel de ville",
            question="Comment mieux vivre ensemble dans notre quartier ?",
            tables=4,
            votes_per_participant=3,
            hidden_until_reveal=True,
        )

    def _meeting(self, moderator, citizen) -> None:
        """A meeting on a theme (« rencontre »); Awa cares about the theme and is invited."""
        from datetime import timedelta

        from backend.meetings import services as meetings

        title = "Rencontre solidarité : les associations du quartier"
        territory = moderator.territory
        if territory.meetings.filter(title=title).exists():
            return
        theme = Theme.objects.filter(name__istartswith="solidarit").first()
        if theme is None:
            return
        citizen.themes.add(theme)
        meetings.create_meeting(
            actor=moderator,
            title=title,
            starts_at=(timezone.now() + timedelta(days=10)).replace(
                hour=18, minute=30, second=0, microsecond=0
            ),
            place="Maison des associations",
            themes=[theme],
            capacity=40,
            invite=True,
        )

    def _project(self, territory, owner, title, summary) -> Project:
        slug = "parlons-ensemble" if title.startswith("Parlons") else slugify(title)[:50]
        project, created = Project.objects.get_or_create(
            slug=slug,
            defaults={"title": title, "summary": summary, "owner": owner, "territory": territory},
        )
        if created:
            Membership.objects.create(project=project, user=owner, role=Membership.Role.OWNER)
            stage, theme, neighbourhood = PROJECT_DETAILS.get(title, ("idee", None, None))
            project.stage = stage
            project.description = f"{summary}\n\n**Rejoignez-nous** : l'équipe cherche des bras."
            project.neighbourhood = Neighbourhood.objects.filter(name=neighbourhood).first()
            project.save()
            if theme:
                project.themes.add(Theme.objects.get(name=theme))
        return project

    def _reference_lists(self, territory) -> None:
        for name, description in THEMES:
            Theme.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "description": description}
            )
        for name in NEIGHBOURHOODS:
            Neighbourhood.objects.get_or_create(
                territory=territory, slug=slugify(name), defaults={"name": name}
            )
        for name in SKILLS:
            Skill.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "is_managed": True}
            )

    def _partners(self, territory, representative) -> None:
        for name, summary, offers in PARTNERS:
            partner, created = Partner.objects.get_or_create(
                slug=slugify(name),
                defaults={"name": name, "summary": summary, "territory": territory},
            )
            if created:
                for step, description in offers:
                    Offer.objects.create(partner=partner, step=step, description=description)
                if name == "France Active":
                    partner.managers.add(representative)

    def _needs(self, territory, moderator) -> None:
        for title, description, theme in NEEDS:
            if not Need.objects.filter(title=title).exists():
                needs.publish_need(
                    actor=moderator,
                    territory=territory,
                    title=title,
                    description=description,
                    themes=[Theme.objects.get(slug=slugify(theme))],
                )
