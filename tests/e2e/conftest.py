"""Browser journeys: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

Never run ``playwright install``: the browser is /usr/bin/chromium (``make test-setup`` installs it)."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a thread with a
# running loop unless told that this is deliberate (it is: the test body is synchronous code).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, with two fixes for this project's settings.

    - Static files through the finders. pytest-django does so only when the exact string
      "django.contrib.staticfiles" is in INSTALLED_APPS; config.apps.StaticFilesConfig replaces it, and the
      fallback serves STATIC_ROOT, which is empty until collectstatic: pages would load without CSS and JS.
    - MEDIA_URL is None on purpose (private files have no public URL), but Django's live server parses it
      to serve media and answers every request with a 500. It gets a prefix that no page links to.
    """
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    address = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    with override_settings(MEDIA_URL="/__live_server_media_not_public__/"):
        server = LiveServer(address, start=False)
        server.thread.static_handler = StaticFilesHandler
        server.start()
        yield server
        server.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots go here (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (make test-setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test, in Chinese, on a desktop-sized window."""
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}, timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
