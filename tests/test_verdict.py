"""Yes or no from a passage: the clause that says most of the question decides, by its
grammar (negation, restriction, modality), never by the question's phrasing.

The sentences and questions are written for these tests (not gold items); the
vocabulary and weights are the seed build's.
"""

from __future__ import annotations

import pytest

from hakb.service import question as qparse
from hakb.service.engine import Engine
from hakb.service.ranking import sources
from hakb.service.ranking import text as tx
from hakb.service.ranking import verdict as verdicts


def _decide(engine: Engine, question: str, text: str, items: tuple[str, ...] = (), label: str = "", page=None):  # type: ignore[no-untyped-def]
    build = engine.holder.current
    q = qparse.parse(question, build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    found = verdicts.decide(
        sig,
        text,
        items,
        explicit=q.yes_no,
        rare=build.vocabulary.max_idf * 0.5,
        label=label,
        known=build.facts.compounds,
        page=page,
    )
    return found.verdict if found else None


MODES = (
    "The heartbeat is sent every second. Heartbeat backup supports a Layer 2 deployment in "
    "active/passive mode; active/active mode does not."
)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("does heartbeat backup support a layer 2 deployment in a/a?", "no"),
        ("does heartbeat backup support a layer 2 deployment in a/p mode?", "yes"),
    ],
)
def test_a_clause_that_leaves_its_predicate_to_the_one_before_decides_for_its_own_mode(
    seed_engine: Engine, question: str, expected: str
) -> None:
    # "...; active/active mode does not" says No for active/active and nothing of
    # active/passive, whose own clause says Yes.
    assert _decide(seed_engine, question, MODES) == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("heartbeat backup over vlans in active/active?", "no"),
        ("heartbeat backup over vlans in active/passive, supported?", "yes"),
    ],
)
def test_a_restriction_that_leaves_out_what_is_asked_is_a_no(seed_engine: Engine, question: str, expected: str) -> None:
    text = "Heartbeat backup over VLANs is supported only on active/passive pairs."
    assert _decide(seed_engine, question, text) == expected


def test_a_mode_asked_is_not_answered_yes_by_a_clause_about_no_mode(seed_engine: Engine) -> None:
    # The sentence covers every other word; it says nothing of active/active.
    text = "Before you enable heartbeat backup, you must set up the VLANs it runs over."
    assert _decide(seed_engine, "heartbeat backup over vlans in a/a?", text) is None


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # A page of active/active that names active/passive once in passing speaks of
        # active/active throughout.
        ({"active/active": 4, "active/passive": 1}, "yes"),
        # A page of both modes says neither for all its sentences.
        ({"active/active": 3, "active/passive": 3}, None),
        ({}, None),
    ],
)
def test_a_page_that_names_one_mode_speaks_of_it_throughout(
    seed_engine: Engine, page: dict[str, int], expected: str | None
) -> None:
    text = "Heartbeat backup runs over VLANs."
    found = _decide(seed_engine, "does heartbeat backup run over vlans in a/a?", text, page=page)
    assert found == expected


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("no peer ip list configured on the management port: do i need to add the peer ha1 ip?", "no"),
        ("peer ip list configured on the management port: do i need to add the peer ha1 ip?", "yes"),
    ],
)
def test_the_clause_of_the_case_asked_decides_not_the_clause_of_its_opposite(
    seed_engine: Engine, question: str, expected: str
) -> None:
    text = (
        "If you configured a peer IP list on the management port, you must add the peer HA1 IP address to it. "
        "If you did not configure a peer IP list, you don't need to add the peer HA1 IP address."
    )
    assert _decide(seed_engine, question, text) == expected


def test_what_may_be_does_not_answer_what_must_be(seed_engine: Engine) -> None:
    # What may be one thing or another need not be either; what may be, with no
    # alternative beside it, says nothing of whether it must.
    text = "Heartbeat backup peers can be standalone members or HA pairs."
    assert _decide(seed_engine, "do heartbeat backup peers have to be HA pairs?", text) == "no"
    assert _decide(seed_engine, "can heartbeat backup peers be HA pairs?", text) == "yes"
    text = "Heartbeat backup peers can be HA pairs."
    assert _decide(seed_engine, "do heartbeat backup peers have to be HA pairs?", text) is None


def test_one_shared_word_and_a_quantifier_that_leaves_some_out_say_no_yes(seed_engine: Engine) -> None:
    assert _decide(seed_engine, "is heartbeat backup ever restarted?", "HEARTBEAT—Sent by the peer.") is None
    text = "Most of the heartbeat backup settings are synchronized between the peers."
    assert _decide(seed_engine, "are heartbeat backup settings synchronized between the peers?", text) is None
    text = "The heartbeat backup settings are synchronized between the peers."
    assert _decide(seed_engine, "are heartbeat backup settings synchronized between the peers?", text) == "yes"


