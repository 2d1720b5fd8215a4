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
