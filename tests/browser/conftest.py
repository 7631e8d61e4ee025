"""Browser fixtures: one headless Chromium per session, a fresh context and page per test.

Every page opened through ``open_page`` records console messages; a test fails when any of them
mentions the Content Security Policy. When a test fails, a screenshot of each of its pages is saved
under ``test-artifacts/``.
"""

from __future__ import annotations

import os

# Playwright's sync API runs an event loop in this thread; the test body still uses the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 5_000

OpenPage = Callable[[], Page]

# Whether the test body failed: the page fixture's teardown then saves screenshots.
_call_failed = pytest.StashKey[bool]()


@dataclass
class PageWatch:
    """The pages a test opened and the CSP complaints their consoles showed."""

    pages: list[Page] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if "content security policy" in message.text.lower():
            self.csp_violations.append(f"{message.page.url if message.page else '?'}: {message.text}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Fail the test itself (not its teardown) when a page logged a CSP violation."""
    result = yield
    watch = getattr(item, "funcargs", {}).get("page_watch")
    if isinstance(watch, PageWatch) and watch.csp_violations:
        pytest.fail("Content Security Policy violations:\n" + "\n".join(watch.csp_violations))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    if report.when == "call":
        item.stash[_call_failed] = report.failed
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        expect.set_options(timeout=TIMEOUT_MS)
        yield browser
        browser.close()


@pytest.fixture
def page_watch() -> PageWatch:
    return PageWatch()


@pytest.fixture
def open_page(
    browser: Browser,
    live_server: Any,
    transactional_db: Any,
    page_watch: PageWatch,
    request: pytest.FixtureRequest,
) -> Iterator[OpenPage]:
    """Opens a page in a new browser context (its own cookies): a separate person at their own screen."""
    contexts: list[BrowserContext] = []

    def make() -> Page:
        context = browser.new_context(base_url=live_server.url, locale="en-US", timezone_id="UTC")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", page_watch.on_console)
        page_watch.pages.append(page)
        return page

    yield make

    if request.node.stash.get(_call_failed, False):
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        for number, page in enumerate(page_watch.pages):
            if not page.is_closed():
                page.screenshot(path=ARTIFACTS / f"{name}-{number}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    return open_page()