def test_the_same_against_separate_is_a_no(seed_engine: Engine) -> None:
    text = "The HA1 backup and HA2 backup links must be configured on separate physical ports."
    assert _decide(seed_engine, "ha1 backup and ha2 backup links on the same physical port ok?", text) == "no"


def test_the_clause_says_it_in_its_own_words_rather_than_through_its_heading(seed_engine: Engine) -> None:
    # Both clauses cover the question with the heading's help; the one that names the
    # heartbeat backup itself decides.
    text = "If the link is configured, change it to the management port. (Heartbeat backup doesn't support the link.)"
    assert _decide(seed_engine, "heartbeat backup on the link?", text, label="Heartbeat Backup") == "no"


def test_a_negated_condition_does_not_negate_the_statement(seed_engine: Engine) -> None:
    text = "Data ports can be used for heartbeat backup links when dedicated backup links are not available."
    assert _decide(seed_engine, "can data ports be used for heartbeat backup links?", text) == "yes"
    text = "If you did not configure a heartbeat backup link, you don't need to add the peer address."
    assert _decide(seed_engine, "no heartbeat backup link configured: do i need to add the peer address?", text) == "no"


def test_a_yes_no_question_asks_for_no_value_so_a_sentence_without_one_can_answer_it(seed_engine: Engine) -> None:
    # "ports" in a yes/no question names the thing asked about, not a port number the
    # answer must hold: the sentence that says whether is no worse for holding none.
    from hakb.service.ranking import sources

    build = seed_engine.holder.current
    q = qparse.parse("can in-band ports be used as backup links for ha1?", build.vocabulary.closest)[0]
    assert q.yes_no
    assert sources.signals(q, build.facts, build.vocabulary).shape is None
    q = qparse.parse("which port does ha1 backup use?", build.vocabulary.closest)[0]
    assert sources.signals(q, build.facts, build.vocabulary).shape is not None


def test_a_pair_of_things_joined_by_a_slash_is_no_mode(seed_engine: Engine) -> None:
    # "ha1-a/ha1-b" names two ports, not one of a family of modes: a sentence that says
    # "HA1-A and HA1-B" answers it Yes.
    text = "You can remap the heartbeat backup ports as HA1-A and HA1-B ports on the firewall."
    assert _decide(seed_engine, "can i remap heartbeat backup ports as ha1-a/ha1-b?", text) == "yes"


def test_a_fact_answer_carries_its_verdict_as_a_field(seed_engine: Engine) -> None:
    no = seed_engine.ask("is encryption supported on the ha3 link?")
    assert no.answer.startswith("No.") and no.verdict == "no", (no.answer, no.verdict)
    yes = seed_engine.ask("is the hb backup port on the management interface?")
    assert (yes.verdict == "yes") == yes.answer.startswith("Yes."), (yes.answer, yes.verdict)


def test_a_clause_whose_subject_is_a_pronoun_speaks_of_what_the_sentence_before_named(seed_engine: Engine) -> None:
    # "It" is the heartbeat backup and "them" its heartbeats: the second sentence, not the
    # first, is about the passive firewall the question asks of.
    text = "Heartbeat backup sends heartbeats over the management port of the active firewall. It does not send them from the passive firewall."
    assert (
        _decide(
            seed_engine, "does heartbeat backup send heartbeats over the management port of the passive firewall?", text
        )
        == "no"
    )


def test_a_pronoun_clause_that_says_something_else_borrows_nothing(seed_engine: Engine) -> None:
    # "It is not encrypted by default" says nothing of the port: it is no No to "does ha1
    # use port 28769 by default?".
    text = "HA1 uses TCP port 28769. It is not encrypted by default."
    assert _decide(seed_engine, "does ha1 use port 28769 by default?", text) != "no"


def test_a_number_within_a_stated_range_is_held_by_it(seed_engine: Engine) -> None:
    # "5405" is one of "5404–5406": the sentence speaks of it and can say yes.
    text = "The heartbeat backup link uses UDP ports 5404–5406 between the HA peers."
    assert _decide(seed_engine, "does the heartbeat backup link use udp 5405 between the ha peers?", text) == "yes"


