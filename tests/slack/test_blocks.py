"""What a Slack user sees for each kind of answer: pure rendering, no server needed."""

from __future__ import annotations

import json

from hakb.ingest.models import Citation, Fact
from hakb.service.models import Answer, Conflict
from hakb.service.slack import blocks

DOC_URL = "https://docs.paloaltonetworks.com/ngfw/administration/high-availability/ha-links-and-backup-links"


def _fact(value: str, title: str = "HA Links and Backup Links", url: str | None = DOC_URL) -> Fact:
    return Fact(
        subject="HA1",
        attribute="port",
        value=value,
        protocol="TCP",
        qualifier="clear text",
        doc_id="ha-links",
        title=title,
        url=url,
        section=f"{title} > Control Link",
        quote=f"Ports used for HA1: TCP port {value} for clear text communication.",
        version="PAN-OS 11.1",
    )


def _cite(fact: Fact) -> Citation:
    return Citation(
        doc_id=fact.doc_id, title=fact.title, url=fact.url, section=fact.section, quote=fact.quote, version=fact.version
    )


def _all_text(message: blocks.Message) -> str:
    return json.dumps(message.blocks, ensure_ascii=False)


def test_a_fact_answer_leads_with_the_answer_then_facts_sources_and_buttons() -> None:
    fact = _fact("28769")
    answer = Answer(
        question="ha1 port?",
        answer="HA1 port: TCP 28769 (clear text).",
        kind="fact",
        confidence=0.9,
        facts=[fact],
        citations=[_cite(fact)],
        build_id="b1",
    )
    message = blocks.answer_message(answer)
    kinds = [b["type"] for b in message.blocks]
    assert kinds == ["section", "section", "context", "actions"]
    assert message.blocks[0]["text"]["text"] == "HA1 port: TCP 28769 (clear text)."
    assert "• *HA1* port: TCP 28769 (clear text)" in message.blocks[1]["text"]["text"]
    assert f"<{DOC_URL}|HA Links and Backup Links>" in message.blocks[2]["elements"][0]["text"]
    assert message.text == "HA1 port: TCP 28769 (clear text)."
    assert "hakb_share" not in _all_text(message)


def test_documents_that_disagree_get_a_visible_warning() -> None:
    a, b = _fact("28769"), _fact("28770", title="Ports Used for HA", url="https://docs.example.com/ports")
    answer = Answer(
        question="ha1 port?",
        answer="HA1 port: 28769 or 28770.",
        kind="fact",
        confidence=0.6,
        facts=[a, b],
        citations=[_cite(a), _cite(b)],
        conflicts=[
            Conflict(
                subject="HA1",
                attribute="port",
                values=["28769", "28770"],
                sources=["HA Links and Backup Links", "Ports Used for HA"],
            )
        ],
    )
    message = blocks.answer_message(answer)
    warning = next(b for b in message.blocks if ":warning:" in b.get("text", {}).get("text", ""))
    assert "The documents disagree" in warning["text"]["text"]
    assert "`28769` (HA Links and Backup Links) vs `28770` (Ports Used for HA)" in warning["text"]["text"]
    assert "disagree" in message.text  # the notification says so too
    assert len(message.blocks[-2]["elements"]) == 2  # both sources listed


def test_an_abstention_says_the_documentation_does_not_say_and_what_was_looked_for() -> None:
    answer = Answer(
        question="ha9 port?",
        answer="The documents do not say (looked for: HA9 port).",
        kind="abstain",
        confidence=0.0,
        looked_for="HA9 port",
    )
    message = blocks.answer_message(answer)
    assert message.text == "The documentation does not say. (looked for: HA9 port)"
    assert "*The documentation does not say.*" in message.blocks[0]["text"]["text"]
    assert "_HA9 port_" in message.blocks[0]["text"]["text"]


def test_slack_markup_in_answers_and_titles_is_escaped() -> None:
    fact = _fact("28769", title="A <b> & | title", url="javascript:alert(1)")
    answer = Answer(
        question="<!channel> ha1?",
        answer="use <!here> & <http://evil|x>",
        kind="passage",
        confidence=0.5,
        citations=[_cite(fact)],
    )
    message = blocks.answer_message(answer, shared_by="U1")
    # What is drawn on screen (button values are data, never rendered).
    text = json.dumps([b for b in message.blocks if b["type"] != "actions"], ensure_ascii=False)
    assert "<!here>" not in text and "<!channel>" not in text and "<http://evil" not in text
    assert "&lt;!here&gt; &amp; &lt;http://evil|x&gt;" in message.blocks[1]["text"]["text"]
    assert "<javascript:" not in text  # only http(s) URLs become links
    assert "A &lt;b&gt; &amp; / title" in text


def test_button_values_fit_slacks_2000_characters_and_round_trip() -> None:
    long_answer = 'é"<' * 3000  # characters that JSON-escape to more than one
    answer = Answer(
        question="what port does ha1 use?", answer=long_answer, kind="passage", confidence=0.5, build_id="b42"
    )
    message = blocks.answer_message(answer, share=True)
    buttons = message.blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["hakb_vote_helpful", "hakb_vote_wrong", "hakb_share"]
    assert all(len(b["value"]) <= 2000 for b in buttons)
    value = blocks.parse_vote_value(buttons[0]["value"])
    assert value.question == "what port does ha1 use?"
    assert value.build_id == "b42"
    assert long_answer.startswith(value.answer.rstrip("…"))
    assert buttons[2]["value"] == "what port does ha1 use?"


def test_a_huge_question_still_yields_a_value_within_the_limit() -> None:
    answer = Answer(question="q" * 5000, answer="a" * 5000, kind="passage", confidence=0.5)
    value = blocks.vote_value(answer)
    assert len(value) <= 2000
    assert blocks.parse_vote_value(value).question.startswith("qqq")


def test_a_value_that_is_not_ours_still_records_something() -> None:
    assert blocks.parse_vote_value("not json").question == "not json"
    assert blocks.parse_vote_value("").question == "(unknown question)"


def test_long_answers_stay_within_the_section_limit() -> None:
    answer = Answer(question="q", answer="x" * 5000, kind="passage", confidence=0.5)
    message = blocks.answer_message(answer)
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")
    assert len(message.text) <= 3000
