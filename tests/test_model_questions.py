"""Questions about a model: one the documents name only through its family gets no Yes or
No from a family sentence about something else, a VM-Series model is where the question
holds and not its topic, and the documents' names for a model are shown without repeats.

The questions are written for these tests, not taken from the gold, test or sealed splits.
"""

from __future__ import annotations

import pytest

from hakb.ingest import lexicon
from hakb.service.engine import Engine


@pytest.mark.parametrize(
    "question",
    [
        "does the pa-3220 support preemption?",
        "does the pa-1410 support ha4?",
        "does the pa-3220 support macsec on hsci?",
    ],
)
def test_a_family_sentence_about_something_else_says_no_yes_or_no(corpus_engine: Engine, question: str) -> None:
    answer = corpus_engine.ask(question)
    assert not answer.answer.startswith(("Yes.", "No.")), answer.answer


def test_a_vm_series_model_is_no_topic(corpus_engine: Engine) -> None:
    answer = corpus_engine.ask("which port does ha1 use on a vm-300?")
    assert "max-members" not in answer.answer, answer.answer


def test_an_abbreviation_joined_to_a_word_is_still_read(corpus_engine: Engine) -> None:
    # "a/a-mode" is active/active mode, which the documents say does not support Layer 2.
    assert not corpus_engine.ask("does a/a-mode support layer 2?").answer.startswith("Yes")


def test_the_asked_model_is_always_shown_among_its_names() -> None:
    assert lexicon.shown_names(["PA-7500", "PA-7500 Series"], "PA-7500") == ["PA-7500", "PA-7500 Series"]
    assert lexicon.shown_names(["PA-3200 Series", "PA-3200"], "PA-3220") == ["PA-3200 Series"]
