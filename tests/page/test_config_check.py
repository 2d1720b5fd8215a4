"""The chat page's configuration check box, in real Chromium on a real server: a
configuration pasted with the labelled controls, each finding with where it is and the
rule quoted, malformed XML said in the form with its line, and the API key sent."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import REPO
from tests.page.conftest import API_KEY, OpenPage, save_screenshot

FIXTURES = REPO / "tests" / "fixtures" / "ha-configs"
SCREENSHOT = REPO / "docs" / "config-check.png"


def paste(page: Page, name: str, model: str) -> None:
    page.get_by_label("HA configuration").fill((FIXTURES / name).read_text())
    page.get_by_label("Model of this firewall").fill(model)
    page.get_by_role("button", name="Check configuration").click()


def test_the_check_box_shows_each_finding_with_its_rule(open_page: OpenPage, live_server: str, artifacts: Path) -> None:
    page = open_page(live_server)
    panel = page.locator("#check-panel")
    expect(panel.get_by_role("heading", name="Configuration check")).to_be_visible()
    paste(page, "ha3-on-aggregate-pa-7050.xml", "PA-7050")
    expect(panel.locator(".ck-head h3")).to_have_text("PA-7050 · documented as PA-7050, PA-7000 Series")
    finding = panel.locator(".ck-finding")
    expect(finding).to_have_count(1)
    expect(finding.locator(".ck-severity")).to_have_text("warning")
    expect(finding.locator(".ck-where")).to_have_text("deviceconfig/high-availability/interface/ha3/port")
    expect(finding.locator(".ck-problem")).to_contain_text("HA3 is on ae1 (an aggregate interface)")
    expect(finding.locator("q").first).to_be_visible()
    expect(finding.locator(".ck-rules")).to_contain_text("you can configure aggregate interfaces as an HA3 link")
    expect(finding.get_by_role("link").first).to_have_attribute(
        "href", re.compile(r"^https://docs\.paloaltonetworks\.com/")
    )
    expect(panel.locator(".ck-more summary", has_text="Not checked")).to_be_visible()

    paste(page, "hello-interval-out-of-range.xml", "PA-850")
    error = panel.locator(".ck-finding.ck-error")
    expect(error.locator(".ck-problem")).to_have_text(
        "Hello Interval is 5000, outside its documented range (8,000 to 60,000 ms)"
    )
    expect(error.locator("q")).to_contain_text("range is 8,000 to 60,000")
    panel.locator(".ck-head").evaluate("node => node.scrollIntoView({block: 'start'})")
    save_screenshot(page, artifacts, "desktop-config-check")
    SCREENSHOT.write_bytes((artifacts / "desktop-config-check.png").read_bytes())

    paste(page, "clean-active-passive.xml", "PA-3260")
    expect(panel.locator(".ck-clean")).to_contain_text("No finding")
    expect(panel.locator(".ck-finding")).to_have_count(0)


def test_what_cannot_be_read_is_said_in_the_form(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    error = page.locator("#check-error")
    page.get_by_role("button", name="Check configuration").click()
    expect(error).to_contain_text("Paste a configuration first")
    paste(page, "malformed.xml", "PA-3260")
    expect(error).to_contain_text("not well-formed at line 5, column 4")
    paste(page, "billion-laughs.xml", "PA-3260")
    expect(error).to_contain_text("document type, entities or external references")
    paste(page, "clean-pa-850.xml", "PA-9999")
    expect(error).to_contain_text("no document names the model 'PA-9999'")
    expect(page.locator("#check-result .ck-finding")).to_have_count(0)


def test_the_check_box_sends_the_saved_api_key(open_page: OpenPage, keyed_server: str) -> None:
    body = {"config": (FIXTURES / "clean-pa-850.xml").read_text(), "model": "PA-850"}
    assert httpx.post(f"{keyed_server}/v1/check", json=body, timeout=10).status_code == 401
    page = open_page(keyed_server)
    paste(page, "backups-on-one-port.xml", "PA-850")
    expect(page.locator("#check-error")).to_contain_text("needs an API key")
    page.evaluate("key => localStorage.setItem('hakb.apiKey', key)", API_KEY)
    page.get_by_role("button", name="Check configuration").click()
    expect(page.locator("#check-result .ck-finding .ck-problem")).to_have_text(
        "HA2-backup and HA1-backup are both on ethernet1/5"
    )
    expect(page.locator("#check-error")).to_have_text("")
