"""How the chat page tells the three kinds of answer apart (issue 15): a passage is the
closest passage, not a percentage; "the documentation does not say" is said once and
followed by what the documents cover that is nearest, taken from the API, never made up."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.page.conftest import OpenPage
from tests.page.test_page import ask, last_answer

# Questions the corpus answers with a passage (no fact states it); the first the engine
# answers so is used, so a later fact rule for one of them does not break the test.
PASSAGE_QUESTIONS = [
    "why use heartbeat backup?",
    "what does heartbeat backup do?",
    "some models have dedicated ha ports, others? what do they use as ha links",
]
NOT_SAID = "how do I configure ha on a sonicwall?"


def _first_passage_question(server: str) -> str:
    with httpx.Client(base_url=server, timeout=30) as client:
        for question in PASSAGE_QUESTIONS:
            if client.post("/v1/ask", json={"question": question}).json()["kind"] == "passage":
                return question
    pytest.fail(f"none of {PASSAGE_QUESTIONS} is answered with a passage any more: pick another")


def test_a_passage_answer_says_closest_passage_not_a_percentage(open_page: OpenPage, live_server: str) -> None:
    question = _first_passage_question(live_server)
    page = open_page(live_server)
    ask(page, question)
    answer = last_answer(page)
    expect(answer).to_have_class(re.compile(r"kind-passage"))
    expect(answer.locator(".timing")).to_contain_text("closest passage")
    expect(answer.locator(".timing")).not_to_contain_text("%")
    expect(answer.locator(".passage-note")).to_contain_text("Closest passage")
    expect(answer.locator(".citation blockquote").first).to_be_visible()

    # A fact answer keeps its confidence.
    ask(page, "what udp port does ha2 use?")
    expect(last_answer(page).locator(".timing")).to_contain_text(re.compile(r"confidence \d+%"))


def test_does_not_say_is_said_once_and_names_the_nearest_documented_topics(
    open_page: OpenPage, live_server: str
) -> None:
    page = open_page(live_server)
    ask(page, NOT_SAID)
    answer = last_answer(page)
    expect(answer).to_have_class(re.compile(r"kind-abstain"))
    nearest = answer.locator(".nearest")
    expect(nearest).to_be_visible()
    text = answer.inner_text()
    assert len(re.findall(r"do(?:es)? not say", text, re.I)) == 1, text
    expect(answer.locator(".looked-for")).to_contain_text("sonicwall")

    # What is named comes from the API: the passages GET /v1/search finds for the question
    # (their pages), or, on a server without it, the scopes GET /v1/scopes lists.
    items = nearest.locator("li")
    assert items.count() >= 1
    with httpx.Client(base_url=live_server, timeout=30) as client:
        search = client.get("/v1/search", params={"q": NOT_SAID, "limit": 10})
        if search.status_code == 200:
            titles = {p["title"] for p in search.json()["passages"]}
            named = nearest.locator(".source-link").all_inner_texts()
            assert named and set(named) <= titles, (named, titles)
            expect(items.first.locator(".scope")).not_to_have_text("")
        else:
            labels = {s["label"] for s in client.get("/v1/scopes").json()["scopes"]}
            assert set(items.all_inner_texts()) <= labels, (items.all_inner_texts(), labels)


def test_an_abstain_that_already_names_what_is_covered_adds_nothing(open_page: OpenPage, live_server: str) -> None:
    page = open_page(live_server)
    ask(page, "what port does ha5 use?")
    answer = last_answer(page)
    expect(answer.locator(".answer-text")).to_contain_text("HA1")  # the engine's own list of links
    expect(answer.locator(".timing")).to_be_visible()
    # The slot for the nearest topics is made with the answer, so its absence is not a race.
    expect(answer.locator(".nearest, .nearest-slot")).to_have_count(0)
