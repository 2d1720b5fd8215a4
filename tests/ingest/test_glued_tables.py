"""Support tables whose rows a scrape glued into one line each ("Relay Broker Yes No No").

The cells are read back from the closed class of answers that open them (Yes, No, N/A),
the column names from the sentence that announces the table, and each row is kept as a
section of its own with every cell beside its column's name.
"""

from __future__ import annotations

from hakb.ingest.facts import FactExtractor
from hakb.ingest.loaders import load_bytes
from hakb.ingest.models import Section
from hakb.ingest.parse import parse_document
from hakb.ingest.tables import glued_cells, read_row

PAGE = (
    "# Mesh Support\n\n"
    "## Feature Support and Hitless Takeover\n\n"
    "Most features carry over to a mesh. The following table lists mesh features and whether a "
    "standalone QX-900 appliance supports them, whether mesh members support them, and whether "
    "they support hitless takeover.\n\n"
    "Mesh Feature Standalone QX-900 Appliance Mesh Member Hitless Takeover\n\n"
    "Tunnels\n\n"
    "Relay Broker Yes No No\n\n"
    "Packet Tap Yes Yes, but only on the leader No\n\n"
    "Key Vault Yes Yes N/A (vault must be set per member)\n\n"
    "Identity\n\n"
    "Group Mapping Yes Yes Yes\n\n"
    "Address Tags Yes Yes Yes\n\n"
    "Takeover is decided by the leader.\n"
)


def _rows(sections: list[Section]) -> dict[str, str]:
    return {s.label: s.text for s in sections if s.kind == "table_row" and s.label}


def test_each_glued_row_is_a_section_with_its_cells_beside_their_columns() -> None:
    _, sections = parse_document(load_bytes(PAGE.encode(), "mesh-support.md", suffix=".md"))
    rows = _rows(sections)
    assert list(rows) == ["Relay Broker", "Packet Tap", "Key Vault", "Group Mapping", "Address Tags"]
    assert rows["Relay Broker"] == (
        "Relay Broker — Standalone QX-900 Appliance: Yes; Mesh Member: No; Hitless Takeover: No"
    )
    label, cells = read_row(rows["Packet Tap"]) or ("", [])
    assert label == "Packet Tap"
    assert cells == [
        ("Standalone QX-900 Appliance", "Yes"),
        ("Mesh Member", "Yes, but only on the leader"),
        ("Hitless Takeover", "No"),
    ]
    # A line between rows with no cells names the group of the rows after it.
    tap = next(s for s in sections if s.label == "Group Mapping")
    assert "Identity" in tap.path
    # The prose after the table is prose again.
    assert any(s.kind == "paragraph" and s.text == "Takeover is decided by the leader." for s in sections)


def test_without_an_announcing_enumeration_the_rows_keep_their_cells_as_written() -> None:
    page = PAGE.replace(
        "The following table lists mesh features and whether a standalone QX-900 appliance supports "
        "them, whether mesh members support them, and whether they support hitless takeover.",
        "See the table below.",
    )
    _, sections = parse_document(load_bytes(page.encode(), "mesh-support.md", suffix=".md"))
    rows = _rows(sections)
    assert rows["Relay Broker"] == "Relay Broker Yes No No"
    assert read_row(rows["Relay Broker"]) is None


def test_cells_open_with_an_answer_and_go_on_after_a_comma_or_in_brackets() -> None:
    assert glued_cells("Cert Check Yes Yes Service Route") == ("Cert Check", ("Yes", "Yes", "Service Route"))
    assert glued_cells("Vault Yes N/A (set per member)") == ("Vault", ("Yes", "N/A (set per member)"))
    assert glued_cells("Each member answers Yes when asked.") is None  # a sentence, not a row
    assert glued_cells("Yes No") is None  # no label


