"""How chat is read: a bare model number is the platform asked, "w/o" keeps its negation,
a platform chosen as the scope is the one asked, and a number inside a standard's name is
no model. Real seed build; the questions are written for these tests, not taken from the
gold, test or sealed splits.
"""

from __future__ import annotations

from hakb.service.engine import Engine
from hakb.service.scope import QuestionScope


def test_a_bare_model_number_is_the_platform_asked(seed_engine: Engine) -> None:
    bare = seed_engine.ask("does a 440 have dedicated ha ports?")
    named = seed_engine.ask("does a pa-440 have dedicated ha ports?")
    assert named.kind == "fact" and named.answer.startswith("No.")
    # Not "no document names 440 as a port"; the note repeats the asker's own "440".
    assert bare.answer == named.answer.replace("(PA-440 is covered", "(440 is covered")


def test_a_number_inside_a_name_is_no_model(seed_engine: Engine) -> None:
    answer = seed_engine.ask("802.1x on ha ports?")
    assert "PA-800" not in answer.answer  # 802.1x is a standard, not a PA-802


def test_w_slash_o_keeps_its_negation(seed_engine: Engine) -> None:
    without = seed_engine.ask("what ha1 port is used without encryption?")
    assert "28769" in without.answer and "(encrypted)" not in without.answer
    assert seed_engine.ask("what ha1 port is used w/o encryption?").answer == without.answer
    assert "(encrypted)" in seed_engine.ask("what ha1 port is used w/ encryption?").answer


def test_a_platform_chosen_as_the_scope_is_the_platform_asked(seed_engine: Engine) -> None:
    scope = QuestionScope(model="PA-440", families=("PA-400 Series",))
    scoped = seed_engine.ask("dedicated ha ports?", scope=scope)
    named = seed_engine.ask("pa-440 dedicated ha ports?")
    assert "PA-400 Series" in scoped.answer
    assert scoped.answer == named.answer


def test_a_port_said_of_another_link_is_not_given_for_the_link_asked(seed_engine: Engine) -> None:
    # The seed names no HA1-backup port; the sentence beside it gives heartbeat backup's
    # ("enabling heartbeat backup (uses port 28771 ...) if you use an in-band port for the
    # HA1 or the HA1 backup links"): that number is no answer to the HA1 backup port.
    heartbeat = seed_engine.ask("which port does the heartbeat backup use?")
    assert "28771" in heartbeat.answer  # the number is in the build, so its absence below means something
    for question in ("which port does the ha1 backup link use?", "ha1-backup port number?"):
        assert "28771" not in seed_engine.ask(question).answer


def test_a_vm_series_model_is_a_platform_not_a_number(corpus_engine: Engine) -> None:
    # "vm-700" names the model whose row the table gives, however the question words it;
    # its digits are no port to look up.
    for question in ("vm-700 ha cluster max members?", "vm-700 ha cluster maximum members?"):
        answer = corpus_engine.ask(question)
        assert answer.kind == "fact", (question, answer.answer)
        assert "16" in answer.answer and "VM-700" in answer.answer, (question, answer.answer)
    q = corpus_engine.ranking("vm-300 ha1 port?").q
    assert q.platform == "VM-300" and "300" not in q.numbers


def test_an_abbreviation_inside_a_hyphenated_name_is_part_of_the_name() -> None:
    # "aes-256-gcm" is a cipher, not aggregate Ethernet; "ae" alone is.
    from hakb.service import question as qparse

    assert "aes-256-gcm" in qparse.parse("macsec cak length for aes-256-gcm?")[0].norm
    assert "aggregate" in qparse.parse("pa-850 ae for ha3?")[0].norm
    assert "fw-a" in qparse.parse("how do i keep fw-a active?")[0].norm


def test_the_parts_of_an_ip_address_are_no_port(seed_engine: Engine) -> None:
    # "10.1.1.100" is an address the question quotes; "10" in it is no port to look up.
    for question in ("which peer owns 10.1.1.100 after a failover?", "who answers for 172.16.5.20 - ha1?"):
        q = seed_engine.ranking(question).q
        assert q.numbers == [], (question, q.numbers)
        assert "as a port" not in seed_engine.ask(question).answer
    assert seed_engine.ranking("is tcp 28769 used by ha1?").q.numbers == ["28769"]
