"""The chat page's connectivity checklist form, in real Chromium on a real server: a
deployment chosen with the form's labelled controls, every line with its sources, the text
for a ticket, what the documents rule out said in the form, and the API key sent."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import REPO
from tests.page.conftest import API_KEY, OpenPage, save_screenshot

SCREENSHOT = REPO / "docs" / "checklist.png"


def fill(page: Page, model: str, *, mode: str = "Active/passive", transport: str = "UDP") -> None:
    page.get_by_label("Firewall model", exact=True).last.fill(model)
    page.get_by_label("HA mode").select_option(label=mode)
    page.get_by_label("HA2 transport").select_option(label=transport)


def line(page: Page, link: str):  # type: ignore[no-untyped-def]
    return page.locator("#checklist-result").get_by_role("region", name=link, exact=True)


def test_the_checklist_form_lists_every_flow_with_its_sources(
    open_page: OpenPage, live_server: str, artifacts: Path
) -> None:
    page = open_page(live_server)
    panel = page.locator("#checklist-panel")
    expect(panel.get_by_role("heading", name="Connectivity checklist")).to_be_visible()
    fill(page, "PA-3260")
    for label in ("HA1 encryption", "HA1 backup", "HA2 backup", "Heartbeat backup"):
        page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Build checklist").click()

    expect(panel.locator(".cl-head h3")).to_have_text("PA-3260 · documented as PA-3200 Series")
    ha1 = line(page, "HA1")
    expect(ha1.locator(".cl-flows")).to_contain_text("TCP 28")
    values = ha1.locator(".cl-flows .cl-value").all_inner_texts()
    assert "TCP 28" in values and "TCP 28769" not in values  # the encrypted port, not the clear-text ones
    expect(ha1.locator(".cl-flows > li", has_text="TCP 28 (")).to_contain_text("(encrypted; SSH over TCP)")
    expect(ha1).to_contain_text("dedicated HA port (HA1-A and HA1-B)")
    ha2 = line(page, "HA2")
    expect(ha2.locator(".cl-flows")).to_contain_text("UDP 29281")
    expect(ha2).to_contain_text("routed: the peers may be in different subnets")
    expect(line(page, "HA2-backup").locator(".cl-missing").first).to_contain_text("not documented")
    expect(line(page, "heartbeat-backup").locator(".cl-flows")).to_contain_text("TCP 28771")

    # Each value opens onto the sentences that say it, with their pages.
    sources = ha2.locator(".cl-flows .cl-sources").first
    sources.locator("summary").click()
    expect(sources.locator("q").first).to_contain_text("29281")
    expect(sources.get_by_role("link").first).to_have_attribute(
        "href", re.compile(r"^https://docs\.paloaltonetworks\.com/.+/ports-used-for-ha$")
    )
    encrypted = ha1.locator(".cl-flows > li", has_text="TCP 28 (").locator(".cl-sources")
    encrypted.locator("summary").click()
    expect(encrypted.locator("q").first).to_contain_text("28 TCP: Used for the HA1 control link for encrypted")
    panel.locator(".cl-head").evaluate("node => node.scrollIntoView({block: 'start'})")
    save_screenshot(page, artifacts, "desktop-checklist")
    SCREENSHOT.write_bytes((artifacts / "desktop-checklist.png").read_bytes())

    page.get_by_role("button", name="Text for a ticket").click()
    ticket = page.locator("#checklist-text")
    expect(ticket).to_be_visible()
    expect(ticket).to_contain_text("HA connectivity checklist: PA-3260 (documented as PA-3200 Series)")
    expect(ticket).to_contain_text("Sources:")


def test_what_the_documents_rule_out_is_said_in_the_form(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    error = page.locator("#checklist-error")
    page.get_by_role("button", name="Build checklist").click()
    expect(error).to_have_text("Type a firewall model first, for example PA-3260.")

    fill(page, "PA-9999")
    page.get_by_role("button", name="Build checklist").click()
    expect(error).to_contain_text("the documents say nothing about 'PA-9999'")

    fill(page, "PA-3260", transport="Ethernet")
    page.get_by_label("HA3 link").check()
    page.get_by_role("button", name="Build checklist").click()
    expect(error).to_contain_text("HA3 is an active/active link")
    expect(error).to_contain_text("an active/active deployment also requires a dedicated HA3 link")
    expect(page.locator("#checklist-result .cl-line")).to_have_count(0)

    page.get_by_label("HA mode").select_option(label="Active/active")  # ticks HA3 itself
    expect(page.get_by_label("HA3 link")).to_be_checked()
    page.get_by_role("button", name="Build checklist").click()
    expect(error).to_have_text("")
    expect(line(page, "HA3")).to_contain_text("Layer 2")


def test_the_form_sends_the_saved_api_key(open_page: OpenPage, keyed_server: str) -> None:
    assert httpx.get(f"{keyed_server}/v1/checklist", params={"model": "PA-3260"}, timeout=10).status_code == 401
    page = open_page(keyed_server)
    fill(page, "PA-3260")
    page.get_by_role("button", name="Build checklist").click()
    expect(page.locator("#checklist-error")).to_contain_text("needs an API key")
    page.evaluate("key => localStorage.setItem('hakb.apiKey', key)", API_KEY)
    page.get_by_role("button", name="Build checklist").click()
    expect(line(page, "HA2").locator(".cl-flows")).to_contain_text("UDP 29281")
    expect(page.locator("#checklist-error")).to_have_text("")
