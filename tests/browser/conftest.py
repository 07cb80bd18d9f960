"""Browser fixtures: the app served from a thread, and Debian's Chromium driven by Playwright.

When Chromium is missing the tests are skipped loudly, unless SERVICECRAFT_REQUIRE_BROWSER=1
(as in CI), where its absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        if os.environ.get("SERVICECRAFT_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (SERVICECRAFT_REQUIRE_BROWSER=1) but /usr/bin/chromium is missing")
        pytest.skip("BROWSER TESTS SKIPPED: /usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class ConsoleWatch:
    """Collects console errors and uncaught page errors of one page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context: new_page(locale="ru-RU", phone=True) -> (page, console)."""
    contexts = []

    def make(locale="en-GB", phone=False):
        options = {"locale": locale, "base_url": live_server}
        if phone:
            options.update(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        return page, ConsoleWatch(page)

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email, password="demo-password"):
    """Sign in through the real form, by its visible labels."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/(\?.*)?$"))
