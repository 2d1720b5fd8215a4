"""'What is X for?' asks a purpose; 'what is the X value for the Y link?' asks a value of Y:
there 'for' takes an object, a preposition and not the stranded 'for' of purpose.

The questions are written for these tests, not taken from the gold, test or sealed splits.
"""

from __future__ import annotations

import pytest

from hakb.service import question as qparse


@pytest.mark.parametrize(
    ("question", "purpose"),
    [
        ("what is the control link for?", True),
        ("what's heartbeat backup for in an a/p pair?", True),
        ("what is the ha2 link used for?", True),
        ("what's the ip protocol number for the data link?", False),
        ("what is the tcp port value for the control link?", False),
    ],
)
def test_for_with_an_object_asks_no_purpose(question: str, purpose: bool) -> None:
    assert ("purpose" in qparse.parse(question)[0].attributes) is purpose