def test_a_list_item_is_read_sentence_by_sentence(seed_engine: Engine) -> None:
    # The item's last sentence negates what a condition says ("where ... is not
    # sufficient"); read as one clause with the first, it turned a Yes into a No.
    items = (
        "Enabled —Enable heartbeat backup on the management port. Use heartbeat backup for the "
        "links where the data link alone is not sufficient.",
    )
    found = _decide(
        seed_engine, "can i enable heartbeat backup on the management port?", "Specify the following:", items
    )
    assert found == "yes"


def test_a_negation_in_a_relative_clause_that_holds_the_question_still_says_no(seed_engine: Engine) -> None:
    # "where" opens no condition here: the clause is what the sentence says of the port.
    text = "The management port is a port where heartbeat backup is not supported."
    assert _decide(seed_engine, "is heartbeat backup supported on the management port?", text) == "no"


def test_a_definition_speaks_of_the_term_it_defines(seed_engine: Engine) -> None:
    # "Cluster Key: A shared string ... that must match on both HA peers": the clause after
    # the colon says what must match of the cluster key, the label before it.
    text = "Cluster Key: A shared string of up to 32 characters that must match on both HA peers."
    assert _decide(seed_engine, "must the cluster key match on both ha peers?", text) == "yes"
    # A negated term says its No of what follows it.
    text = "Not supported: heartbeat backup on the management port."
    assert _decide(seed_engine, "is heartbeat backup supported on the management port?", text) == "no"


@pytest.mark.parametrize(
    ("question", "whether"),
    [
        ("in a/a does the passive peer forward traffic?", True),
        ("on a pa-3410, can ha2 use udp?", True),
        ("in which mode does ha3 forward packets?", False),
        ("with what is ha1 encrypted?", False),
        ("in a/a mode does the passive peer forward traffic?", True),
    ],
)
def test_a_short_lead_in_before_the_auxiliary_still_asks_whether(question: str, whether: bool) -> None:
    assert qparse.parse(question)[0].yes_no is whether


def test_a_value_word_in_the_topic_part_of_a_chat_question_asks_no_value(seed_engine: Engine) -> None:
    from hakb.service.engine import _asks_whether

    build = seed_engine.holder.current
    parse = lambda text: qparse.parse(text, build.vocabulary.closest)[0]  # noqa: E731
    # "heartbeat ports" is what the question is about; "shielded cable?" is what it asks.
    assert _asks_whether(parse("heartbeat ports cabled back to back between the peers - shielded cable?"))
    assert not _asks_whether(parse("pa-3220 - ha1 port?"))
    # An asked part that only names a model asks the topic's value of it.
    assert not _asks_whether(parse("ha1 port: pa-220?"))


def test_a_noun_of_something_asks_for_its_value_not_whether(seed_engine: Engine) -> None:
    from hakb.service.engine import _asks_whether

    build = seed_engine.holder.current
    parse = lambda text: qparse.parse(text, build.vocabulary.closest)[0]  # noqa: E731
    # "certificate type of the link?" asks what the type is: a Yes would answer nothing.
    assert not _asks_whether(parse("certificate type of the heartbeat backup link?"))
    assert not _asks_whether(parse("customer asking: vendor of the heartbeat backup cable?"))
    assert _asks_whether(parse("heartbeat backup in active/active mode?"))
    # A quantifier before "of" asks nothing of a value.
    assert _asks_whether(parse("lots of heartbeats dropped after failover?"))


SWITCHED = (
    "PA-3200 Series firewalls require trunk mode for the HA ports when a switch is in the path; "
    "access mode is not supported for those ports through a switch."
)


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        # The family's sentence speaks for the model asked, in every clause of it.
        ("pa-3250 ha ports through a switch - is access mode supported?", SWITCHED, "no"),
        # Another family's sentence says nothing of this model.
        ("pa-3250 ha ports through a switch - is access mode supported?", SWITCHED.replace("3200", "5200"), None),
        # The clause that names the model but not what is asked of it says no Yes.
        ("pa-3250 ha ports through a switch - is access mode supported?", SWITCHED.split(";")[0] + ".", None),
    ],
)
def test_a_model_is_spoken_for_by_its_documented_family(
    seed_engine: Engine, question: str, text: str, expected: str | None
) -> None:
    assert _decide(seed_engine, question, text) == expected


RENEGOTIATED = "Upon a failover of the active firewall, the following timers and links are renegotiated:"


