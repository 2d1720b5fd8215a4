"""The same value in other words or units is not a disagreement between documents."""

from __future__ import annotations

import pytest

from hakb.ingest.facts import mark_conflicts, same_value
from hakb.ingest.models import Fact


@pytest.mark.parametrize(
    ("a", "b", "qa", "qb"),
    [
        ("60", "60 seconds", None, None),
        ("60", "60", None, "sec"),
        ("1 min", "60 seconds", None, None),
        ("8000", "8,000", None, None),
        ("10,000", "10000 ms", "ms", None),
        ("0x7261", "0x7261 (hex)", None, None),
        ("1-63", "1 to 63", None, None),
        ("200 to 60,000", "200 to 60,000ms", None, None),
        ("Layer 2", "layer 2", None, None),
    ],
)
def test_same_value_in_other_words_or_units(a: str, b: str, qa: str | None, qb: str | None) -> None:
    assert same_value(a, b, qa, qb) and same_value(b, a, qb, qa)


@pytest.mark.parametrize(
    ("a", "b", "qa", "qb"),
    [
        ("60 ms", "60 seconds", None, None),
        ("0x7261", "0x7262", None, None),
        ("0 to 255", "1 to 255", None, None),
        ("10", "10", "ms", "sec"),
        ("disabled", "enabled", None, None),
    ],
)
def test_different_values_stay_different(a: str, b: str, qa: str | None, qb: str | None) -> None:
    assert not same_value(a, b, qa, qb)


def fact(
    doc: str, value: str, attribute: str = "default", qualifier: str | None = None, subject: str = "Tentative Hold Time"
) -> Fact:
    return Fact(
        subject=subject,
        attribute=attribute,
        value=value,
        qualifier=qualifier,
        doc_id=doc,
        title=doc,
        section=doc,
        quote=f"The value is {value}.",
    )


def test_agreeing_documents_in_other_units_are_not_marked() -> None:
    facts = [
        fact("a", "60", qualifier="sec"),
        fact("b", "60 seconds"),
        fact("c", "60"),
        fact("a", "8,000", "range", subject="Hello Interval"),
        fact("b", "8000", "range", subject="Hello Interval"),
        fact("a", "0x7261", "ethertype", subject="HA2"),
        fact("b", "0x7261 (hex)", "ethertype", subject="HA2"),
    ]
    assert mark_conflicts(facts) == 0
    assert not any(f.conflict for f in facts)


def test_disagreeing_documents_are_still_marked() -> None:
    facts = [
        fact("a", "0x7261", "ethertype", subject="HA2"),
        fact("b", "0x7262", "ethertype", subject="HA2"),
        fact("c", "0x7261 (hex)", "ethertype", subject="HA2"),
        fact("a", "60 seconds"),
        fact("b", "60 ms"),
    ]
    assert mark_conflicts(facts) == 2
    assert all(f.conflict for f in facts)
