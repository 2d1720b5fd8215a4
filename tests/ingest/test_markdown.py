"""Scraped Markdown pages: the development corpus, read where it lives (never copied here)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hakb.ingest.loaders import load, load_bytes
from hakb.ingest.models import DocumentMeta, Section
from hakb.ingest.parse import parse_document
from hakb.ingest.text import is_boilerplate

CORPUS = Path("/work/shared/corpus/pages")
PREFIX = "ngfw__administration__"

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="development corpus not available")


def page(stem: str) -> tuple[DocumentMeta, list[Section]]:
    return parse_document(load(CORPUS / f"{PREFIX}{stem}.md"))


def labels(sections: list[Section]) -> list[str]:
    """Row labels in order of first appearance."""
    return list(dict.fromkeys(s.label for s in sections if s.label))


def text_of(sections: list[Section]) -> str:
    return "\n".join(s.text for s in sections)


# --------------------------------------------------------------------------- HA links page


@needs_corpus
def test_links_page_title_url_and_body_bounds() -> None:
    meta, sections = page("high-availability__ha-links-and-backup-links")
    assert meta.title == "HA Links and Backup Links"  # "# HA Links and Backup Links Clear"
    assert (
        meta.url == "https://docs.paloaltonetworks.com/ngfw/administration/high-availability/ha-links-and-backup-links"
    )
    assert meta.doc_id == "ngfw__administration__high-availability__ha-links-and-backup-links"
    assert sections[0].text == "Learn about HA links and backup links."
    assert sections[1].text.startswith("The firewalls in an HA pair use HA links")
    assert sections[-1].text.endswith("View the status of the HA4 and HA4 backup links on the firewall dashboard.")
    body = text_of(sections)
    for chrome in [
        "Strata Cloud Manager Pro",
        "Where Can I Use This",
        "Select a Document",
        "Updated on",
        "On This Page",
        "Activation & Onboarding",
        "Download PDF",
        "© 2026",
    ]:
        assert chrome not in body
    assert not any(s.text in ("HA Modes", "HA Ports on Palo Alto Networks Firewalls") for s in sections)


@needs_corpus
def test_links_page_table_rows_keep_their_labels() -> None:
    _, sections = page("high-availability__ha-links-and-backup-links")
    assert labels(sections) == [
        "Control Link",
        "Data Link",
        "HA1 and HA2 Backup Links",
        "Packet-Forwarding Link",
        "HA4 Link and HA4 Backup Link",
    ]
    assert not any(s.text in ("Description", "HA Links and Backup Links") for s in sections)
    rows = [s for s in sections if s.label]
    assert all(s.kind in ("table_row", "list_item") and s.path == (s.path[0], s.label) for s in rows)
    backup = [s.text for s in rows if s.label == "HA1 and HA2 Backup Links"]
    assert len(backup) == 6  # the lead-in and each guideline are their own sections
    assert any("The HA1-backup link uses port 28770 and 28260." in t for t in backup)
    control = [s.text for s in rows if s.label == "Control Link"]
    assert any(t.startswith("Ports used for HA1—TCP port 28769 and 28260") for t in control)
    prose = [s for s in sections if s.label is None]
    assert all(s.path == ("HA Links and Backup Links",) for s in prose)


# --------------------------------------------------------------------------- port tables


@needs_corpus
def test_ports_for_ha_rows_keep_ports_and_protocols_together() -> None:
    _, sections = page("firewall-administration__reference-port-number-usage__ports-used-for-ha")
    rows = [s for s in sections if s.kind == "table_row"]
    assert [r.label for r in rows] == [
        "28764",
        "28765",
        "28766",
        "28767",
        "28769, 28260",
        "28",
        "28770",
        "28771",
        "99, 29281",
    ]
    by_label = {r.label: r.text for r in rows}
    assert by_label["28764"] == "28764 TCP: Port used for HA1 sysd ssh tunneled communication."
    assert by_label["28769, 28260"].startswith(
        "28769, 28260 TCP: Used for the HA1 control link for clear text communication"
    )
    ha2 = by_label["99, 29281"]
    assert ha2.startswith("99, 29281 IP, UDP: Used for the HA2 link")
    assert "0x7262" in ha2 and ha2.endswith("allow the HA data link to span subnets.")  # both paragraphs, one row
    assert not any(s.text in ("Destination Port", "Protocol", "Description", "TCP") for s in sections)


@needs_corpus
def test_ports_for_clustering_two_tables_and_the_sentence_between_them() -> None:
    _, sections = page("firewall-administration__reference-port-number-usage__ports-used-for-clustering")
    assert labels(sections) == ["5404–5406", "28829", "28830", "28840", "28884", "28885", "29284", "28832"]
    between = next(s for s in sections if s.text.startswith("Hyperscale security fabric (HSF) uses"))
    assert between.label is None and between.kind == "paragraph"
    assert any(s.text == "29284 UDP: TI interface for cluster traffic keepalives" for s in sections)


@needs_corpus
def test_dedicated_ports_table_rows_are_platform_families() -> None:
    _, sections = page("high-availability__ha-ports-on-palo-alto-networks-firewalls")
    assert labels(sections) == [
        "PA-800 Series Firewalls",
        "PA-1400 Series Firewalls",
        "PA-3200 Series Firewalls",
        "PA-3400 Series Firewalls",
        "PA-5200 Series Firewalls",  # "... (continued)" continues the same row
        "PA-5400 Series Firewalls (PA-5410, PA-5420, PA-5430, and PA-5440)",
        "PA-5450 Firewall",
        "PA-7000 Series Firewalls",
    ]
    pa5200 = [s.text for s in sections if s.label == "PA-5200 Series Firewalls"]
    assert any(t.startswith("AUX-1 and AUX-2 —The auxiliary SFP+ ports") for t in pa5200)
    mgmt = next(s for s in sections if s.text == "The management interface cannot be configured as a HA port.")
    assert mgmt.label == "PA-3400 Series Firewalls"
    assert not any(s.text in ("Model", "Front-Panel Dedicated Port(s)") for s in sections)


# --------------------------------------------------------------------------- other tables


@needs_corpus
def test_timers_rows_are_timers_not_platform_column_headers() -> None:
    _, sections = page("high-availability__ha-timers")
    found = labels(sections)
    assert found == [
        "Monitor Fail Hold Up Time (ms)",
        "Preemption Hold Time (min)",
        "Heartbeat Interval (ms)",
        "Promotion Hold Time (ms)",
        "Additional Master Hold Up Time (ms)",
        "Hello Interval (ms)",
        "Flap Max",
    ]
    heartbeat = [s.text for s in sections if s.label == "Heartbeat Interval (ms)"]
    assert heartbeat[0].startswith("Frequency at which the HA peers exchange heartbeat messages")
    assert heartbeat[1] == "Heartbeat Interval (ms): 1000/1000 | 2000/1000 | 2000/1000"


@needs_corpus
def test_firewall_states_rows_keep_the_modes_column() -> None:
    _, sections = page("high-availability__ha-firewall-states")
    assert labels(sections) == [
        "Initial",
        "Active",
        "Passive",
        "Active-Primary",
        "Active-Secondary",
        "Tentative",
        "Non-functional",
        "Suspended",
    ]
    tentative = next(s for s in sections if s.label == "Tentative")
    assert tentative.text.startswith("Tentative A/A: State of a firewall")
    assert "default is 60" in tentative.text  # the whole row, to its last paragraph


@needs_corpus
def test_clustering_overview_members_table_and_heading_path() -> None:
    _, sections = page("high-availability__ha-clustering-overview")
    assert any(s.label == "PA-5200 Series" and s.text == "PA-5200 Series: 16" for s in sections)
    assert any(s.label == "VM-300" and s.text == "VM-300: 6" for s in sections)
    later = next(s for s in sections if s.text.startswith("First, let's understand how an HA pair state maps"))
    assert later.path == ("HA Clustering Overview", "How an HA Pair State Affects an HA Cluster State")


# --------------------------------------------------------------------------- the whole corpus


@needs_corpus
def test_every_corpus_page_parses_fast_with_a_clean_body() -> None:
    raws = [load(p) for p in sorted(CORPUS.glob("*.md"))]
    assert len(raws) >= 48
    started = time.perf_counter()
    parsed = [parse_document(raw) for raw in raws]
    elapsed = time.perf_counter() - started
    # Liveness, not speed (hakb bench measures speed): a regex that backtracks without end
    # takes minutes, a loaded CI machine a few seconds.
    assert elapsed < 20.0, f"parsing {len(raws)} pages took {elapsed:.2f} s"
    for meta, sections in parsed:
        assert meta.kind == "markdown"
        assert meta.url and meta.url.startswith("https://docs.paloaltonetworks.com/")
        assert not meta.title.endswith(" Clear")
        assert any(s.kind != "heading" for s in sections), meta.doc_id
        for s in sections:
            assert s.text == s.text.strip() and "\n" not in s.text
            assert not is_boilerplate(s.text), (meta.doc_id, s.text)
            assert s.text not in (
                "Where Can I Use This? What Do I Need?",
                "Strata Cloud Manager Pro",
                "Previous",
                "Next",
            )
            assert s.path[0] == meta.title
            assert (s.label is None) or s.kind in ("table_row", "list_item")


# --------------------------------------------------------------------------- general Markdown


def test_markdown_headings_front_matter_and_wrapped_title() -> None:
    md = (
        "---\nurl: https://docs.example.test/peer-links\nfetched_at: 2026-01-01T00:00:00Z\n---\n\n"
        "# Peer Links and\nTheir Backups Clear\n\n"
        "Peer links keep the pair in sync.\n\n"
        "## Cabling\n\nCable the control ports\nback to back.\n\n"
        "- Use short cables.\n- Label both ends.\n\n"
        "### Transceivers\n\nUse the optics the vendor lists.\n\n"
        "## Addressing\n\nGive every link its own subnet.\n"
    )
    meta, sections = parse_document(load_bytes(md.encode(), "peer-links.md", suffix=".md"))
    assert meta.title == "Peer Links and Their Backups"
    assert meta.url == "https://docs.example.test/peer-links"
    got = [(s.kind, s.path[1:], s.text) for s in sections]
    assert got == [
        ("paragraph", (), "Peer links keep the pair in sync."),
        ("heading", ("Cabling",), "Cabling"),
        ("paragraph", ("Cabling",), "Cable the control ports back to back."),
        ("list_item", ("Cabling",), "Use short cables."),
        ("list_item", ("Cabling",), "Label both ends."),
        ("heading", ("Cabling", "Transceivers"), "Transceivers"),
        ("paragraph", ("Cabling", "Transceivers"), "Use the optics the vendor lists."),
        ("heading", ("Addressing",), "Addressing"),
        ("paragraph", ("Addressing",), "Give every link its own subnet."),
    ]


def test_flattened_table_is_found_by_shape_in_new_wording() -> None:
    md = (
        "# Pair Links\n\nThe pair uses these links, as the following table shows:\n\n"
        "Link\n\nDetails\n\n"
        "Sync Link\n\nThe sync link copies sessions to the peer.\n\nIt runs at Layer 2.\n\n"
        "Watch Link\n\nThe watch link carries heartbeats every 900 ms.\n\n"
        "Previous\n\nPair Modes\n\nNext\n\nFailover Timers\n\nOn This Page\n"
    )
    _, sections = parse_document(load_bytes(md.encode(), "pair-links.md", suffix=".md"))
    rows = [(s.label, s.text) for s in sections if s.label]
    assert rows == [
        ("Sync Link", "The sync link copies sessions to the peer."),
        ("Sync Link", "It runs at Layer 2."),
        ("Watch Link", "The watch link carries heartbeats every 900 ms."),
    ]
    assert not any(s.text in ("Link", "Details", "Previous", "Pair Modes") for s in sections)
    assert all(s.path == ("Pair Links", s.label) for s in sections if s.label)


def test_short_cells_are_never_lost_as_a_header() -> None:
    # A table whose header and rows were flattened into one run of short cells: whatever
    # the reader makes of it, every cell's text must still be in the sections.
    cells = [
        "Feature Standalone Cluster",
        "Proxy",
        "Decryption Yes No",
        "Tunnels Yes Yes",
        "Quarantine Yes No",
        "Address Groups Yes Yes",
        "Tags Yes Yes",
        "Sync Yes No",
    ]
    md = "# Feature Support\n\nThe following table lists what each mode supports.\n\n" + "\n\n".join(cells)
    md += "\n\nEach node keeps its own copy of the identifiers it generates.\n"
    _, sections = parse_document(load_bytes(md.encode(), "features.md", suffix=".md"))
    body = "\n".join(s.text for s in sections)
    for cell in cells:
        assert cell in body


def test_a_where_can_i_use_this_box_between_title_and_body_keeps_the_body() -> None:
    # The shape of the CN-Series pages: navigation with a "Previous / Next" pair, the title
    # again, the requirements box, then the body; the body used to be lost to the navigation.
    text = (
        "---\nurl: https://docs.example.test/widget/deployment/widget-links\n---\n\n"
        "# Widget Links Clear\n\nWidget Links\n\n Home \n\n Deployment \n\n Previous \n\n Widget Roles \n\n"
        " Next \n\n Widget Timers \n\n Widget Links \n\n Where Can I Use This? What Do I Need? \n\n"
        " CN-Series deployment \n\n CN-Series 10.2.x or above Container Images \n\n"
        " The widget relay uses the management port for the control link and TCP port 31337 for its heartbeats. \n\n"
        " Previous \n\n Widget Roles \n\n Next \n\n Widget Timers \n\n On This Page \n"
    )
    _, sections = parse_document(load_bytes(text.encode(), "widget-links.md"))
    body = text_of(sections)
    assert "TCP port 31337" in body
    assert "Widget Timers" not in body and "Where Can I Use This" not in body


def test_the_releases_a_where_can_i_use_this_box_requires_stay_in_the_body() -> None:
    # The box is chrome, but the releases it requires are the page's only statement of
    # them; alternatives keep their "one of the following" lead-in.
    text = (
        "# Widget Relay Clear\n\nWidget Relay\n\n Where Can I Use This? What Do I Need? \n\n"
        " Widget Firewall \n\n For Cloud Manager managed widgets: \n\n Cloud Manager Pro \n\n"
        " One of the following for Console managed widgets: \n\n Console PAN-OS 9.4.2 \n\n"
        " Console PAN-OS 9.3.7 and Relay Plugin 1.2.0 \n\n"
        " The widget relay forwards heartbeats between the two widgets of a pair. \n"
    )
    _, sections = parse_document(load_bytes(text.encode(), "widget-relay.md", suffix=".md"))
    needs = [s.text for s in sections if "9.4.2" in s.text]
    assert needs == [
        "What Do I Need? One of the following for Console managed widgets: Console PAN-OS 9.4.2; "
        "Console PAN-OS 9.3.7 and Relay Plugin 1.2.0."
    ]
    body = text_of(sections)
    assert "forwards heartbeats" in body and "Cloud Manager Pro" not in body
