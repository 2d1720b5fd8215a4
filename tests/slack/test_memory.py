"""The bot's memory: how a thread's question is read from a message. Claims, thread
memory and default scopes live in the shared state; tests/state checks them on both
backends and across processes."""

from __future__ import annotations

from hakb.service.slack.threads import strip_mentions


def test_mentions_are_not_part_of_the_question() -> None:
    assert strip_mentions("<@U0BOT> what port  does <@W123|bob> ha1 use?") == "what port does ha1 use?"
    assert strip_mentions("<@U0BOT>") == ""
