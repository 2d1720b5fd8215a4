"""The answer engine in process: the verification guard, and what real answers carry.

The engine runs over real builds (the seed, and seed + corpus); nothing is mocked.
"""

from __future__ import annotations

import re

import pytest

from hakb.ingest.models import Citation
from hakb.service.engine import Engine, unsupported_tokens, verify
from hakb.service.models import Answer

# Numbers (ports, sizes, protocol numbers), ether types and platform models: what a
# reader would copy into a firewall rule or a purchase order.
_TOKENS = re.compile(r"\b0x[0-9a-f]+\b|\bpa-\d{2,4}[a-z]*\b|(?<![\w.])\d[\d,]*\d(?![\w])", re.I)

QUOTE = (
    "Ports used for HA1\u2014TCP port 28769 and 28260 for clear text communication; "
    "port 28 for encrypted communication (SSH over TCP)."
)


def _answer(text: str, quotes: list[str], kind: str = "fact") -> Answer:
    return Answer(
        question="what port does ha1 use?",
        answer=text,
        kind=kind,  # type: ignore[arg-type]
        confidence=0.9,
        citations=[
            Citation(doc_id="d", title="HA Links and Backup Links", section="Control Link", quote=q) for q in quotes
        ],
    )


# -- the guard -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "HA1 port: TCP 28799 (clear text).",  # a port no quote holds
        "HA1 port: TCP 28769, 28260 and 28770.",  # one extra port among right ones
        "HA2 ether type: 0x7262.",  # an ether type no quote holds
        "Use a PA-3260 for this.",  # a model no quote names
        "HA3 messages exceed 9,000 bytes.",
    ],
)
def test_verify_withholds_an_answer_whose_value_no_quote_holds(text: str) -> None:
    checked = verify(_answer(text, [QUOTE]), "what port does ha1 use?")
    assert checked.kind == "abstain"
    assert checked.confidence == 0.0
    # The unverified value must not reach the reader in any form.
    for token in _TOKENS.findall(text):
        assert token not in checked.answer
    assert not checked.citations and not checked.facts


def test_verify_passes_an_answer_whose_values_are_all_quoted() -> None:
    answer = _answer("HA1 port: TCP 28769, 28260 (clear text); TCP 28 (encrypted).", [QUOTE])
    checked = verify(answer, "what port does ha1 use?")
    assert checked.kind == "fact"
    assert checked.answer == answer.answer
    assert unsupported_tokens(answer) == []


def test_verify_accepts_a_value_split_across_two_cited_quotes() -> None:
    answer = _answer(
        "HA1 uses TCP 28769; HA2 uses UDP 29281.",
        [QUOTE, "The HA data link can use either IP (protocol number 99) or UDP (port 29281) as the transport."],
        kind="passage",
    )
    assert verify(answer, "ports?").kind == "passage"


def test_verify_does_not_count_a_number_that_only_resembles_a_quoted_one() -> None:
    # 2876 is a prefix of 28769, and 8769 a suffix: neither is what the quote says.
    assert unsupported_tokens(_answer("HA1 uses port 2876.", [QUOTE])) == ["2876"]
    assert verify(_answer("HA1 uses port 8769.", [QUOTE]), "q").kind == "abstain"


def test_verify_leaves_abstentions_alone() -> None:
    abstain = _answer("The documents do not say (looked for: HA5 port 28799).", [], kind="abstain")
    assert verify(abstain, "q") is abstain


# -- real answers ----------------------------------------------------------------

SEED_QUESTIONS = [
    "what port does ha1 use?",
    "hb backup port?",
    "what uses port 28771?",
    "what is ether type 0x7261?",
    "ha2 ethertype?",
    "what IP protocol number does HA2 use?",
    "does ha3 need jumbo frames?",
    "can a PA-3260 use an aggregate for HA3?",
    "do PA-440s have dedicated HA ports?",
    "what does a PA-7050 do with sessions across NPCs?",
    "ha1 port? and ha2 ethertype?",
    "is HA1 layer 3?",
    "what is HA4 used for?",
]


@pytest.mark.parametrize("question", SEED_QUESTIONS)
def test_real_answers_quote_every_number_they_state(seed_engine: Engine, question: str) -> None:
    answer = seed_engine.ask(question)
    assert answer.kind in ("fact", "passage"), answer.answer
    assert answer.citations
    quotes = " ".join(c.quote for c in answer.citations).lower().replace(",", "")
    for token in _TOKENS.findall(answer.answer):
        if token.lower() in question.lower():
            continue  # echoing the model asked about ("PA-3260 is documented as ...")
        assert token.lower().replace(",", "") in quotes, f"{token} stated but not quoted in {answer.answer!r}"
    for citation in answer.citations:
        assert citation.quote and citation.title and citation.section


