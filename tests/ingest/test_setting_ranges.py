"""A setting's range is read however the page words it: "range is 1 to 63", "a range of
...", "ranging from 0 to 63", and under a field name that a colon ends ("(Mandatory) Group
ID: ..."), but never under "Note:" or "Step 3:".

The sentences are written for these tests.
"""

from __future__ import annotations

import pytest

from hakb.ingest.facts import FactExtractor
from hakb.ingest.models import DocumentMeta, Section

META = DocumentMeta(
    doc_id="widget", title="Widget Pairs", url="https://docs.example/w", source="x.html", kind="html", sha256="0"
)


def _ranges(text: str) -> set[tuple[str, str]]:
    section = Section(doc_id="widget", path=("Widget Pairs", "Settings"), text=text)
    return {(f.subject, f.value) for f in FactExtractor(META).extract([section]) if f.attribute == "range"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(Mandatory) Widget ID: A numeric identifier ranging from 0 to 63 that must match.", ("Widget ID", "0 to 63")),
        (
            "Beacon Interval (ms)\u2014How often a beacon is sent (range is 100 to 9,000).",
            ("Beacon Interval", "100 to 9,000"),
        ),
        ("Enter the Widget Priority, which ranges from 1 to 255.", ("Widget Priority", "1 to 255")),
    ],
)
def test_a_setting_range_in_any_wording(text: str, expected: tuple[str, str]) -> None:
    assert expected in _ranges(text)


@pytest.mark.parametrize("text", ["Note: the widget range is 1 to 5.", "Step 3: Enter a value ranging from 1 to 5."])
def test_a_note_or_a_step_names_no_setting(text: str) -> None:
    assert not any(subject.startswith(("Note", "Step")) for subject, _ in _ranges(text))
