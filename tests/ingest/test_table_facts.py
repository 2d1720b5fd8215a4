"""Per-model table cells become platform-scoped facts, where the cell's column is certain.

"Firewall Model | Number of Members Supported Per Cluster" with the row "PA-3200 Series |
6" is the fact PA-3200 Series max-members 6 (per cluster), scoped to PA-3200 Series, and
its quote is the cell with its row and column names, so the value is in the quote. A
timers table whose scrape flattened 16 model columns into 3 values is not read per model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.facts import FactExtractor
from hakb.ingest.loaders import load_bytes
from hakb.ingest.models import Fact
from hakb.ingest.parse import parse_document, read_document

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "html" / "platform-limits.html"
PAGES = Path("/work/shared/corpus/pages")
OVERVIEW = PAGES / "ngfw__administration__high-availability__ha-clustering-overview.md"
TIMERS = PAGES / "ngfw__administration__high-availability__ha-timers.md"

needs_corpus = pytest.mark.skipif(not OVERVIEW.is_file(), reason="development corpus not available")


def facts_of(path: Path) -> list[Fact]:
    meta, sections = read_document(path)
    return FactExtractor(meta).extract(sections)


def by_subject(facts: list[Fact], attribute: str) -> dict[str, Fact]:
    return {f.subject: f for f in facts if f.attribute == attribute}


def assert_cell_fact(fact: Fact, platform: str, value: str) -> None:
    assert fact.value == value and fact.platforms == [platform]
    assert value in fact.quote and platform in fact.quote  # the value with its model header
    assert fact.subject_from == "quote"


def test_rows_of_models_with_a_numeric_column() -> None:
    members = by_subject(facts_of(FIXTURE), "max-members")
    assert set(members) == {"PA-3200 Series", "PA-5410", "PA-5420", "VM-300"}
    assert_cell_fact(members["PA-3200 Series"], "PA-3200 Series", "5")
    assert_cell_fact(members["PA-5420"], "PA-5420", "9")
    assert members["PA-3200 Series"].qualifier == "per cluster"
    assert "Maximum Number of Members per Cluster" in members["VM-300"].quote


def test_columns_of_models_when_every_cell_is_in_its_column() -> None:
    facts = facts_of(FIXTURE)
    hello = by_subject(facts, "hello-interval")
    assert {p: f.value for p, f in hello.items()} == {
        "PA-3400 Series": "7000",
        "PA-5400 Series": "7500",
        "PA-7000 Series": "9000",
    }
    assert hello["PA-5400 Series"].qualifier == "ms"
    assert_cell_fact(hello["PA-7000 Series"], "PA-7000 Series", "9000")
    assert set(by_subject(facts, "flap-max")) == {"PA-3400 Series", "PA-5400 Series"}  # "Not Applicable" is no number


@needs_corpus
def test_clustering_overview_members_per_cluster_by_model() -> None:
    members = by_subject(facts_of(OVERVIEW), "max-members")
    for platform, value in [
        ("PA-3200 Series", "6"),
        ("PA-3400 Series", "6"),
        ("PA-5200 Series", "16"),
        ("PA-5450", "8"),
        ("PA-7080", "4"),
        ("PA-7050", "6"),
        ("VM-700", "16"),
    ]:
        assert platform in members, platform
        assert_cell_fact(members[platform], platform, value)
        assert "Number of Members Supported Per Cluster" in members[platform].quote
    # The PA-7000 Series row holds a value per model: each model keeps its own, and the
    # quote keeps the row's condition (the cards it needs).
    assert "PA-7080: 4" in members["PA-7080"].quote and "NPC" in members["PA-7080"].quote
    assert "PA-7000 Series" not in members


@needs_corpus
def test_timers_table_is_not_read_per_model_when_its_columns_are_lost() -> None:
    facts = facts_of(TIMERS)
    assert facts  # the timers' ranges and defaults are still read from their rows
    assert not [f for f in facts if f.platforms and f.attribute not in ("constraint",)]


def test_a_settings_table_read_as_one_heading_per_setting_gives_each_its_range_and_default() -> None:
    # The Panorama help page's shape: every setting is a heading, its text a paragraph that
    # never names it ("Enter the number of milliseconds ... (range is ...; default is ...)").
    text = (
        "---\nurl: https://docs.example.test/widget/help/widget-high-availability\n---\n\n"
        "# Widget High Availability\n\nConfigure the widget pair with the following settings.\n\n"
        "## Failover Hold Time (ms)\n\n"
        "Enter how long the standby waits before it takes over (range is 500 to 9,000; default is 1,500).\n\n"
        "## Beacon Count\n\nSpecify the number of lost beacons that declare a failure (range is 2 to 12; default is 4).\n"
    )
    meta, sections = parse_document(load_bytes(text.encode(), "widget-ha.md"))
    facts = {(f.subject, f.attribute): (f.value, f.qualifier) for f in FactExtractor(meta).extract(sections)}
    assert facts[("Failover Hold Time", "range")] == ("500 to 9,000", "ms")
    assert facts[("Failover Hold Time", "default")] == ("1,500", "ms")
    assert facts[("Beacon Count", "default")] == ("4", None)


def test_a_flattened_two_column_table_of_values_with_units_keeps_each_value_with_its_row() -> None:
    # Cells one per paragraph: a header pair, then name / value with a unit and
    # alternatives ("2000/1000 ms" for two profiles). Each row is one section that says
    # its name, its value and what the values are.
    text = "\n\n".join(
        [
            "---\nurl: https://docs.example/relay-timers\n---",
            "# Relay Timers Clear",
            "Relay Timers",
            "Relay timers detect a failure of the relay and trigger a failover of the pair.",
            "Relay Timer",
            "Default values for Quick/Slow profiles",
            "Probe interval",
            "2000/1000 ms",
            "Flap limit",
            "3/5",
            "Hold time",
            "1/2 min",
        ]
    )
    meta, sections = parse_document(load_bytes(text.encode(), "relay-timers.md"))
    rows = {s.label: s.text for s in sections if s.kind == "table_row"}
    assert rows["Probe interval"] == "Probe interval: 2000/1000 ms (Default values for Quick/Slow profiles)"
    assert rows["Flap limit"].startswith("Flap limit: 3/5")
    assert rows["Hold time"].startswith("Hold time: 1/2 min")


@pytest.mark.parametrize(
    ("cell", "is_value"),
    [("6", True), ("2000/500 ms", True), ("3/3", True), ("1/1 min", True), ("40%", True)]
    + [("802.1Q", False), ("PA-3200 Series", False), ("Heartbeat interval", False)],
)
def test_a_value_cell_is_a_number_its_alternatives_and_a_unit(cell: str, is_value: bool) -> None:
    from hakb.ingest.tables import _KV_VALUE

    assert bool(_KV_VALUE.match(cell)) is is_value
