"""Sockets know who is behind them from the Django session cookie, checked like a page would."""

import pytest
from channels.testing import WebsocketCommunicator

from backend.asgi import application
from tests.factories import make_board, make_user, session_key_for
from tests.realtime.conftest import db

pytestmark = pytest.mark.django_db(transaction=True)


async def hello_with_cookie(board, cookie: str | None):
    headers = [(b"origin", b"http://localhost")]
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    ws = WebsocketCommunicator(application, f"/ws/boards/{board.pk}/", headers=headers)
    assert (await ws.connect())[0]
    hello = await ws.receive_json_from()
    await ws.disconnect()
    return hello


@db
def member_with_session():
    user = make_user("Awa")
    return user, make_board(user), session_key_for(user)


async def test_the_session_cookie_signs_the_socket_in():
    user, board, key = await member_with_session()
    hello = await hello_with_cookie(board, f"csrftoken=x; sessionid={key}")
    assert hello["me"]["id"] == user.pk
    assert hello["me"]["can_moderate"] is True


@pytest.mark.parametrize("cookie", [None, "sessionid=not-a-session", "other=1"])
async def test_no_valid_session_is_an_anonymous_reader(cookie):
    user, board, key = await member_with_session()
    hello = await hello_with_cookie(board, cookie)
    assert hello["me"]["id"] is None
    assert hello["me"]["can_write"] is False


async def test_a_session_from_before_a_password_change_is_refused():
    user, board, key = await member_with_session()

    @db
    def change_password():
        user.set_password("un-tout-nouveau-mot-de-passe")
        user.save()

    await change_password()
    hello = await hello_with_cookie(board, f"sessionid={key}")
    assert hello["me"]["id"] is None


# The session → user read, on prepared queries: the same answer as Django's get_user ----------


def django_answer(key):
    from realtime.auth import _user_by_django

    return _user_by_django(key)


@pytest.mark.django_db
def test_a_signed_in_session_is_two_queries_and_the_same_user_as_django(monkeypatch):
    from django.db import connection
    from django.db.models.sql.compiler import SQLCompiler
    from django.test.utils import CaptureQueriesContext

    from realtime.auth import user_from_session

    user = make_user("Awa")
    key = session_key_for(user)
    user_from_session(key)  # the queries are built here, once
    built = []
    original = SQLCompiler.as_sql
    monkeypatch.setattr(
        SQLCompiler, "as_sql", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    with CaptureQueriesContext(connection) as queries:
        got = user_from_session(key)
    assert built == []  # nothing compiled again for the next socket
    assert got.pk == user.pk and got.is_authenticated
    assert got.public_name == django_answer(key).public_name
    assert len(queries) == 2


@pytest.mark.django_db
def test_expired_unknown_and_inactive_are_anonymous_and_nothing_is_written():
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from realtime.auth import user_from_session

    expired_user, inactive = make_user("Bruno"), make_user("Chloé")
    expired = session_key_for(expired_user)
    Session.objects.filter(pk=expired).update(expire_date=timezone.now() - timedelta(seconds=1))
    asleep = session_key_for(inactive)
    type(inactive).objects.filter(pk=inactive.pk).update(is_active=False)
    for key in (expired, asleep, "pas-une-session", ""):
        with CaptureQueriesContext(connection) as queries:
            got = user_from_session(key)
        assert not got.is_authenticated, key
        assert not django_answer(key).is_authenticated, key
        assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries), key
    assert Session.objects.filter(pk__in=[expired, asleep]).count() == 2


@pytest.mark.django_db
def test_a_stale_password_hash_goes_through_django_which_ends_the_session():
    from django.contrib.sessions.models import Session

    from realtime.auth import user_from_session

    user = make_user("Damien")
    key = session_key_for(user)
    user.set_password("un-tout-nouveau-mot-de-passe")
    user.save()
    assert not user_from_session(key).is_authenticated
    assert not Session.objects.filter(pk=key).exists()  # flushed, as a page would


@pytest.mark.django_db
def test_a_session_of_another_backend_is_left_to_django(settings):
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from realtime.auth import user_from_session

    user = make_user("Emma")
    key = session_key_for(user)
    session = SessionStore(key)
    session[BACKEND_SESSION_KEY] = "tests.realtime.test_socket_auth.EveryoneBackend"
    session.save()
    assert not user_from_session(key).is_authenticated  # a backend the site does not use
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "tests.realtime.test_socket_auth.EveryoneBackend",
    ]
    assert user_from_session(key).pk == user.pk  # Django asked the backend


class EveryoneBackend:
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=user_id).first()
