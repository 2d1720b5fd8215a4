"""Typos are repaired against the documents' own words, not a hand-made list: a slip in a
short word ("prot", "windw", "grup") reads as the word the documents use, and a term the
documents do not use that is no slip ("dscp" is not "dhcp") stays what it is.

The questions are written for these tests, not taken from the gold, test or sealed splits.
"""

from __future__ import annotations

import pytest

from hakb.service import question as qparse
from hakb.service.engine import Engine
from hakb.service.vocabulary import Vocabulary

DOCS = [
    "The Group ID must match on both peers. The anti-replay window protects the link.",
    "The HA2 keep-alive timer and the heartbeat port, the DHCP client and the backup link.",
    "You should hold the interface in the clusters; the encapsulation is MAC-in-MAC.",
]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("windw", "window"),  # a letter dropped
        ("grup", "group"),
        ("timr", "timer"),
        ("bakcup", "backup"),  # a swapped pair
        ("porr", "port"),  # the key next to the right one
        ("shold", "should"),  # one slip from "hold" too: the word English uses far more
        ("intteface", "interface"),  # two slips inside a long word
        ("enacpsualtion", "encapsulation"),  # two swapped pairs
    ],
)
def test_a_slip_reads_as_the_documents_word(typed: str, meant: str) -> None:
    assert Vocabulary(DOCS).closest(typed) == meant


@pytest.mark.parametrize(
    "word",
    [
        "dscp",  # one letter from "dhcp", but from across the keyboard: another term
        "wait",  # an English word is never a typo
        "link",  # the documents' own word
        "clusterxl",  # two edits from "clusters", but its ending is its own: a product
    ],
)
def test_a_word_that_is_no_slip_stays(word: str) -> None:
    assert Vocabulary(DOCS).closest(word) == word


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("ha2 udp prot?", "ha2 udp port?"),
        ("hertbeat bakup prot?", "heartbeat backup port?"),
        ("ha1 prot without encryption", "ha1 port without encryption"),
    ],
)
def test_a_question_with_slips_answers_as_the_clean_one(seed_engine: Engine, typed: str, clean: str) -> None:
    expected = seed_engine.ask(clean)
    got = seed_engine.ask(typed)
    assert expected.kind == "fact"  # the clean question is answered, so the comparison means something
    assert got.kind == expected.kind
    assert got.answer == expected.answer


def test_a_chat_abbreviation_reads_the_same_in_the_plural(seed_engine: Engine) -> None:
    # "fws" is no foreign term the documents lack: it is "fw" twice.
    plural = seed_engine.ask("which link syncs sessions between the two fws?")
    spelled = seed_engine.ask("which link syncs sessions between the two firewalls?")
    assert spelled.kind != "abstain"
    assert plural.kind == spelled.kind
    assert plural.answer == spelled.answer


def test_passages_are_searched_with_the_typos_repaired(seed_engine: Engine) -> None:
    # The keyword and dense search read the question as the documents spell it: a typo
    # finds the passages the word finds. Chat abbreviations stay as asked ("a/a").
    def passages(question: str) -> list[str]:
        return [e.text for e in seed_engine.ranking(question).evidence if e.source == "passage"]

    assert passages("when do the peers use the heartbeat bakcup link?") == passages(
        "when do the peers use the heartbeat backup link?"
    )
    q = qparse.parse("hb bakcup link in a/a?", seed_engine.holder.current.vocabulary.closest)[0]
    assert "backup" in q.spelled and "a/a" in q.spelled


def test_the_acronyms_the_documents_define_are_read_both_ways() -> None:
    from hakb.service.ranking import sources
    from hakb.service.ranking import text as tx
    from hakb.service.vocabulary import acronyms_of

    texts = [
        "Each gizmo chassis holds four widget processing units (WPU) and one beacon card.",
        "Enter the Shared Beacon Key (SBK) on both peers. (Optional) Enable the relay.",
    ]
    found = acronyms_of(texts)
    assert found["wpu"] == ("widget", "processing", "units")
    assert found["sbk"] == ("shared", "beacon", "key")
    assert "optional" not in found  # a parenthesis that abbreviates nothing
    vocab = Vocabulary(texts)
    long_form = tx.stems_of("The widget processing units keep forwarding traffic.")
    # The acronym asked, the words written: the sentence says it.
    spelled = sources._spelled_out(["wpus", "traffic"], vocab)
    assert spelled["wpus"] and all(alt <= long_form for alt in spelled["wpus"])
    # The words asked, the acronym written.
    spelled = sources._spelled_out(["shared", "beacon", "key", "peers"], vocab)
    assert frozenset({tx.stem("sbk")}) in spelled["beacon"]


def test_a_word_a_page_uses_only_in_its_headings_is_the_documents_word() -> None:
    # "scm" is in a title ("Configure Active/Passive HA (SCM)") and no passage: a question
    # about it is about the documents, not about a product they do not cover. Heading words
    # weigh as passages say them: the passages' own words keep their weights.
    plain = Vocabulary(DOCS)
    headed = Vocabulary(DOCS, ["Configure Active/Passive HA (SCM) > Set Up the Peers", "Group ID"])
    assert "scm" not in plain and plain.foreign("scm")
    assert "scm" in headed and not headed.foreign("scm")
    assert headed.closest("scm") == "scm"
    assert {w: headed.idf[w] for w in plain.idf} == plain.idf


@pytest.mark.parametrize("word", ["unticked", "resynced", "misconfigured", "nonsynced"])
def test_an_english_prefix_on_a_known_word_is_chat_not_a_product(word: str) -> None:
    # A dictionary lacks "unticked", but English makes it of "ticked": a question with it
    # is about a setting, not about something the documents do not cover.
    assert not Vocabulary(DOCS).foreign(word)


@pytest.mark.parametrize("word", ["dscp", "fortigate", "unclusterxl"])
def test_a_word_made_of_nothing_known_stays_foreign(word: str) -> None:
    assert Vocabulary(DOCS).foreign(word)


@pytest.mark.parametrize(
    "question",
    ["ha1 port based on wat?", "wht port does ha1 use?", "whcih link carries sessions?", "hwo do i set the group id?"],
)
def test_a_mistyped_wh_word_still_asks_what_not_whether(question: str) -> None:
    q = qparse.parse(question, Vocabulary(DOCS).closest)[0]
    assert q.has_wh and not q.yes_no


@pytest.mark.parametrize("question", ["two peers in one group?", "is the row of ports the backup link?"])
def test_a_word_of_its_own_is_no_slip_of_a_wh_word(question: str) -> None:
    q = qparse.parse(question, Vocabulary(DOCS).closest)[0]
    assert not q.has_wh


def test_a_slip_of_a_chat_abbreviation_is_weighed_as_the_word_it_stands_for(seed_engine: Engine) -> None:
    # "encrpyted" is a slip of "encrypted", which the question reads as "encryption": the
    # question's words are the same as when it is typed right.
    from hakb.service.ranking import sources

    build = seed_engine.holder.current

    def words(question: str) -> list[str]:
        q = qparse.parse(question, build.vocabulary.closest)[0]
        return sources.signals(q, build.facts, build.vocabulary).words

    assert words("is the ha1 link encrpyted?") == words("is the ha1 link encrypted?")
    assert "encryption" in words("is the ha1 link encrpyted?")
