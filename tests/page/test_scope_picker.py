"""The chat page's scope selector: filled from GET /v1/scopes, sent with each question,
kept across a reload, cleared with one button; on a real server over the scoped corpus
(PAN-OS 10.1 to 12.2, CN-Series on AWS, Panorama) in real Chromium."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.page.conftest import PHONE, OpenPage, save_screenshot
from tests.page.test_page import ask, asked, last_answer

BACKUP_LINKS = "can I set up HA1/HA2 backup links?"


def scope_sent(request_body: str | None) -> object:
    return json.loads(request_body or "{}").get("scope")


def pick(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).select_option(label=option)


def test_the_scope_selector_is_filled_sent_and_kept(open_page: OpenPage, scoped_server: str, artifacts: Path) -> None:
    page = open_page(scoped_server)
    picker = page.get_by_role("group", name="Answer for")
    expect(picker).to_be_visible()
    products = page.get_by_label("Product", exact=True)
    expect(products.locator("option", has_text="CN-Series")).to_have_count(1)
    expect(products.locator("option", has_text="Panorama")).to_have_count(1)
    expect(page.get_by_label("Deployment", exact=True).locator("option", has_text="AWS")).to_have_count(1)
    expect(page.get_by_label("PAN-OS version").locator("option", has_text="PAN-OS 10.1")).to_have_count(1)
    expect(page.get_by_role("button", name="Clear scope")).to_be_hidden()

    requests = asked(page, "/v1/ask")
    ask(page, BACKUP_LINKS)
    expect(last_answer(page).locator(".answer-text")).to_contain_text("Yes")
    assert scope_sent(requests[-1].post_data) is None

    pick(page, "Product", "CN-Series")
    pick(page, "Deployment", "AWS")
    ask(page, BACKUP_LINKS)
    answer = last_answer(page)
    expect(answer.locator(".answer-text")).to_contain_text("No. CN-Series on AWS")
    expect(answer.locator(".citation .scope").first).to_contain_text("CN-Series on AWS")
    expect(page.locator("#conversation .question").last).to_contain_text("for CN-Series · AWS")
    assert scope_sent(requests[-1].post_data) == {"product": "cn-series", "deployment": "aws"}
    save_screenshot(page, artifacts, "desktop-scope-selector")

    # Kept in this browser: a reload asks in the same scope.
    page.reload()
    expect(page.get_by_label("Product", exact=True)).to_have_value("cn-series")
    expect(page.get_by_label("Deployment", exact=True)).to_have_value("aws")
    page.get_by_role("button", name="Clear scope").click()
    expect(page.get_by_label("Product", exact=True)).to_have_value("")
    expect(page.get_by_label("Product", exact=True)).to_be_focused()
    pick(page, "PAN-OS version", "PAN-OS 10.1")
    ask(page, "which port is used for HA1?")
    expect(last_answer(page).locator(".citation .scope").first).to_contain_text("PAN-OS 10.1")
    assert scope_sent(requests[-1].post_data) == {"version": "10.1"}


def test_the_scope_selector_fits_a_phone(open_page: OpenPage, scoped_server: str, artifacts: Path) -> None:
    page = open_page(scoped_server, PHONE)
    pick(page, "Product", "Panorama")
    pick(page, "PAN-OS version", "PAN-OS 12.1")
    ask(page, "what is the hello interval?")
    expect(last_answer(page).locator(".answer-text")).to_contain_text("Panorama")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page is {width} px wide at {PHONE['width']} px"
    save_screenshot(page, artifacts, "phone-scope-selector")
