"""Playwright setup: Debian's Chromium and one live server."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections

from tests.inflight import wait_until_idle


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _migrated_rows(django_db_setup):
    """What serialized_rollback restores: the rows migrations created.

    Taken before Playwright starts. Under Playwright's sync API an event loop is
    running, so Django keeps the test's database connection in another (async)
    slot than the one the test database was created and serialized with; that
    connection has no serialized contents, and without this a browser test run
    after other tests finds an empty database after the first flush.
    """
    return {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }


@pytest.fixture(autouse=True)
def _serialized_rollback_under_playwright(_migrated_rows):
    for alias, contents in _migrated_rows.items():
        connection = connections[alias]
        if contents and not hasattr(connection, "_test_serialized_contents"):
            # Django restores from it before every later test; this one may
            # already have been flushed without it, so restore now.
            connection._test_serialized_contents = contents
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _live_server_quiet_at_teardown(request):
    """Wait for the live server's last requests before the database flush.

    Set up after the live server and its database (so torn down before them)
    and before the test's pages (so torn down after they are closed).
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    request.getfixturevalue("live_server")
    yield
    assert wait_until_idle(), "the live server was still answering requests"


@pytest.fixture
def new_context(new_context):
    """Contexts (also the one behind `page`) that give up on an action in 10 s."""

    def factory(**kwargs):
        context = new_context(**kwargs)
        context.set_default_timeout(10_000)
        return context

    return factory


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def portal_url(live_server):
    """portal_url("swim", "news/") -> absolute URL on the live server."""

    def build(slug, path=""):
        return f"{live_server.url}/portal/{slug}/{path}"

    return build
