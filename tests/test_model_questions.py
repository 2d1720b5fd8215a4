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


def test_a_sentence_that_names_the_family_says_the_model_asked(tmp_path, onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    # An invented page that names only the family: the model asked (the question's rarest
    # word, which no page spells) is said by "PA-3400 Series", so the sentence answers.
    from tests.test_ranking import _engine_with_pages

    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "gizmo.md": (
                "ngfw/administration/gizmo-cluster-sizes",
                "# Gizmo Cluster Sizes\n\nGizmo clusters grow with the firewall model.\n\n"
                "A gizmo cluster of PA-3400 Series firewalls holds at most 7 gizmo members.\n\n"
                "A gizmo cluster of PA-5400 Series firewalls holds at most 11 gizmo members.\n",
            )
        },
    )
    for question in ("gizmo cluster size limit for pa-3420s?", "how many gizmo members on a pa-3430?"):
        answer = engine.ask(question)
        assert answer.kind != "abstain" and "7" in answer.answer and "11" not in answer.answer, answer.answer


def test_a_value_another_setting_has_is_no_other_link_s_value(corpus_engine: Engine) -> None:
    # "The range is 10 to 3,600." beside an HA1 SSH answer: 10 is also a ping count's default,
    # but no link's port, so the sentence is said, not dropped as another link's value.
    answer = corpus_engine.ask("ha1 ssh: smallest time based rekey interval i can set?")
    assert "10 to 3,600" in answer.answer, answer.answer


def test_a_setting_s_range_is_no_answer_to_what_the_setting_is_for(corpus_engine: Engine) -> None:
    # The lookup rules answer a setting named with its range and default; asked what it is
    # for, the sentence that says what it does answers, and asked its range, the range does.
    purpose = corpus_engine.ask("what is the tentative hold time for?")
    assert purpose.kind == "passage" and "tentative state" in purpose.answer, purpose.answer
    value = corpus_engine.ask("tentative hold time range?")
    assert value.kind == "fact" and "10-600" in value.answer, value.answer


@pytest.mark.parametrize(
    "question",
    ["does the pa-3260 support path monitoring?", "does pa-820 support clustering?"],
)
def test_a_model_s_row_about_something_else_says_no_yes_or_no(corpus_engine: Engine, question: str) -> None:
    # The rows of the model's family that win say nothing of the topic asked (path
    # monitoring, clustering): their line is no Yes and no No for it.
    answer = corpus_engine.ask(question)
    assert not answer.answer.startswith(("Yes.", "No.")), answer.answer


def test_a_question_naming_one_row_gets_the_row_not_the_table_s_labels(corpus_engine: Engine) -> None:
    answer = corpus_engine.ask("what is the monitor fail hold up time for the aggressive profile?")
    assert "0/0" in answer.answer, answer.answer


def test_a_part_that_ends_with_a_list_item_ends_its_line(corpus_engine: Engine) -> None:
    for question in ("what does ip modulo do?", "what is the promotion hold time?"):
        answer = corpus_engine.ask(question)
        for line in answer.answer.split("\n"):
            if line.startswith("- "):
                assert len(line) < 120, (question, line)  # an item, not an item and the next part


def test_the_remaining_platforms_are_the_models_not_named_before(tmp_path, onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    # An invented page: two families named, then "the remaining platforms"; another says
    # the HSCI port for all. A PA-460 (of neither family) is answered by the sentence on the
    # remaining platforms; a PA-5430 (of one of them) is not.
    from tests.test_ranking import _engine_with_pages

    engine = _engine_with_pages(
        tmp_path,
        onnx_embedder,
        {
            "sprocket.md": (
                "ngfw/administration/sprocket-links",
                "# Sprocket Links\n\nEach firewall in a sprocket pair needs a dedicated sprocket link.\n\n"
                "The PA-7000 Series and PA-5400 Series firewalls use the HSCI port for the sprocket link.\n\n"
                "On the remaining platforms, use a dataplane port for the sprocket link.\n",
            ),
            "gizmo.md": (
                "ngfw/administration/gizmo-ports",
                "# Gizmo Ports\n\nPA-400 Series firewalls have no dedicated gizmo ports.\n\n"
                "You can also configure the HSCI port as the sprocket link, which carries sprocket frames.\n",
            ),
        },
    )
    other = engine.ask("pa-460 sprocket link - which port?")
    assert "dataplane" in other.answer, other.answer
    named = engine.ask("pa-5430 sprocket link - which port?")
    assert "HSCI" in named.answer and "remaining" not in named.answer, named.answer
