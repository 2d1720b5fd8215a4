"""POST /v1/ask over the wire: a real uvicorn server over the seed + corpus build.

What a support engineer sees: exact values with their quotes, reverse lookups,
platform models answered by their family, disagreements shown, honest abstentions.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest


def ask(base: str, question: str, **extra: Any) -> dict[str, Any]:
    response = httpx.post(f"{base}/v1/ask", json={"question": question, **extra}, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()  # type: ignore[no-any-return]


def quotes(answer: dict[str, Any]) -> str:
    return " ".join(c["quote"] for c in answer["citations"])


@pytest.mark.parametrize(
    ("question", "values"),
    [
        ("what port does ha1 use?", ["28769", "28260"]),
        ("what port does heartbeat backup use?", ["28771"]),
        ("ha2 transport?", ["29281", "99"]),
        ("what encapsulation does ha3 use?", ["MAC-in-MAC"]),
    ],
)
def test_fact_answers_carry_their_values_and_quotes(live_server: str, question: str, values: list[str]) -> None:
    answer = ask(live_server, question)
    assert answer["kind"] == "fact"
    assert answer["confidence"] > 0.5
    assert answer["build_id"]
    for value in values:
        assert value in answer["answer"]
        assert value in quotes(answer)
    for citation in answer["citations"]:
        assert citation["title"] and citation["section"] and citation["quote"]
        assert citation["url"].startswith("https://docs.paloaltonetworks.com/")
    assert answer["facts"] and all(f["value"] in f["quote"] for f in answer["facts"])


@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("what uses port 28771?", "heartbeat-backup"),
        ("what uses port 28769?", "HA1"),
        ("what is ether type 0x7261?", "HA2"),
        ("what uses udp 29281?", "HA2"),
    ],
)
def test_reverse_lookups_name_the_link(live_server: str, question: str, subject: str) -> None:
    answer = ask(live_server, question)
    assert answer["kind"] == "fact"
    assert subject in answer["answer"]
    value = re.search(r"0x[0-9a-f]+|\d{4,5}", question)
    assert value and value.group(0) in quotes(answer)
    assert all(f["subject"] for f in answer["facts"])
    assert subject in {f["subject"] for f in answer["facts"]}


def test_platform_model_is_answered_by_its_family(live_server: str) -> None:
    answer = ask(live_server, "can a PA-3260 use an aggregate for HA3?")
    assert answer["kind"] == "fact"
    assert answer["answer"].startswith("Yes")
    assert "PA-3200 Series" in answer["answer"]  # which family fact answered
    assert any("PA-3200 Series" in c["quote"] and "aggregate" in c["quote"] for c in answer["citations"])


def test_model_without_dedicated_ports_gets_no_then_why(live_server: str) -> None:
    answer = ask(live_server, "do PA-440s have dedicated HA ports?")
    assert answer["kind"] == "fact"
    assert answer["answer"].startswith("No")
    assert "PA-400 Series" in answer["answer"]


def test_conflicting_documents_are_shown_with_both_sources(live_server: str) -> None:
    answer = ask(live_server, "ha2 ethertype?")
    assert answer["kind"] == "fact"
    assert "differ" in answer["answer"].lower()
    (conflict,) = [c for c in answer["conflicts"] if c["attribute"] == "ethertype"]
    assert conflict["subject"] == "HA2"
    assert set(conflict["values"]) == {"0x7261", "0x7262"}
    assert set(conflict["sources"]) == {"HA Links and Backup Links", "Ports Used for HA"}
    text = quotes(answer)
    assert "0x7261" in text and "0x7262" in text


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("what port does HA5 use?", "HA5"),
        ("what ports does a PA-9999 need?", "PA-9999"),
        ("how do I bake sourdough bread?", "sourdough"),
    ],
)
def test_abstentions_say_what_was_looked_for(live_server: str, question: str, named: str) -> None:
    answer = ask(live_server, question)
    assert answer["kind"] == "abstain"
    assert answer["confidence"] == 0
    assert answer["citations"] == [] and answer["facts"] == []
    assert named.lower() in (answer["answer"] + " " + (answer["looked_for"] or "")).lower()
    assert not re.search(r"\b28\d{3}\b|0x72", answer["answer"])  # no neighbour's value


def test_unknown_model_abstention_lists_the_known_families(live_server: str) -> None:
    answer = ask(live_server, "what ports does a PA-9999 need?")
    assert "PA-3200 Series" in answer["answer"]


def test_passage_question_is_answered_from_cited_sentences(live_server: str) -> None:
    answer = ask(live_server, "what is preemption?")
    assert answer["kind"] == "passage"
    assert answer["citations"]
    assert answer["answer"].split(". ")[0] in quotes(answer)
