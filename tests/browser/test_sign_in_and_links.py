"""Each demo role signs in through the form and every link it is shown answers cleanly."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import sign_in

DEMO_SIGN_INS = ["admin@demo.test", "manager@demo.test", "mentor@demo.test", "newhire@demo.test", "shopper@demo.test"]
MAX_PAGES_PER_ROLE = 400
PAGES_PER_SHAPE = 3


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def _same_site_links(page, base):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    links = []
    for href in hrefs:
        href = urldefrag(href)[0]
        parts = urlsplit(href)
        if href.startswith(base) and not parts.path.startswith("/static/"):
            links.append(href)
    return links


@pytest.mark.parametrize("email", DEMO_SIGN_INS)
def test_demo_role_signs_in_and_every_link_answers(demo, new_page, live_server, email):
    page, console = new_page()
    sign_in(page, email)
    assert page.locator("h1").count() == 1
    queue, seen, problems = [live_server + "/"], set(), []
    per_shape: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        # Pages that differ only by record ids are one page shape: a few of each is enough.
        shape = re.sub(r"\d+", "N", url)
        per_shape[shape] = per_shape.get(shape, 0) + 1
        if per_shape[shape] > PAGES_PER_SHAPE:
            continue
        try:
            response = page.goto(url)
        except PlaywrightError as exc:
            if "Download is starting" not in str(exc):
                raise
            # A file to download (a PDF, an export): it must answer, but it has no links.
            download = page.request.get(url)
            if download.status >= 400:
                problems.append(f"{url}: {download.status}")
            continue
        if response is None or response.status >= 400:
            problems.append(f"{url}: {response.status if response else 'no response'}")
            continue
        if page.locator("h1").count() != 1:
            problems.append(f"{url}: {page.locator('h1').count()} <h1> elements")
        queue.extend(link for link in _same_site_links(page, live_server) if link not in seen)
    assert not problems, "\n".join(problems)
    assert not console.errors, "\n".join(console.errors)
    assert len(seen) > 1


def test_a_russian_browser_gets_the_russian_interface(demo, new_page):
    page, console = new_page(locale="ru-RU")
    page.goto("/login")
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_label("Электронная почта").fill("manager@demo.test")
    page.get_by_label("Пароль").fill("demo-password")
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url("**/")
    assert page.get_by_role("link", name="Главная").is_visible()
    assert not console.errors


def test_wrong_password_shows_a_message_and_keyboard_reaches_the_form(demo, new_page):
    page, console = new_page()
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("Email").fill("admin@demo.test")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_label("Password").press("Enter")
    assert page.get_by_text("Wrong email or password.").is_visible()
    # 401 for the failed sign-in is expected: it is the only console line allowed here
    assert all("401" in line for line in console.errors)
