"""The lookup rules match a question's topic to facts with the ranking's Snowball stems:
"interval" is not "interface" (a cut to five letters made them one word), and a chat
abbreviation still meets its full word ("config" ~ "configuration")."""

from __future__ import annotations

from hakb.ingest.models import Citation, Fact
from hakb.service.facts_table import FactTable
from hakb.service.rules import _best_by_topic


def _fact(subject: str, attribute: str, value: str, quote: str) -> Fact:
    citation = Citation(doc_id="d", title="T", section="S", quote=quote)
    return Fact(subject=subject, attribute=attribute, value=value, quote=quote, citation=citation, section="S")


def test_interval_interface_and_internal_are_three_words() -> None:
    jumbo = _fact(
        "HA3", "requires", "enable jumbo frames", "For data ports configured as an HA3 interface, enable jumbo frames."
    )
    table = FactTable([jumbo])
    assert _best_by_topic([jumbo], ["interval"], table) == []
    assert _best_by_topic([jumbo], ["interface"], table) == [jumbo]
    assert not table.mentions("internal")


def test_a_chat_abbreviation_meets_its_full_word() -> None:
    sync = _fact("HA1", "purpose", "configuration synchronization", "HA1 carries configuration synchronization.")
    table = FactTable([sync])
    assert _best_by_topic([sync], ["config"], table) == [sync]
    assert table.mentions("config")


def test_a_question_that_asks_a_value_gets_no_yes_or_no() -> None:
    # "max hsci cable length?" asks how long a cable may be; a fact that HSCI can be used is
    # no "Yes" to it. "hsci for ha3?" asks whether, and gets one.
    from hakb.service import question as qparse
    from hakb.service.rules import render

    hsci = _fact("HA3", "can-use", "the HSCI port", "You can also configure the HSCI port for HA3.")
    table = FactTable([hsci])
    value = render(qparse.parse("max hsci cable length between ha peers?")[0], [hsci], "can-use", [], table)
    whether = render(qparse.parse("pa-3220 hsci for ha3?")[0], [hsci], "can-use", ["PA-3200 Series"], table)
    assert value.polarity is None and not value.text.startswith(("Yes", "No"))
    assert whether.polarity is True and whether.text.startswith("Yes")