@pytest.mark.parametrize(
    ("question", "items", "expected"),
    [
        # An item that only names something is said of the sentence introducing its list.
        ("upon a failover of the active firewall, is the ha1 link renegotiated?", ("HA2 link", "HA1 link"), "yes"),
        ("upon a failover of the active firewall, is the ha3 link renegotiated?", ("HA2 link", "HA1 link"), None),
        # An item with words of its own says its own thing, not the introduction's.
        (
            "upon a failover of the active firewall, is the ha1 link renegotiated?",
            ("HA1 link settings are kept as they were",),
            None,
        ),
    ],
)
def test_a_list_item_that_only_names_something_takes_its_predicate_from_the_introduction(
    seed_engine: Engine, question: str, items: tuple[str, ...], expected: str | None
) -> None:
    assert _decide(seed_engine, question, RENEGOTIATED, items) == expected


def test_a_negation_inside_a_where_clause_is_the_clause_s_own(seed_engine: Engine) -> None:
    # "...configurations where link monitoring alone is not sufficient" restricts which
    # configurations; it does not say heartbeat backup is not used for them.
    text = (
        "Use heartbeat backup for Layer 2 or Layer 3 configurations where the control link "
        "alone is not sufficient to exchange heartbeats."
    )
    assert _decide(seed_engine, "heartbeat backup for layer 3 configurations?", text) != "no"


def test_a_clause_about_another_state_says_nothing_of_the_one_asked(seed_engine: Engine) -> None:
    # The window names both states; the clause that holds most of the question is about
    # FAILED, and says nothing of a DEGRADED peer.
    text = (
        "DEGRADED—The peer keeps its sessions while a soft fault lasts. "
        "FAILED—The peer goes down when a hard fault occurs and does not keep its sessions on the HA2 link."
    )
    assert _decide(seed_engine, "degraded peer - does it keep its sessions on the ha2 link?", text) != "no"
    assert _decide(seed_engine, "failed peer - does it keep its sessions on the ha2 link?", text) == "no"


@pytest.mark.parametrize(
    ("question", "text", "not_expected"),
    [
        # A condition that opens the sentence runs to its comma: the passive still takes over.
        (
            "does the passive firewall take over if the ha1 link goes down?",
            "If the HA1 link goes down and does not recover within the monitor hold time, the passive firewall takes over.",
            "no",
        ),
        # A relative clause that holds the case asked is no restriction to strip.
        (
            "can heartbeat backup be used with ha1 over the management port?",
            "Heartbeat backup can be used where the management port is not used for HA1.",
            "yes",
        ),
        # What holds only where the relative clause says is no plain Yes.
        (
            "can ha4 links be configured on aggregate interfaces?",
            "HA4 links can be configured on aggregate interfaces only in clusters where the members are not PA-7000 Series firewalls.",
            "yes",
        ),
        # A clause about another platform, or one that contrasts the model with another,
        # says nothing of the model asked.
        (
            "does the pa-3250 support hsci?",
            "HSCI ports are supported on the PA-5200 Series; the PA-3200 Series uses HA1 and HA2 ports.",
            "yes",
        ),
        (
            "does the pa-3250 support hsci?",
            "Unlike PA-3200 Series firewalls, PA-5200 Series firewalls support HSCI.",
            "yes",
        ),
    ],
)
def test_readings_that_once_gave_the_wrong_verdict(
    seed_engine: Engine, question: str, text: str, not_expected: str
) -> None:
    assert _decide(seed_engine, question, text) != not_expected


def test_a_list_introduced_with_an_exception_lends_its_items_no_negation(seed_engine: Engine) -> None:
    intro = "The following settings are never synchronized between the HA peers, except:"
    assert _decide(seed_engine, "is the ha1 link synchronized between the ha peers?", intro, ("HA1 link",)) != "no"


@pytest.mark.parametrize(
    ("question", "label", "expected"),
    [
        ("does a suspended ha cluster member keep its ports down?", "HA Cluster Member States", "yes"),
        ("does a suspended ha cluster member keep its ports down?", "", None),
        ("suspended ha cluster member ports down?", "HA Cluster Member States", None),
    ],
)
def test_an_explicit_question_names_its_subject_as_the_heading_does(
    seed_engine: Engine, question: str, label: str, expected: str | None
) -> None:
    # The clause says what is asked of the subject its heading names; a terse question of
    # the same words may ask the subject's value, and is not answered Yes through a heading.
    text = "SUSPENDED state keeps the traffic ports down until an administrator acts."
    assert _decide(seed_engine, question, text, label=label) == expected


def test_a_sentence_that_opens_with_such_and_a_noun_names_what_the_one_before_said() -> None:
    # "Such pre-negotiation" says that communicating with the switch is pre-negotiation: the
    # clause before it is read with that noun.
    said = "A passive firewall can communicate with the switch using LACP."
    first = verdicts.clauses(f"{said} Such pre-negotiation speeds up failover.")[0]
    assert first.text == said and "pre-negotiation" in first.words
    for after in ("It speeds up failover.", "This is faster."):
        assert verdicts.clauses(f"{said} {after}")[0].words == said


