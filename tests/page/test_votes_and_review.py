"""Votes from the chat page and the maintainers' review page (issue 15): "Wrong" opens a
short comment box and the vote keeps the thread's earlier question; `/review` (admin key)
lists the votes with question, answer, comment and build, and the gold-set line to add."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import expect

from hakb.eval.metrics import load_gold
from tests.conftest import REPO
from tests.page.conftest import ADMIN_KEY, API_KEY, OpenPage, save_screenshot
from tests.page.test_page import ask, asked, last_answer

FIRST = "what port does ha1 use?"
FOLLOW_UP = "and the backup link?"


def _admin(server: str) -> httpx.Client:
    return httpx.Client(base_url=server, headers={"authorization": f"Bearer {ADMIN_KEY}"}, timeout=30)


def _votes(server: str) -> list[dict[str, object]]:
    with _admin(server) as client:
        r = client.get("/v1/feedback", params={"limit": 100})
        assert r.status_code == 200, r.text
        return list(r.json()["votes"])


def test_wrong_opens_a_comment_box_and_the_vote_keeps_the_earlier_question(
    open_page: OpenPage, keyed_server: str, artifacts: Path
) -> None:
    page = open_page(keyed_server)
    page.evaluate("key => localStorage.setItem('hakb.apiKey', key)", API_KEY)
    page.reload()
    sent = asked(page, "/v1/feedback")
    ask(page, FIRST)
    expect(last_answer(page).locator(".answer-text")).to_contain_text("28769")
    ask(page, FOLLOW_UP)
    expect(page.locator("#conversation .answer")).to_have_count(2)
    answer = page.locator("#conversation .answer").nth(1)  # locators are lazy: pin by position
    kind = re.search(r"kind-(\w+)", answer.get_attribute("class") or "")

    wrong = answer.get_by_role("button", name="Wrong")
    comment = answer.get_by_label("What is wrong? (optional)")
    expect(comment).to_be_hidden()
    wrong.click()
    expect(comment).to_be_visible()
    expect(comment).to_be_focused()
    expect(wrong).to_have_attribute("aria-expanded", "true")
    # Escape changes nothing: the box closes, focus goes back to Wrong, no vote is sent.
    comment.press("Escape")
    expect(comment).to_be_hidden()
    expect(wrong).to_be_focused()
    assert sent == []

    wrong.click()
    note = "the backup link is 28770, answer shows the heartbeat port"
    comment.fill(note)
    save_screenshot(page, artifacts, "comment-box")
    answer.get_by_role("button", name="Send").click()
    expect(answer.locator(".action-note")).to_contain_text("recorded as wrong")
    expect(comment).to_be_hidden()
    expect(wrong).to_have_attribute("aria-pressed", "true")
    assert len(sent) == 1

    mine = [v for v in _votes(keyed_server) if v["comment"] == note]
    assert len(mine) == 1, mine
    vote = mine[0]
    assert vote["vote"] == "wrong" and vote["source"] == "page"
    assert vote["question"] == FOLLOW_UP and vote["context"] == FIRST
    assert kind and vote["kind"] == kind.group(1)
    assert vote["build_id"] and vote["answer"]

    # Helpful is one click, with no box; the first question had no earlier one.
    first = page.locator("#conversation .answer").nth(0)
    helpful_button = first.get_by_role("button", name="Helpful")
    helpful_button.evaluate("b => b.scrollIntoView({block: 'center'})")
    helpful_button.click()
    expect(first.locator(".action-note")).to_contain_text("recorded as helpful")
    expect(first.locator(".comment-box")).to_be_hidden()
    helpful = [v for v in _votes(keyed_server) if v["question"] == FIRST and v["vote"] == "helpful"]
    assert helpful and helpful[0]["context"] is None


def test_review_page_lists_votes_with_the_gold_line_to_add(
    open_page: OpenPage, keyed_server: str, artifacts: Path, tmp_path: Path
) -> None:
    # Served like the chat page: from the package, under the same strict policy, no CDN.
    r = httpx.get(f"{keyed_server}/review", timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", r.text)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", r.text)

    earlier, question = "ha2 ether type?", "which one is right for 10.1?"
    comment = "two values: which holds for 10.1? (review test)"
    with httpx.Client(base_url=keyed_server, headers={"authorization": f"Bearer {API_KEY}"}, timeout=30) as client:
        answer = client.post("/v1/ask", json={"question": question, "context": earlier}).json()
        vote = {
            "vote": "wrong",
            "question": question,
            "answer": answer["answer"],
            "source": "page",
            "build_id": answer["build_id"],
            "comment": comment,
            "context": earlier,
            "kind": answer["kind"],
        }
        assert client.post("/v1/feedback", json=vote).status_code == 201
        # More than one page of votes, the oldest of them helpful.
        for i in range(51):
            assert (
                client.post("/v1/feedback", json={"vote": "helpful", "question": f"review page {i}"}).status_code == 201
            )

    page = open_page(f"{keyed_server}/review")
    key = page.get_by_label("Admin key")
    expect(key).to_be_focused()
    key.fill(API_KEY)  # an API key may vote but not read votes
    key.press("Enter")
    expect(page.locator("#admin-error")).to_contain_text("may not read")
    key.fill(ADMIN_KEY)
    key.press("Enter")

    votes = page.get_by_role("list", name="Votes")
    newest = votes.locator(".vote-card").first
    expect(newest).to_contain_text("review page 50")
    expect(votes.locator(".vote-card")).to_have_count(50)
    card = votes.locator(".vote-card", has_text=comment)
    expect(card).to_have_count(0)  # 51 newer votes: it is on the next page
    page.get_by_role("button", name="Load older votes").click()
    expect(card).to_have_count(1)
    expect(card.locator(".vote-question")).to_have_text(question)
    expect(card.locator(".vote-context")).to_have_text(earlier)
    expect(card.locator(".vote-answer")).to_have_text(answer["answer"])
    expect(card.locator(".vote-comment")).to_have_text(comment)
    expect(card).to_contain_text(answer["build_id"])
    expect(card.locator(".badge")).to_have_text("Wrong")

    # The gold line is a line of eval/gold.jsonl: the same keys, read by the eval's own loader.
    line = card.locator(".gold-line").inner_text()
    gold_keys = list(json.loads((REPO / "eval" / "gold.jsonl").read_text().splitlines()[0]))
    assert list(json.loads(line)) == gold_keys
    path = tmp_path / "new.jsonl"
    path.write_text(line + "\n")
    (item,) = load_gold(path)
    # The answer's kind, except that an abstention voted wrong says the documents do say it.
    assert item.kind == ("fact" if answer["kind"] == "abstain" else answer["kind"])
    assert item.question == question and item.split == "dev" and not item.must

    # Only the wrong ones, for a maintainer's pass.
    page.get_by_label("Wrong only").check()
    expect(votes.locator(".vote-card:visible", has_text="review page 1")).to_have_count(0)
    expect(votes.locator(".vote-card", has_text="review page 1").first).to_be_hidden()
    expect(card).to_be_visible()
    card.scroll_into_view_if_needed()
    save_screenshot(page, artifacts, "review")

    # The key lasts as long as the tab: a reload shows the votes without asking again.
    page.reload()
    expect(votes.locator(".vote-card").first).to_contain_text("review page 50")
    expect(key).to_be_hidden()
