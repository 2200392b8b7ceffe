"""Browser tests: Playwright drives the machine's own Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            "No Chromium on this machine: install it with `apt-get install -y chromium` "
            "to run the browser tests (CI does)."
        )
    # Playwright's sync API runs an event loop in this thread; the ORM calls that pytest-django
    # makes here between tests are not async and are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam")
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The Content-Security-Policy forbids inline code; Chromium reports what it blocked on the
    # console. Any such report fails the journey: a blocked script or style is a broken page.
    blocked: list[str] = []
    page.on("console", lambda msg: blocked.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield page
    context.close()
    assert blocked == [], "blocked by the Content-Security-Policy:\n" + "\n".join(blocked)


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def check_a11y(axe):
    """Run axe on the current page; fail with its report on any WCAG 2.1 A/AA violation."""

    def _check(page) -> None:
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return _check