def test_a_statement_that_names_no_platform_holds_for_the_model_asked(seed_engine: Engine) -> None:
    # A sentence that names no platform says what it says of every model; one that names
    # another platform says nothing of the model asked.
    question = "pa-850 interface configured as a dhcp client - can heartbeat backup use it?"
    general = "Heartbeat backup is not supported on an interface that is configured as a DHCP client."
    assert _decide(seed_engine, question, general) == "no"
    assert _decide(seed_engine, question, f"On the PA-5450, {general[0].lower()}{general[1:]}") is None


def test_the_topic_a_chat_question_sets_before_its_dash_may_be_said_elsewhere_in_the_window(
    seed_engine: Engine,
) -> None:
    # The window is about the topic set before the dash (HA1 on the management port); the
    # clause that says the rest answers. A terse part after the dash may ask a value: no Yes.
    text = "The HA1 link uses the management port. The hellos of both peers must be sent at the same interval."
    asked = "ha1 on the management port - must both peers send their hellos at the same interval?"
    assert _decide(seed_engine, asked, text) == "yes"
    assert _decide(seed_engine, "ha1 on the management port - both peers hellos same interval?", text) is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Use a dedicated HA3 port on all firewall models except the PA-5400 Series.", "no"),
        ("Use a dedicated HA3 port on all firewall models except the PA-3200 Series.", None),
        ("HA3 is not supported on firewall models other than the PA-5400 Series.", None),
    ],
)
def test_an_exception_that_names_the_model_asked_leaves_it_out(
    seed_engine: Engine, sentence: str, expected: str | None
) -> None:
    # The exception leaves out the PA-5450's family: what the clause says does not hold for
    # it. An exception of another family says nothing of it; a negated clause that leaves
    # it out says no plain No.
    assert _decide(seed_engine, "does a pa-5450 use a dedicated ha3 port?", sentence) == expected


def test_a_sentence_that_opens_in_this_case_speaks_of_the_case_the_one_before_says(seed_engine: Engine) -> None:
    # "In this case" is the PA-800 Series having a dedicated HA1 port; a sentence that does
    # not point back says nothing of it.
    question = "pa-850 with a dedicated ha1 port - should i enable the heartbeat backup?"
    case = "Some firewall models have a dedicated HA1 port; for example, the PA-800 Series."
    assert _decide(seed_engine, question, f"{case} In this case, you should enable the heartbeat backup.") == "yes"
    assert _decide(seed_engine, question, f"{case} Then you should enable the heartbeat backup.") is None


@pytest.mark.parametrize(("order", "expected"), [("before", "no"), ("after", "yes")])
def test_an_event_the_clause_puts_on_the_other_side_in_time_is_a_no(
    seed_engine: Engine, order: str, expected: str
) -> None:
    # The clause lets the hold timer be configured after the heartbeat backup is enabled:
    # asking to do it before reverses the order.
    said = "After you enable the heartbeat backup, you can configure the hold timer on the passive firewall."
    question = f"can i configure the hold timer on the passive firewall {order} the heartbeat backup is enabled?"
    assert _decide(seed_engine, question, said) == expected


@pytest.mark.parametrize(
    ("question", "rows", "expected"),
    [
        (
            "does heartbeat backup fail over gracefully?",
            "Heartbeat Backup Yes Yes Yes Path Monitoring Yes No No",
            "yes",
        ),
        ("does path monitoring fail over gracefully?", "Heartbeat Backup Yes Yes Yes Path Monitoring Yes No No", "no"),
        ("does link monitoring fail over gracefully?", "Heartbeat Backup Yes Yes Yes Path Monitoring Yes No No", None),
    ],
)
def test_a_table_row_whose_every_cell_says_yes_is_a_yes_for_its_label(
    seed_engine: Engine, question: str, rows: str, expected: str | None
) -> None:
    # Rows of a table flattened into one line: each row is read alone, under its heading.
    assert _decide(seed_engine, question, rows, label="Graceful Failover") == expected


def test_rows_with_a_cell_that_is_neither_yes_nor_no_say_no_yes() -> None:
    # "N/A" is a column this reading does not know: the line is no rows of Yes and No.
    line = "Heartbeat Backup Yes Yes N/A Path Monitoring Yes No No"
    assert [c.text for c in verdicts.clauses(line)] == [line]
    assert (
        verdicts.clauses("Heartbeat Backup Yes Yes Yes Path Monitoring Yes No No")[0].text
        == "Heartbeat Backup Yes Yes Yes"
    )


