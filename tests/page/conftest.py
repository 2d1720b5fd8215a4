"""Browser fixtures: one headless Debian Chromium per session, a fresh context per test.

The browser is the system's (`apt-get install chromium`), driven by Playwright for Python
through `executable_path`: `playwright install` is never run and nothing is downloaded.
Every page is guarded: a request to any host but 127.0.0.1 is blocked and fails the test,
and so does an uncaught script error or a Content-Security-Policy violation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

from tests.conftest import REPO, hakb_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = REPO / "test-artifacts" / "page"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
API_KEY = "page-test-key-5f1c"
ADMIN_KEY = "page-admin-key-9d2e"  # reads votes on /review (HAKB_ADMIN_KEYS)
# Answers take milliseconds, but a loaded 2-core CI box can stall a request for seconds.
TIMEOUT_MS = 20_000

expect.set_options(timeout=TIMEOUT_MS)


# Package, not session: playwright's sync API keeps an asyncio loop running in the main
# thread while it is open, and any later test that calls asyncio.run would meet it.
@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)")
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@dataclass
class Guard:
    """What a page did that no user should ever meet."""

    external: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort("blockedbyclient")

    def check(self) -> None:
        assert not self.external, f"the page tried to fetch from elsewhere: {self.external}"
        assert not self.script_errors, f"uncaught script errors: {self.script_errors}"
        assert not self.csp_violations, f"Content-Security-Policy violations: {self.csp_violations}"


OpenPage = Callable[..., Page]
ColorScheme = Literal["dark", "light", "no-preference"]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """open_page(url, viewport=DESKTOP, color_scheme=None) -> a loaded page in its own
    context (own storage); color_scheme "dark" or "light" emulates prefers-color-scheme."""
    opened: list[tuple[BrowserContext, Guard]] = []

    def open_(url: str, viewport: dict[str, int] | None = None, color_scheme: ColorScheme | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, color_scheme=color_scheme)
        context.set_default_timeout(TIMEOUT_MS)
        guard = Guard()
        context.route("**/*", guard.route)
        page = context.new_page()
        page.on("console", guard.on_console)
        page.on("pageerror", lambda exc: guard.script_errors.append(str(exc)))
        opened.append((context, guard))
        page.goto(url)
        return page

    yield open_
    for context, _ in opened:
        context.close()
    for _, guard in opened:
        guard.check()


@pytest.fixture(scope="session")
def keyed_server(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second real server over the same (read-only) build that requires HAKB_API_KEYS,
    and reads votes (/review) with HAKB_ADMIN_KEYS."""
    log_path = tmp_path_factory.mktemp("keyed-server") / "server.log"
    with hakb_server(corpus_data_dir, log_path, {"HAKB_API_KEYS": API_KEY, "HAKB_ADMIN_KEYS": ADMIN_KEY}) as server:
        yield server.url


def save_screenshot(page: Page, directory: Path, name: str, *, full_page: bool = False) -> Path:
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
