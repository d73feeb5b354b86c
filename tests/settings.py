"""Test settings: the project's settings, a fast password hasher, a test database file."""

import os
import tempfile
from pathlib import Path

from backend.settings import *  # noqa: F403
from backend.settings import DATABASES

# Tests create many users; the production hasher is deliberately slow.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: consumer tests write from worker threads and daphne processes share
    # it, as in production. One per run, so that runs side by side do not collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"faire-ensemble-test-{os.getpid()}.sqlite3")
    }

# Uploaded files land in a throw-away directory, one per run.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="faire-ensemble-media-"))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("EMAIL_FILE_PATH"):  # a test's server process writes its mail there
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