def test_a_row_of_a_piped_table_is_read_alone(seed_engine: Engine) -> None:
    # Pipe-separated cells, rows found by their period (the window ends inside the last
    # one): the heartbeat backup's row says Yes in every Yes/No cell; the No of another row
    # is not its answer.
    line = (
        "Heartbeat Backup | Yes | Yes | HA1 | Path Monitoring | Yes | No | HA1 | "
        "Link Monitoring | No | No | N/A | Hold Timer | Yes"
    )
    assert [c.text for c in verdicts.clauses(line)][1] == "Path Monitoring | Yes | No | HA1"
    question = "is heartbeat backup synchronized in active/active?"
    assert _decide(seed_engine, question, line, label="Synchronized Settings") == "yes"
    assert _decide(seed_engine, "is path monitoring synchronized in active/active?", line) is None


def test_a_question_of_both_or_all_is_not_answered_yes_by_a_clause_of_one(seed_engine: Engine) -> None:
    # "both ... at once" asks of the two together; "the active peer" says nothing of both.
    text = "The priority setting decides which one is the active peer after a failover."
    assert _decide(seed_engine, "can both peers be active at once?", text) is None
    assert _decide(seed_engine, "can both peers be active at once?", "Both peers can be active at once.") == "yes"


def test_a_coordinated_clause_with_its_own_subject_keeps_its_own_polarity(seed_engine: Engine) -> None:
    # "... is disabled by default and you can enable it on one or both peers": the negation
    # is the first clause's; the second, with its own subject, says what may be done.
    text = "The heartbeat backup option is disabled by default and you can enable it on one or both peers."
    assert [c.text for c in verdicts.clauses(text)] == [
        "The heartbeat backup option is disabled by default",
        "you can enable it on one or both peers.",
    ]
    assert _decide(seed_engine, "heartbeat backup on just one peer - ok?", text) != "no"
    # A coordinated predicate without a subject of its own is still one clause.
    assert len(verdicts.clauses("The option is disabled by default and cannot be enabled on the peer.")) == 1


@pytest.mark.parametrize(
    ("question", "whether"),
    [
        # The value is stated: whether it holds is asked.
        ("heartbeat backup on layer 2 aggregate interfaces?", True),
        ("ha1 layer?", False),
        # A model's digits are no port the question states.
        ("pa-7080 ha1 port type?", False),
        # A participle after its noun is a predicate; before a noun it names a kind.
        ("heartbeat backup sessions synced in a/p?", True),
        ("ha1 encrypted port?", False),
    ],
)
def test_a_terse_question_that_states_a_value_or_a_predicate_asks_whether(
    seed_engine: Engine, question: str, whether: bool
) -> None:
    from hakb.service.engine import _asks_whether

    build = seed_engine.holder.current
    q = qparse.parse(question, build.vocabulary.closest)[0]
    q.original = question
    assert _asks_whether(q) is whether


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        # The restriction leaves out the mode asked: No.
        ("is heartbeat backup supported in active/active mode?", "no"),
        # It says nothing of a term it does not mention (which another clause of the window
        # names): no verdict, neither a No nor a Yes.
        ("is heartbeat backup encrypted?", None),
        ("heartbeat backup encryption supported?", None),
    ],
)
def test_a_restriction_denies_what_it_leaves_out_not_what_it_does_not_mention(
    seed_engine: Engine, question: str, expected: str | None
) -> None:
    text = "Heartbeat backup is supported only on active/passive pairs; encryption is configured for the HA1 link."
    assert _decide(seed_engine, question, text) == expected


def test_a_relation_both_say_answers_a_question_of_both(seed_engine: Engine) -> None:
    # "same" relates the two: a clause that says it of "the peers" says it of both.
    text = "The heartbeat backup addresses of the peers must be on the same subnet."
    question = "do both heartbeat backup addresses have to be on the same subnet?"
    assert _decide(seed_engine, question, text) == "yes"
    # Without the relation, a clause of one says nothing of both.
    assert _decide(seed_engine, "can both peers be active at once?", "The active peer sends heartbeats.") is None


def test_a_negated_auxiliary_and_a_conjunction_are_no_words_of_the_question() -> None:
    # "isn't" is grammar: no "isn" for a sentence to hold; "but" joins, it names nothing.
    words = qparse.content_words("heartbeat backup isn't encrypted - but does it use ssh?")
    assert "isn" not in words and "but" not in words
    assert {"heartbeat", "backup", "ssh"} <= set(words)