def test_corpus_passage_answers_quote_their_numbers(corpus_engine: Engine) -> None:
    for question in ("what triggers a failover?", "what is preemption?", "what is a floating IP address?"):
        answer = corpus_engine.ask(question)
        assert answer.kind == "passage", (question, answer.answer)
        quotes = " ".join(c.quote for c in answer.citations)
        assert answer.answer.split(" ")[0] in quotes  # the answer is made of quoted sentences
        assert unsupported_tokens(answer, question) == []


# -- how support engineers type ------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what port does ha1 use?", ["28769", "28260", "28"]),
        ("HA1 PORTS", ["28769", "28260"]),
        ("what is the hearbeat bakup port", ["28771"]),
        ("hb backup port?", ["28771"]),
        ("<@U123ABC> what port does the *control link* use?", ["28769"]),
        ("what ether type does the <https://docs.example/ha|data link> use?", ["0x7261"]),
        ("what encapsulation does the packet-forwarding link use?", ["MAC-in-MAC"]),
        ("ha2 ka direction?", ["unidirectional"]),
        ("what layer is the data link?", ["Layer 2"]),
    ],
)
def test_chat_forms_reach_the_same_facts(seed_engine: Engine, question: str, expected: list[str]) -> None:
    answer = seed_engine.ask(question)
    assert answer.kind == "fact", answer.answer
    for value in expected:
        assert value.lower() in answer.answer.lower()


def test_several_questions_in_one_message_are_all_answered(seed_engine: Engine) -> None:
    answer = seed_engine.ask("ha1 port? and ha2 ethertype?")
    assert "28769" in answer.answer and "0x7261" in answer.answer
    assert {c.section.split(" > ")[-1] for c in answer.citations} >= {"Control Link", "Data Link"}


@pytest.mark.parametrize(
    ("question", "first"),
    [
        ("does HA3 support encryption?", "No"),
        ("is HA1 layer 3?", "Yes"),
        ("is ha2 layer 3?", "No"),
        ("can HA2 span subnets?", "Yes"),
        ("can a PA-3260 use an aggregate for HA3?", "Yes"),
        ("do PA-440s have dedicated HA ports?", "No"),
        ("can HA3 use backup links?", "No"),
    ],
)
def test_yes_no_questions_answer_yes_or_no_first(seed_engine: Engine, question: str, first: str) -> None:
    answer = seed_engine.ask(question)
    assert answer.kind == "fact"
    assert re.match(rf"{first}\b", answer.answer), answer.answer


def test_platform_answer_says_which_family_answered(seed_engine: Engine) -> None:
    answer = seed_engine.ask("do PA-440s have dedicated HA ports?")
    assert "PA-400 Series" in answer.answer
    assert any("PA-400 Series" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("what port does HA5 use?", "HA5"),
        ("what ports does a PA-9999 need for HA?", "PA-9999"),
        ("what is the capital of France?", "capital"),
    ],
)
def test_abstains_and_says_what_it_looked_for(seed_engine: Engine, question: str, named: str) -> None:
    answer = seed_engine.ask(question)
    assert answer.kind == "abstain"
    assert answer.confidence == 0.0
    assert not answer.citations and not answer.facts
    assert named.lower() in (answer.answer + " " + (answer.looked_for or "")).lower()
    # Never a neighbour's value: no port or ether type in an abstention.
    assert not re.search(r"\b28\d{3}\b|0x72", answer.answer)


def test_conflict_is_shown_with_both_values_cited(corpus_engine: Engine) -> None:
    answer = corpus_engine.ask("what ether type does ha2 use?")
    assert answer.kind == "fact"
    assert "differ" in answer.answer.lower()
    assert "0x7261" in answer.answer and "0x7262" in answer.answer
    assert any(set(c.values) == {"0x7261", "0x7262"} for c in answer.conflicts)
    quotes = [c.quote for c in answer.citations]
    assert any("0x7261" in q for q in quotes) and any("0x7262" in q for q in quotes)


def test_a_settings_range_and_default_come_from_the_settings_table(corpus_engine) -> None:
    """Settings tables and configuration steps give ranges and defaults ("hello interval
    range?"), each quoted; where two pages disagree, both values are shown."""
    answer = corpus_engine.ask("hello interval allowed range?")
    assert answer.kind == "fact"
    assert "8,000 to 60,000" in answer.answer
    assert all(f.subject == "Hello Interval" for f in answer.facts)
    assert any("8,000 to 60,000" in c.quote for c in answer.citations)

    differ = corpus_engine.ask("macsec key server priority range?")
    assert "documents differ" in differ.answer
    assert "0 to 255" in differ.answer and "1 to 255" in differ.answer
