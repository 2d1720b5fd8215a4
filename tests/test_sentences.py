"""Where text is cut into sentences (hakb.text): ingest and the service cut alike."""

from __future__ import annotations

from hakb.text import split_sentences


def test_a_bracketed_sentence_ends_before_the_next_bracketed_label() -> None:
    # A note in brackets, then a scope label in brackets opening the next sentence: two
    # sentences, so the second can be quoted (and ranked) on its own.
    text = (
        "(Check the relay under Device > Setup.)\n"
        "(Managed Relays Only) —Both relays must have the mirror capability disabled."
    )
    assert split_sentences(text) == [
        "(Check the relay under Device > Setup.)",
        "(Managed Relays Only) —Both relays must have the mirror capability disabled.",
    ]


def test_brackets_inside_a_sentence_do_not_cut_it() -> None:
    assert split_sentences("Enable the relay (in a/a mode) before the peers sync.") == [
        "Enable the relay (in a/a mode) before the peers sync."
    ]
    assert split_sentences("The relay uses port 28 (encrypted). The peer answers.") == [
        "The relay uses port 28 (encrypted).",
        "The peer answers.",
    ]
