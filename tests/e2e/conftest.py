"""Browser tests: Debian's Chromium driven by Playwright (sync API), against real daphne.

They run in their own pytest invocation (`-p no:asyncio`): sync Playwright cannot share a
run with pytest-asyncio's event loop.
"""

import os
import shutil

import pytest

# Playwright's sync API keeps an event loop in this thread; the ORM calls of the set-up are
# still plain synchronous calls in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Chromium is missing: install it with  sudo apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(daphne_factory):
    return daphne_factory()


@pytest.fixture
def person(browser, server):
    """A browser context of its own (cookies, storage) for each person in a test."""
    contexts = []

    def open_as(user=None, *, viewport=None):
        context = browser.new_context(
            base_url=server.url,
            viewport=viewport or {"width": 1280, "height": 900},
            locale="fr-FR",
        )
        if user is not None:
            from tests.factories import session_key_for

            context.add_cookies(
                [{"name": "sessionid", "value": session_key_for(user), "url": server.url}]
            )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(5000)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _publish_from_a_worker_thread(monkeypatch):
    """Services called by the tests publish from a worker thread, as they do in the app.

    Playwright's sync API keeps an event loop in the test's thread, where async_to_sync (used
    to publish after commit) refuses to run.
    """
    import threading

    from realtime import publish

    original = publish.send_event

    def send_event(*args):
        thread = threading.Thread(target=original, args=args)
        thread.start()
        thread.join()

    monkeypatch.setattr(publish, "send_event", send_event)
