"""The chat page, used the way a support engineer uses it: in a real browser, on a real server.

Locators go by visible label and role (`get_by_label`, `get_by_role`), so a control that a
screen reader cannot name is a control these tests cannot find.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Request, expect

from hakb.service.feedback import FeedbackStore
from tests.page.conftest import API_KEY, PHONE, OpenPage, save_screenshot

HA2_PORT = "what udp port does ha2 use?"
UNCOVERED = "what is the price of a PA-3260?"
HA2_ETHERTYPE = "ha2 ether type?"


def ask(page: Page, question: str) -> None:
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def last_answer(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#conversation .answer").last


def asked(page: Page, path: str) -> list[Request]:
    """Start recording the page's requests to `path`; the list fills as they are sent."""
    seen: list[Request] = []
    page.on("request", lambda r: seen.append(r) if r.url.split("?")[0].endswith(path) else None)
    return seen


# -- served safely -------------------------------------------------------------


def test_page_and_its_files_are_served_with_a_strict_policy(live_server: str) -> None:
    page = httpx.get(f"{live_server}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = page.text
    # Everything the page loads comes from this server: no CDN, no inline code for the policy to block.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"""\sstyle=|\son[a-z]+=""", html)
    for name, kind in [("app.js", "javascript"), ("style.css", "text/css")]:
        r = httpx.get(f"{live_server}/static/{name}", timeout=10)
        assert r.status_code == 200 and kind in r.headers["content-type"]
    assert httpx.get(f"{live_server}/static/conftest.py", timeout=10).status_code == 404


# -- ask and read --------------------------------------------------------------


def test_a_fact_answer_shows_value_facts_citation_and_time(
    open_page: OpenPage, live_server: str, artifacts: Path
) -> None:
    page = open_page(live_server)
    expect(page.get_by_role("status").first).to_contain_text("Ready")
    ask(page, HA2_PORT)

    answer = last_answer(page)
    expect(answer.locator(".answer-text")).to_contain_text("29281")
    # The answer text comes first, before the table and the sources.
    expect(answer.locator(":scope > *").first).to_have_class(re.compile(r"answer-text"))
    expect(answer.get_by_role("table")).to_contain_text("29281")
    link = answer.get_by_role("region", name="Sources").get_by_role("link").first
    expect(link).to_have_attribute("href", re.compile(r"^https?://"))
    expect(answer.locator(".timing")).to_contain_text(re.compile(r"Answered in [\d.]+ m?s"))

    # The top source's quote is open (it is the answer's proof); the others open with a click.
    quotes = answer.locator(".citation blockquote")
    expect(quotes.first).to_be_visible()
    expect(quotes.first).to_contain_text("29281")
    assert quotes.count() >= 2, "two pages state the HA2 port"
    expect(quotes.nth(1)).to_be_hidden()
    answer.locator(".citation summary").nth(1).click()
    expect(quotes.nth(1)).to_be_visible()
    expect(quotes.nth(1)).not_to_have_text("")

    # Each source names its product and version; a section shows only what it adds to the
    # title ("HA Links and Backup Links › Data Link", never the title twice).
    for citation in answer.locator(".citation").all():
        expect(citation.locator(".scope")).to_have_text(re.compile(r"Next-Generation Firewall · (PAN-OS|current docs)"))
        title = citation.locator(".source-link").inner_text()
        for section in citation.locator(".section").all():
            assert title not in section.inner_text(), (title, section.inner_text())
    expect(answer.locator(".citation", has_text="HA Links and Backup Links").locator(".section")).to_have_text(
        "› Data Link"
    )

    # One row per distinct fact: both pages' UDP 29281 is one row naming both sources.
    cells = answer.locator("table.facts tbody tr").evaluate_all(
        "rows => rows.map(r => [...r.cells].slice(0, -1).map(c => c.textContent).join('|'))"
    )
    assert len(cells) == len(set(cells)), cells
    row = answer.locator("table.facts tbody tr", has_text="29281")
    expect(row).to_have_count(1)
    assert row.get_by_role("link").count() >= 2

    # The conversation keeps each question above its answer.
    expect(page.locator("#conversation .question")).to_contain_text([HA2_PORT])
    save_screenshot(page, artifacts, "desktop-fact-answer")


def test_question_box_keys_enter_shift_enter_and_up(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    requests = asked(page, "/v1/ask")
    box = page.get_by_label("Your question")
    box.press_sequentially("what port does")
    box.press("Shift+Enter")
    box.press_sequentially("ha1 use?")
    expect(box).to_have_value("what port does\nha1 use?")
    assert requests == []  # Shift+Enter is a new line, not a send

    box.press("Enter")
    expect(last_answer(page).locator(".answer-text")).to_contain_text("28769")
    expect(box).to_have_value("")
    box.press("ArrowUp")
    expect(box).to_have_value("what port does\nha1 use?")
    assert len(requests) == 1


def test_an_uncovered_question_looks_like_an_abstention(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    ask(page, UNCOVERED)
    abstained = page.locator("#conversation .answer").nth(0)  # locators are lazy: pin by position
    expect(abstained).to_have_class(re.compile(r"kind-abstain"))
    expect(abstained).to_contain_text("The documentation does not say")
    expect(abstained.get_by_role("table")).to_have_count(0)

    ask(page, HA2_PORT)
    answered = page.locator("#conversation .answer").nth(1)
    expect(answered.locator(".answer-text")).to_contain_text("29281")
    # Not just a class name: the two are drawn differently.
    looks = [
        a.evaluate("e => { const s = getComputedStyle(e); return [s.backgroundColor, s.borderTopStyle]; }")
        for a in (abstained, answered)
    ]
    assert looks[0] != looks[1], looks


def test_documents_that_disagree_raise_a_warning_and_copy_includes_sources(
    open_page: OpenPage, live_server: str, artifacts: Path
) -> None:
    page = open_page(live_server)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ask(page, HA2_PORT)
    expect(last_answer(page).locator(".answer-text")).to_contain_text("29281")
    ask(page, HA2_ETHERTYPE)
    answer = last_answer(page)
    warning = answer.get_by_role("note", name="Documents disagree")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("0x7261")
    expect(warning).to_contain_text("0x7262")

    page.locator("#platform-form").get_by_label("Firewall model").fill("PA-3260")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#platform-result")).to_contain_text("PA-3200 Series")
    # A long answer is shown from its first line; the header and the question box stay put.
    expect(answer.locator(".answer-text")).to_be_in_viewport()
    expect(page.get_by_label("Your question")).to_be_in_viewport()
    expect(page.get_by_role("heading", name=re.compile("^hakb"))).to_be_in_viewport()
    save_screenshot(page, artifacts, "desktop")

    answer.get_by_role("button", name="Copy").click()
    expect(answer.locator(".action-note")).to_contain_text("Copied")
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "0x7261" in copied and "0x7262" in copied
    assert "Sources:" in copied and "http" in copied


# -- lookups -------------------------------------------------------------------


def test_ports_view_lists_ports_with_link_protocol_and_source(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    show = page.get_by_role("button", name="Show ports")
    show.click()
    table = page.locator("#ports-view table")
    expect(table).to_be_visible()
    expect(page.get_by_role("button", name="Hide ports")).to_have_attribute("aria-expanded", "true")
    ha2 = table.locator("tr", has_text="29281").first
    expect(ha2).to_contain_text("HA2")
    expect(ha2).to_contain_text("UDP")
    expect(ha2.get_by_role("link")).to_have_attribute("href", re.compile(r"^https?://"))
    assert table.locator("tbody tr").count() >= 5
    expect(ha2.locator(".scope")).to_contain_text("Next-Generation Firewall")
    page.get_by_role("button", name="Hide ports").click()
    expect(table).to_be_hidden()


def test_ports_view_follows_next_cursor_to_the_last_page(open_page: OpenPage, live_server: str) -> None:
    everything = httpx.get(f"{live_server}/v1/ports", timeout=30).json()["count"]
    page = open_page(live_server)
    # The real server, a page of 7 at a time: the view must follow next_cursor to the end.
    sent = asked(page, "/v1/ports")
    page.route(
        re.compile(r".*/v1/ports(\?.*)?$"),
        lambda route: route.continue_(url=route.request.url + ("&" if "?" in route.request.url else "?") + "limit=7"),
    )
    page.get_by_role("button", name="Show ports").click()
    expect(page.locator("#ports-view tbody tr")).to_have_count(everything)
    expect(page.locator("#ports-view caption")).to_have_text(f"{everything} documented ports and protocols")
    assert len(sent) == -(-everything // 7) > 1


def test_platform_box_shows_family_and_constraints(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    model = page.locator("#platform-form").get_by_label("Firewall model")
    model.fill("PA-3260")
    model.press("Enter")
    result = page.locator("#platform-result")
    expect(result).to_contain_text("PA-3260 belongs to the PA-3200 Series")
    expect(result.locator("tbody tr").first).to_contain_text("PA-3200 Series")

    model.fill("PA-9999")
    model.press("Enter")
    expect(result.get_by_role("alert")).to_contain_text("the documents say nothing about 'PA-9999'")


# -- feedback and keyboard-only use ----------------------------------------------


def test_keyboard_only_ask_vote_and_look_up(open_page: OpenPage, live_server: str, corpus_data_dir: Path) -> None:
    page = open_page(live_server)
    question = "what port does ha1 use?"
    page.keyboard.press("Tab")  # the skip link comes first
    page.keyboard.press("Enter")
    expect(page.get_by_label("Your question")).to_be_focused()
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    expect(last_answer(page).locator(".answer-text")).to_contain_text("28769")

    # Back from the question box: Wrong, then Helpful, of the latest answer.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    helpful = last_answer(page).get_by_role("button", name="Helpful")
    expect(helpful).to_be_focused()
    page.keyboard.press("Enter")
    expect(last_answer(page).locator(".action-note")).to_contain_text("recorded as helpful")
    expect(helpful).to_have_attribute("aria-pressed", "true")

    # Read back through the store (reading over HTTP needs an admin key).
    votes = FeedbackStore(corpus_data_dir / "feedback.sqlite3").list(100)
    mine = [v.model_dump() for v in votes if v.source == "page" and v.question == question]
    assert mine and mine[0]["vote"] == "helpful"
    assert "28769" in mine[0]["answer"] and mine[0]["build_id"]

    # On to the lookups with Tab alone.
    page.get_by_label("Your question").focus()
    page.keyboard.press("Tab")  # Ask
    for _ in range(3):  # Answer for: product, deployment, PAN-OS version
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Firewall model
    expect(page.locator("#platform-form").get_by_label("Firewall model")).to_be_focused()
    page.keyboard.type("PA-440")
    page.keyboard.press("Enter")
    expect(page.locator("#platform-result")).to_contain_text("PA-400 Series")


# -- errors a user can read --------------------------------------------------------


def test_empty_question_shows_a_message_without_asking(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    requests = asked(page, "/v1/ask")
    page.get_by_role("button", name="Ask").click()
    message = page.locator("#ask-error")
    expect(message).to_contain_text("Type a question first")
    expect(page.get_by_label("Your question")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Your question").fill("   \n ")
    page.get_by_label("Your question").press("Enter")
    expect(message).to_contain_text("Type a question first")
    expect(page.locator("#conversation .turn")).to_have_count(0)
    assert requests == []


def test_server_refusals_and_network_failures_are_explained(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    ask(page, "what port does ha1 use? " + "x" * 2100)  # over HAKB_MAX_QUESTION_CHARS
    refused = last_answer(page)
    expect(refused).to_have_attribute("role", "alert")
    expect(refused).to_contain_text("not accepted")
    expect(refused).to_contain_text("the limit is 2000")

    page.route("**/v1/ask", lambda route: route.abort("internetdisconnected"))
    ask(page, HA2_PORT)
    expect(last_answer(page)).to_contain_text("Could not reach the hakb service")


def test_a_server_still_loading_says_so(open_page: OpenPage, start_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty-data"
    empty.mkdir()
    server = start_server(empty, wait_ready=False)
    page = open_page(server.url)
    expect(page.locator("#status")).to_contain_text("Loading documents")
    ask(page, HA2_PORT)
    expect(last_answer(page)).to_contain_text("still loading its documents")


# -- API key -------------------------------------------------------------------------


def test_api_key_prompt_then_answers_and_remembers_the_key(open_page: OpenPage, keyed_server: str) -> None:
    page = open_page(keyed_server)
    ask(page, HA2_PORT)
    dialog = page.get_by_role("dialog", name="API key needed")
    expect(dialog).to_be_visible()
    key_box = dialog.get_by_label("API key")
    expect(key_box).to_be_focused()

    key_box.fill("not-the-key")
    key_box.press("Enter")
    expect(dialog.get_by_role("alert")).to_contain_text("not accepted")
    dialog.get_by_label("API key").fill(API_KEY)
    dialog.get_by_role("button", name="Save key").click()
    expect(dialog).to_be_hidden()
    expect(last_answer(page).locator(".answer-text")).to_contain_text("29281")
    assert page.evaluate("() => localStorage.getItem('hakb.apiKey')") == API_KEY

    # Kept in the browser: after a reload the next question needs no prompt.
    page.reload()
    ask(page, HA2_ETHERTYPE)
    expect(last_answer(page).get_by_role("note", name="Documents disagree")).to_be_visible()
    expect(dialog).to_be_hidden()


def test_cancelling_the_key_prompt_explains_what_is_needed(open_page: OpenPage, keyed_server: str) -> None:
    page = open_page(keyed_server)
    page.get_by_role("button", name="Show ports").click()
    dialog = page.get_by_role("dialog", name="API key needed")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#ports-view").get_by_role("alert")).to_contain_text("needs an API key")


# -- small screens -----------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE], ids=["375px"])
def test_usable_at_375_px(open_page: OpenPage, live_server: str, artifacts: Path, viewport: dict[str, int]) -> None:
    page = open_page(live_server, viewport)
    ask(page, HA2_PORT)
    expect(last_answer(page).locator(".answer-text")).to_contain_text("29281")
    ask(page, HA2_ETHERTYPE)
    expect(last_answer(page).get_by_role("note", name="Documents disagree")).to_be_visible()
    page.locator("#platform-form").get_by_label("Firewall model").fill("PA-3260")
    page.get_by_role("button", name="Look up").click()
    expect(page.locator("#platform-result")).to_contain_text("PA-3200 Series")
    page.get_by_role("button", name="Show ports").click()
    expect(page.locator("#ports-view table")).to_be_visible()

    # Nothing runs off the side of a phone: no sideways scrolling, every control on screen.
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"page is {width} px wide at {viewport['width']} px"
    for control in [page.get_by_role("button", name="Ask"), last_answer(page).get_by_role("button", name="Wrong")]:
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert box["height"] >= 32, "buttons stay large enough to tap"

    page.locator("#conversation .turn").last.evaluate("turn => turn.scrollIntoView({block: 'start'})")
    save_screenshot(page, artifacts, "phone-375")
    save_screenshot(page, artifacts, "phone-375-full", full_page=True)
