"""`/hakb checklist ...`: the connectivity checklist in Slack, from really signed slash
commands to the real server (seed build); the reply is the ephemeral ack itself."""

from __future__ import annotations

from typing import Any

from tests.slack.conftest import FakeSlack, unique


def command(slack: FakeSlack, text: str) -> dict[str, Any]:
    response = slack.command(text, channel=unique("C"), user=unique("U"))
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    assert shown["response_type"] == "ephemeral"
    return shown


def block_texts(shown: dict[str, Any]) -> str:
    """What a person reads in the reply's blocks."""
    return "\n".join(b["text"]["text"] for b in shown["blocks"] if b.get("type") == "section")


def test_a_checklist_in_chat_words_is_answered_with_cited_flows(slack: FakeSlack) -> None:
    shown = command(slack, "checklist PA-3260 a/p udp encrypted")
    assert shown["text"].startswith("HA connectivity checklist for PA-3260: HA1, HA2")
    text = block_texts(shown)
    assert "documented as PA-3200 Series" in text
    assert "active/passive, HA1 encryption on, HA2 transport udp" in text
    assert "UDP 29281" in text and "TCP 28 (encrypted" in text
    assert "28769" not in text.split("Sources:")[0]  # the clear-text ports are not what to allow here
    # Each value's sentence is quoted with its page.
    assert '"Ports used for HA1—TCP port 28769 and 28260 for clear text communication; port 28' in text
    assert "ha-links-and-backup-links" in text


def test_what_the_documents_rule_out_or_never_name_is_said_plainly(slack: FakeSlack) -> None:
    ha3 = block_texts(command(slack, "checklist PA-3260 a/p ha3"))
    assert "Sorry, no checklist: HA3 is an active/active link" in ha3
    assert "an active/active deployment also requires a dedicated HA3 link" in ha3  # the rule, quoted
    unknown = block_texts(command(slack, "checklist PA-9999 a/p"))
    assert "the documents say nothing about 'PA-9999'" in unknown and "PA-3200 Series" in unknown
    word = block_texts(command(slack, "checklist PA-3260 sideways"))
    assert "'sideways' is not a model, mode" in word and "/hakb checklist PA-3260 a/p udp" in word
