"""The attack suite's shared world: the demo data set, loaded once for the whole package inside a transaction
that is rolled back when the package is done, so no other test module ever sees it. Each test then runs
in a savepoint of its own (pytest-django's ``db``), and each request of the matrix in a savepoint inside
that, so that what one request changes never reaches the next."""

import logging

import pytest
from django.db import transaction
from django.test.utils import override_settings

from . import report
from .forms import discover_forms
from .probe import Prober
from .routes import all_routes
from .world import build_world


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("security-media")
    # Thousands of refused requests: Django would log a warning (with a traceback for a 403) for each one.
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=media,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            # Sessions in signed cookies: no session row read and written on each of the suite's requests.
            SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        ),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(media)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_logger.setLevel(level)


@pytest.fixture(scope="package")
def prober(world):
    """A logged-in test client per principal (made once: the sessions live in the package's transaction)."""
    return Prober(world)


@pytest.fixture(scope="package")
def discovered_forms(world, prober):
    """Every POST form on the project's pages (forms.py), found once for the package."""
    with override_settings(MEDIA_ROOT=world.media_root):
        return discover_forms(world, prober, all_routes())


@pytest.fixture(autouse=True)
def _world_media(request, _test_settings, settings):
    """The demo's files live in the package's media directory; tests that use the world read them there."""
    if "world" in request.fixturenames:
        settings.MEDIA_ROOT = request.getfixturevalue("world").media_root


# The matrix first: it reads every page once, and the fuzzing and upload tests take their forms from what it
# read (forms.py) instead of reading the pages again. Run alone, they read the pages themselves.
ORDER = ("test_probe.py", "test_matrix.py", "test_uploads.py", "test_fuzz_forms.py", "test_headers.py")


def pytest_collection_modifyitems(items):
    def position(item):
        if item.path.parent.name != "security":
            return -1
        # A module not in ORDER runs last (still inside the package, so the world is loaded once).
        return ORDER.index(item.path.name) if item.path.name in ORDER else len(ORDER)

    security = [item for item in items if position(item) >= 0]
    if security:
        first = items.index(security[0])
        rest = [item for item in items if position(item) < 0]
        items[:] = rest[:first] + sorted(security, key=position) + rest[first:]


def pytest_terminal_summary(terminalreporter):
    for line in report.summary_lines():
        terminalreporter.write_line(line)
