"""The foundation: settings from the environment, the deploy check, the demo territory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from backend.projects.models import Project
from boards.models import Board, Card
from realtime.models import Event

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "DATABASE_URL"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="backend.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_is_clean_in_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "DEBUG": "0",
            "SECRET_KEY": "a-real-secret-" + "x7Gq2" * 10,
            "ALLOWED_HOSTS": "sceaux.example",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python("import django; django.setup()", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_come_from_the_environment():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CHANNEL_LAYERS['default']['BACKEND']); print(s.DATABASES['default']['ENGINE']);"
        "print(s.DEBUG, s.ALLOWED_HOSTS); print(s.DATABASES['default']['CONN_MAX_AGE'])"
    )
    default = run_python(code).stdout.split("\n")
    assert default[0] == "channels.layers.InMemoryChannelLayer"
    assert default[1] == "django.db.backends.sqlite3"
    assert default[3] == "600"  # SQLite keeps its connections (a close checkpoints the WAL)
    scaled = run_python(
        code,
        REDIS_URL="redis://127.0.0.1:6399/0",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/app",
        DEBUG="0",
        SECRET_KEY="s" * 50,
        ALLOWED_HOSTS="a.example,b.example",
    ).stdout.split("\n")
    assert scaled[0] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert scaled[1] == "django.db.backends.postgresql"
    assert scaled[2] == "False ['a.example', 'b.example']"
    assert scaled[3] == "0"  # no persistent connections under ASGI on a server database


def test_the_server_process_collects_garbage_less_often_and_not_what_startup_loaded():
    code = "import gc, backend.asgi; print(gc.get_threshold()[0], gc.get_freeze_count())"
    tuned = run_python(code).stdout.split()
    assert int(tuned[0]) == 20000
    assert int(tuned[1]) > 50_000  # Django and the app's modules: out of every collection
    assert run_python(code, REALTIME_GC_THRESHOLD="0").stdout.split()[0] == "700"
    assert run_python(code, REALTIME_GC_THRESHOLD="5000").stdout.split()[0] == "5000"


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000


@pytest.mark.django_db
def test_the_demo_territory_loads_once(capsys, settings):
    settings.DEBUG = True
    call_command("load_demo")
    output = capsys.readouterr().out
    assert "faire-ensemble-demo" in output
    assert "camille" in output and "moderation" in output and "awa" in output
    counts = (
        Project.objects.count(),
        Board.objects.count(),
        Card.objects.count(),
        Event.objects.count(),
    )
    titles = set(Project.objects.values_list("title", flat=True))
    assert {
        "Sceaux Smart",
        "Mutum & Repair Café",
        "VoisinAge",
        "Pari Solidaire",
        "FabLab numérique (CSCB)",
        "Reconnect",
    } <= titles
    assert all(p.boards.exists() for p in Project.objects.all())
    # The partners the seeds name, each at its steps of the support chain.
    from backend.needs.models import Need
    from backend.partners.models import Offer, Partner

    steps = {(offer.partner.name, offer.step) for offer in Offer.objects.select_related("partner")}
    assert {
        ("My Social Business Model", "test"),
        ("KissKissBankBank", "financement"),
        ("Hauts-de-Seine Initiative", "garantie"),
        ("Atelier Île-de-France", "formation"),
        ("Sceaux Smart", "hebergement"),
        ("Le Comptoir de l'innovation", "incubation"),
        ("microDON", "micro-don"),
    } <= steps
    voisinage = Project.objects.get(slug="voisinage")
    assert voisinage.stage == "lancement"
    assert [t.name for t in voisinage.themes.all()] == ["Solidarité"]
    assert Partner.objects.get(slug="france-active").managers.get().username == "denis"
    # A workshop to try from a phone, its join code printed.
    from backend.workshops.models import Workshop

    workshop = Workshop.objects.get()
    assert workshop.tables.count() == 4 and f"/w/{workshop.join_code}" in output
    counts += (Partner.objects.count(), Offer.objects.count(), Need.objects.count())
    counts += (Workshop.objects.count(),)
    call_command("load_demo")
    assert counts == (
        Project.objects.count(),
        Board.objects.count(),
        Card.objects.count(),
        Event.objects.count(),
        Partner.objects.count(),
        Offer.objects.count(),
        Need.objects.count(),
        Workshop.objects.count(),
    )


@pytest.mark.django_db
def test_the_demo_loader_refuses_production_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo")
    assert Project.objects.count() == 0
    call_command("load_demo", force=True)
    assert Project.objects.count() > 0
