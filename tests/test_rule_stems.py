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


def test_how_many_is_answered_by_a_number_not_by_what_a_model_can_use() -> None:
    # "how many can I add?" reads a modal ("can") beside a quantity asked: the family's
    # "can use" facts state no number, and its documented member count answers.
    from hakb.service import question as qparse
    from hakb.service.rules import answer

    def scoped(f: Fact, family: str) -> Fact:
        return f.model_copy(update={"platforms": [family]})

    family = "PA-6600 Series"
    said = "PA-6600 Series firewalls in a gizmo cluster can use the sprocket port."
    uses = scoped(_fact("HA3", "can-use", "the sprocket port", said), family)
    members = scoped(
        _fact(family, "max-members", "12", "Members Supported Per Gizmo Cluster — PA-6600 Series: 12"), family
    )
    table = FactTable([uses, members])
    q = qparse.parse("pa-6650s in a gizmo cluster - how many can i add?")[0]
    result = answer(q, table)
    assert result is not None and result.facts == [members], result


def test_a_fact_said_of_other_platforms_only_is_no_answer_for_the_model_asked() -> None:
    # The rules' topic match reads the facts of the interface asked: one the documents say
    # of the PA-8800 alone is no answer for a PA-6650, whose family's own rows are.
    from hakb.service import question as qparse
    from hakb.service.rules import answer

    other = _fact("HSCI", "not-supported", "encryption", "The HSCI-A and HSCI-B ports do not support encryption.")
    other = other.model_copy(update={"platforms": ["PA-8800"]})
    own = _fact("PA-6600 Series", "constraint", "HSCI-A and HSCI-B", "HSCI-A and HSCI-B carry sprocket frames.")
    own = own.model_copy(update={"platforms": ["PA-6600 Series"]})
    table = FactTable([other, own])
    q = qparse.parse("pa-6650 pair: hsci-a and hsci-b - what are they for?")[0]
    result = answer(q, table)
    assert result is not None and other not in result.facts and own in result.facts, result


def test_a_yes_needs_one_sentence_that_says_every_word_asked() -> None:
    # "relay" in one fact and "beacons" in another make no sentence that says the link
    # carries relay beacons: no Yes. One sentence that says both does.
    from hakb.service import question as qparse
    from hakb.service.rules import render

    relay = _fact("HA2", "purpose", "relay tables", "HA2 carries relay tables between the peers.")
    beacon = _fact("HA2", "purpose", "beacons", "HA2 also carries beacons.")
    both = _fact("HA2", "purpose", "relay beacons", "HA2 carries relay beacons.")
    question = qparse.parse("does ha2 carry relay beacons?")[0]
    apart = render(question, [relay, beacon], "purpose", [], FactTable([relay, beacon]))
    together = render(question, [relay, beacon, both], "purpose", [], FactTable([relay, beacon, both]))
    assert apart.polarity is None and not apart.text.startswith("Yes")
    assert together.polarity is True
