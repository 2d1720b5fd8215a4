"""The chat page shows, beside each source, which product and PAN-OS version it holds for."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.page.conftest import OpenPage, save_screenshot
from tests.page.test_page import HA2_PORT, ask, last_answer


def test_each_source_names_its_product_and_version(open_page: OpenPage, live_server: str, artifacts: Path) -> None:
    page = open_page(live_server)
    expect(page.get_by_role("status").first).to_contain_text("Ready")
    ask(page, HA2_PORT)
    sources = last_answer(page).get_by_role("region", name="Sources")
    expect(sources.locator(".citation .scope").first).to_contain_text("Next-Generation Firewall")
    save_screenshot(page, artifacts, "desktop-citation-scope")
