"""Arbitrary Unicode questions never crash the engine, and always get a valid Answer.

"Valid" is what every adapter relies on: a known kind, a confidence in 0..1, text
to show, the build it came from, and a JSON form (the HTTP API, Slack and the
page all send it as JSON, so an answer that cannot be encoded is a crash too).
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hakb.service.engine import Engine
from hakb.service.models import Answer

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

# Every code point, lone surrogates included: a JSON "\ud800" or a surrogate-escaped
# stdin line turns into exactly that.
any_char = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
words = st.sampled_from(
    [
        "what",
        "which",
        "port",
        "does",
        "ha1",
        "HA2",
        "backup",
        "heartbeat",
        "PA-3260",
        "pa-7050",
        "0x7261",
        "28769",
        "use",
        "and",
        "?",
        ",",
        ";",
        " ",
        "\n",
        "is",
        "not",
        "supported",
        "on",
        "layer",
        "encrypted",
        "ethertype",
        "HA1-backup",
        "ha4",
        "platforms",
        "\u200b",
        "\u202e",
        "é",
        "ＨＡ１",
        "ﬁ",
        "İ",
        "ß",
        "😀",
    ]
)
questions = st.one_of(
    st.text(alphabet=any_char, max_size=200),
    st.lists(st.one_of(words, st.text(alphabet=any_char, max_size=3)), max_size=40).map(" ".join),
    st.text(alphabet=any_char, min_size=1500, max_size=2000),  # the API's size limit
)


def _check(answer: Answer, engine: Engine) -> None:
    assert isinstance(answer, Answer)
    assert answer.kind in ("fact", "passage", "abstain")
    assert 0.0 <= answer.confidence <= 1.0
    assert isinstance(answer.answer, str) and answer.answer.strip()
    assert answer.build_id == engine.build.build_id
    for citation in answer.citations:
        assert citation.quote.strip()
    Answer.model_validate_json(answer.model_dump_json())  # encodes to JSON, and back


@FUZZ
@given(question=questions)
def test_any_question_gets_a_valid_answer(seed_engine: Engine, question: str) -> None:
    _check(seed_engine.ask(question), seed_engine)


@FUZZ
@given(
    question=questions,
    context=st.one_of(st.none(), questions),
    version=st.one_of(st.none(), st.text(alphabet=any_char, max_size=40)),
)
def test_any_follow_up_and_version_filter_gets_a_valid_answer(
    seed_engine: Engine, question: str, context: str | None, version: str | None
) -> None:
    _check(seed_engine.ask(question, context=context, version=version, top_k=3), seed_engine)