def test_a_table_with_its_header_glued_and_one_cell_per_line_is_read_as_rows() -> None:
    # The header's cells were glued into one line, the rows' cells kept one per paragraph:
    # every third cell is a new name and the others repeat a few values, so rows are three
    # cells wide. The last row's final cell is the sentence after it.
    md = (
        "# Relay Modes\n\n## Relay Modes\n\nRelays can prepare their links before a takeover.\n\n"
        "The following table shows which modes each port kind supports.\n\n"
        "Relay Mode Bundle Port Single Port\n\n"
        "Mesh in Tier 1\n\nEager\n\nNot supported\n\n"
        "Mesh in Tier 2\n\nEager\n\nNot supported\n\n"
        "Beacon in Tier 1\n\nNot supported\n\nLazy\n\n"
        "Beacon in Tier 2\n\nEager\n\nEager if the beacon itself is set.\n\n"
        "Preparation is never done on sub-ports.\n"
    )
    _, sections = parse_document(load_bytes(md.encode(), "relay-modes.md", suffix=".md"))
    rows = {s.label: s.text for s in sections if s.kind == "table_row"}
    assert rows["Mesh in Tier 1"] == "Mesh in Tier 1: Eager | Not supported"
    assert rows["Beacon in Tier 1"] == "Beacon in Tier 1: Not supported | Lazy"
    assert rows["Beacon in Tier 2"] == "Beacon in Tier 2: Eager | Eager if the beacon itself is set."
    assert [s.kind for s in sections if s.text == "Preparation is never done on sub-ports."] == ["paragraph"]
    assert "Relay Mode Bundle Port Single Port" in "\n".join(s.text for s in sections)


def test_a_row_whose_column_names_a_model_makes_no_sentence_facts_of_that_model() -> None:
    # "Standalone PA-7500 Series Firewall" is a column: the row's "No" in another column is
    # no PA-7500 constraint ("Relay Broker ... is not supported on a PA-7500").
    page = PAGE.replace("QX-900 appliance", "PA-7500 Series firewall").replace(
        "Standalone QX-900 Appliance", "Standalone PA-7500 Series Firewall"
    )
    meta, sections = parse_document(load_bytes(page.encode(), "mesh-support.md", suffix=".md"))
    assert "Relay Broker" in _rows(sections)
    facts = FactExtractor(meta).extract(sections)
    assert not [f for f in facts if "Relay Broker" in f.citation.quote]


# A grid flattened one cell per paragraph: a header whose first answer column spans two
# sub-columns, group names between rows, and a sentence of details after some rows.
GRID = (
    "# Relay Sync\n\n"
    "## State Shared Between Relays\n\n"
    "The following table summarizes the state that relays share.\n\n"
    "State Kind\n\nShared?\n\nRelay Link\n\nDetails\n\nP/S\n\nP/P\n\n"
    "Control Plane\n\n"
    "Route Cache\n\nYes\n\nYes\n\nRL1\n\n"
    "Token Ledger\n\nYes\n\nNo\n\nRL1\n\n"
    "The ledger is rebuilt on a takeover.\n\n"
    "Beacon Timers\n\nNo\n\nNo\n\nN/A\n\n"
    "Forwarding Plane\n\n"
    "Flow Table\n\nYes\n\nYes\n\nRL2\n\n"
    "Label Map\n\nYes\n\nNo\n\nRL2\n\n"
    "Commands for Relay Sync\n\n"
    "You can share the state by hand with the sync command.\n"
)


def test_a_one_cell_per_line_grid_is_read_row_by_row_with_its_sub_columns() -> None:
    _, sections = parse_document(load_bytes(GRID.encode(), "relay-sync.md", suffix=".md"))
    rows = {s.label: s.text for s in sections if s.kind == "table_row" and "—" in s.text}
    assert list(rows) == ["Route Cache", "Token Ledger", "Beacon Timers", "Flow Table", "Label Map"]
    label, cells = read_row(rows["Token Ledger"]) or ("", [])
    assert label == "Token Ledger"
    # Each answer beside its column, the spanning header's name kept with its sub-column.
    assert cells == [("Shared? P/S", "Yes"), ("Shared? P/P", "No"), ("Relay Link", "RL1")]
    # The details stay with their row; the group names the rows after it.
    ledger = [s for s in sections if s.label == "Token Ledger"]
    assert any("rebuilt on a takeover" in s.text for s in ledger)
    assert "Forwarding Plane" in next(s for s in sections if s.label == "Flow Table").path
    assert "Control Plane" in next(s for s in sections if s.label == "Route Cache").path
    # The heading after the table is a heading again, not a cell of its last row.
    assert not any("Commands for Relay Sync" in t for t in rows.values())


def test_cells_that_do_not_answer_make_no_grid() -> None:
    # Short cells that never repeat and say no Yes or No are a list of names, not a grid.
    page = "# Names\n\n## Names\n\nKind\n\nOwner\n\n" + "".join(f"Name {i}\n\nOwner {i}\n\n" for i in range(6))
    _, sections = parse_document(load_bytes(page.encode(), "names.md", suffix=".md"))
    assert not any(s.kind == "table_row" and "—" in s.text for s in sections)
