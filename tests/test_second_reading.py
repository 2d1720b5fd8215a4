"""The second reading of a question (its chat words dropped) still asks what it asked.

When no evidence scores well enough, the engine reads the question again without the
everyday words no evidence uses. What the question asks for (an ether type, a port) is
not chat: dropping the word that carried it must not turn "ha4 ether type?" into "ha4?",
which any sentence about HA4 answers.
"""

from __future__ import annotations

import re

from hakb.service.engine import Engine

_HEX = re.compile(r"\b0x[0-9a-f]{3,4}\b", re.I)


def test_an_ether_type_asked_of_a_link_without_one_is_not_answered_by_its_description(seed_engine: Engine) -> None:
    # The seed states the HA2 ether type and describes HA4, but gives HA4 no ether type.
    answer = seed_engine.ask("ha4 ether type?")
    # Abstain, or an ether type said of HA4 itself (never HA2's beside HA4's description).
    assert answer.kind == "abstain" or (_HEX.search(answer.answer) and "HA2" not in answer.answer), answer.answer


def test_the_ether_type_the_documents_state_is_still_answered(seed_engine: Engine) -> None:
    answer = seed_engine.ask("ha2 ether type?")
    assert answer.kind == "fact" and _HEX.search(answer.answer), answer.answer


def test_a_cli_prompt_in_the_question_names_the_askers_model(seed_engine: Engine) -> None:
    # The prompt's host name is the model (documents' example prompts are not platforms).
    plain = seed_engine.ask("which port does ha1 use on a pa-3220?")
    prompted = seed_engine.ask("admin@PA-3220> which port does ha1 use?")
    assert prompted.kind == plain.kind != "abstain"
    assert prompted.answer == plain.answer