def test_a_denying_clause_that_opens_with_a_pronoun_speaks_of_the_clause_before(seed_engine: Engine) -> None:
    # "they" is the heartbeat backup addresses: the second clause's No is said of them.
    text = (
        "The heartbeat backup addresses remain local to the peer where they are configured; "
        "they do not move between the peers when a peer fails."
    )
    clauses = verdicts.clauses(text)
    assert clauses[1].text.startswith("they do not move") and "heartbeat backup addresses" in clauses[1].words
    assert (
        _decide(seed_engine, "do the heartbeat backup addresses move between the peers when a peer fails?", text)
        == "no"
    )


# --------------------------------------------------------------------------- a row by its columns

_ROW_LINE = "Heartbeat Backup — Standalone Firewall: Yes; HA Cluster Member: No; Graceful Failover: N/A"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("is heartbeat backup supported on a standalone firewall?", "yes"),
        ("heartbeat backup on an ha cluster member?", "no"),
        ("does heartbeat backup fail over gracefully?", None),  # N/A answers neither
        ("is heartbeat backup supported?", None),  # no column asked, and the cells differ
        ("is path monitoring supported on a standalone firewall?", None),  # another row's question
    ],
)
def test_a_row_answers_by_the_cell_of_the_column_asked(
    seed_engine: Engine, question: str, expected: str | None
) -> None:
    assert _decide(seed_engine, question, _ROW_LINE, label="Heartbeat Backup") == expected


def test_a_row_does_not_answer_a_term_it_does_not_hold(seed_engine: Engine) -> None:
    assert _decide(seed_engine, "does heartbeat backup support encryption on a standalone firewall?", _ROW_LINE) is None


def test_what_a_sentence_does_instead_of_something_says_no_of_that_thing(seed_engine: Engine) -> None:
    # A preposition of substitution negates its object as "without" does.
    text = "The peers use heartbeat backup over the management port instead of a dedicated HA1 link."
    assert _decide(seed_engine, "do the peers use a dedicated ha1 link for heartbeat backup?", text) == "no"
    assert tx.polarity("routing instead of floating addresses", frozenset({tx.stem("floating")})) < 0
    assert tx.polarity("routing with floating addresses", frozenset({tx.stem("floating")})) > 0


