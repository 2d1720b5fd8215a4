"""A message that lists several things asked of one link ("ha3: encapsulation and
layer?") is answered for each of them; a list of links, or of values of one kind,
stays one question. The questions are written for these tests, not gold items."""

from __future__ import annotations

import pytest

from hakb.service import question as qparse
from hakb.service.engine import Engine


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("ha3: encapsulation and layer", ["ha3: encapsulation", "HA3 layer"]),
        ("which layer, and what ether type for ha2", ["HA2 which layer", "what ether type for ha2"]),
        ("ha1 layer, protocol and encryption", ["ha1 layer", "HA1 protocol", "HA1 encryption"]),
    ],
)
def test_a_list_of_things_asked_of_one_link_is_one_question_each(text: str, parts: list[str]) -> None:
    assert qparse.split_coordinated(text) == parts


@pytest.mark.parametrize(
    "text",
    [
        "ports to open for ha1 and ha2",  # two links, one thing asked
        "does ha2 use udp and tcp",  # one kind of value, twice
        "ha1 clear text and backup ports",  # a member that asks nothing of its own
        "can ha1 and ha2 share a port",
        "routing ha1 across subnets with tcp, which ports do i allow",  # a clause, then its question
    ],
)
def test_a_list_of_links_or_of_one_kind_of_value_stays_one_question(text: str) -> None:
    assert qparse.split_coordinated(text) == [text]


def test_each_thing_asked_of_the_link_is_answered_and_cited(seed_engine: Engine) -> None:
    answer = seed_engine.ask("ha3: encapsulation and layer?")
    assert "MAC-in-MAC" in answer.answer and "Layer 2" in answer.answer, answer.answer
    quotes = " ".join(c.quote for c in answer.citations)
    assert "MAC-in-MAC" in quotes and "Layer 2" in quotes
    # The same, one thing at a time, says no more than the list does.
    alone = seed_engine.ask("ha3 encapsulation?")
    assert alone.answer.splitlines()[0] in answer.answer