def test_a_chat_question_is_not_answered_yes_by_a_clause_that_holds_only_its_topic(seed_engine: Engine) -> None:
    # "heartbeat backup on both peers" is the topic, set before the dash; a Yes needs a
    # clause that says something of the encryption asked after it.
    build = seed_engine.holder.current
    question = "heartbeat backup on both peers - is it encrypted?"
    q = qparse.parse(question, build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    asked = q.norm or q.text
    assert not verdicts._says_asked(sig, asked, "Both peers can use heartbeat backup.")
    assert verdicts._says_asked(sig, asked, "Heartbeat backup messages are encrypted.")


def test_a_negation_says_no_no_of_what_its_exception_names(seed_engine: Engine) -> None:
    build = seed_engine.holder.current
    q = qparse.parse("do ha pairs keep their roles in a cluster?", build.vocabulary.closest)[0]
    sig = sources.signals(q, build.facts, build.vocabulary)
    excepted = "there is no concept of roles in a cluster except for HA pairs which keep theirs"
    assert verdicts._excepted(sig, excepted)
    assert not verdicts._excepted(sig, "there is no concept of roles in a cluster except for members")


def test_a_condition_that_goes_on_after_a_comma_with_but_is_still_the_condition() -> None:
    sentence = "If preemption is enabled, but the peer is not in a functional state, the firewall keeps its sessions."
    [clause] = verdicts.clauses(sentence)
    # The negation is the condition's; the statement negates nothing.
    assert not verdicts.NEGATION.search(verdicts._main_part(clause.text))


def test_a_row_column_is_named_by_the_questions_most_telling_word(seed_engine: Engine) -> None:
    # "ha cluster member" says where the question is asked; "fail over" asks the column.
    line = "Heartbeat Backup — HA Cluster Member: Yes; Graceful Failover: No"
    assert (
        _decide(seed_engine, "does heartbeat backup survive a failover gracefully on an ha cluster member?", line)
        == "no"
    )


def test_of_two_columns_a_question_names_alike_the_one_it_says_more_of(seed_engine: Engine) -> None:
    # "a/a" says "active" as "A/P" (active/passive) does too; "A/A" is the column it names.
    line = "Route Cache — Synced? A/P: Yes; Synced? A/A: No; HA Link: HA1"
    assert _decide(seed_engine, "is the route cache synced in a/a?", line, label="Route Cache") == "no"
    assert _decide(seed_engine, "route cache synced on active/active peers?", line, label="Route Cache") == "no"
    assert _decide(seed_engine, "route cache synced in a/p mode?", line, label="Route Cache") == "yes"


# A chat question's topic (before its dash or colon) that the window names, and a clause
# that says No of what is asked after it without repeating the topic.
LENT_TOPIC = (
    "Heartbeat backup over the management port protects the control link on firewalls without "
    "dedicated HA ports. On such firewalls all links are considered in use; there is no concept "
    "of a spare port."
)


@pytest.mark.parametrize(
    "question",
    [
        "heartbeat backup on the management port: is there a spare port?",
        "management port heartbeat backup - any spare port?",
    ],
)
def test_a_clause_says_no_of_what_is_asked_after_a_topic_its_window_names(seed_engine: Engine, question: str) -> None:
    # The first sentence holds the topic and says nothing of a spare port: no Yes from it.
    assert _decide(seed_engine, question, LENT_TOPIC) == "no"


PREEMPTION = (
    "Preemption lets a firewall with a higher device priority take back the active role. "
    "When preemption is configured, every peer is treated as eligible; a peer in the "
    "suspended state never sends hello messages."
)


@pytest.mark.parametrize(
    "question",
    [
        "preemption with a higher device priority - can both peers be active at once?",
        "preemption and device priority: are both peers active together?",
    ],
)
def test_a_topic_lent_by_the_window_makes_no_clause_about_what_it_does_not_say(
    seed_engine: Engine, question: str
) -> None:
    # "... a peer in the suspended state never sends hello messages" denies nothing of
    # both peers being active: the window's topic is no licence for its negation.
    assert _decide(seed_engine, question, PREEMPTION) is None


CONTRAST = "Asymmetric sessions on the failed peer are kept, but they cannot be inspected for threats."


@pytest.mark.parametrize(
    "question",
    [
        "are asymmetric sessions on the failed peer inspected for threats?",
        "asymmetric sessions on a failed peer: still inspected for threats?",
    ],
)
def test_a_pronoun_after_but_names_the_subject_of_the_clause_before(seed_engine: Engine, question: str) -> None:
    # "..., but they cannot be inspected": the sessions, not inspected; the first clause
    # says they are kept, which is no Yes to being inspected.
    assert _decide(seed_engine, question, CONTRAST) == "no"


REFUSAL = "When the passive peer receives LLDP frames, it discards them."


@pytest.mark.parametrize(
    "question",
    [
        "does the passive peer forward the lldp frames it receives?",
        "lldp frames arriving on the passive peer: are they processed?",
    ],
)
def test_a_clause_that_drops_what_is_asked_says_no_to_handling_it(seed_engine: Engine, question: str) -> None:
    assert _decide(seed_engine, question, REFUSAL) == "no"


@pytest.mark.parametrize(
    ("text", "question"),
    [
        # A refusal denied is no No to handling it.
        (
            "When the passive peer receives LLDP frames, it does not discard them.",
            "does the passive peer process lldp frames?",
        ),
        # A drop-down list is no refusal.
        (
            "Select the LLDP profile from the drop-down of the passive peer.",
            "can the passive peer use an lldp profile?",
        ),
    ],
)
def test_no_refusal_no_no(seed_engine: Engine, text: str, question: str) -> None:
    assert _decide(seed_engine, question, text) != "no"


def test_a_question_that_asks_of_the_refusal_is_answered_by_it(seed_engine: Engine) -> None:
    assert _decide(seed_engine, "does the passive peer discard lldp frames it receives?", REFUSAL) != "no"


@pytest.mark.parametrize(
    ("text", "question", "expected"),
    [
        # "take ... out" is no "take over", though both say "take".
        (
            "A suspended cluster member takes its links down and stays out of the election.",
            "does a suspended cluster member take over its links?",
            None,
        ),
        (
            "A suspended cluster member takes its links down and stays out of the election.",
            "suspended cluster member: will it take its links back up?",
            None,
        ),
        # The same particle: the verb is said as asked.
        (
            "When the active peer fails, the passive peer takes over its sessions.",
            "does the passive peer take over the sessions when the active peer fails?",
            "yes",
        ),
    ],
)
def test_a_phrasal_verb_is_said_only_with_its_own_particle(
    seed_engine: Engine, text: str, question: str, expected: str | None
) -> None:
    assert _decide(seed_engine, question, text) == expected
