"""HTML pages: the article stays, the site around it goes, tables become rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.errors import IngestError, NoBodyError, ParseError
from hakb.ingest.loaders import load, load_bytes
from hakb.ingest.models import DocumentMeta, Section
from hakb.ingest.parse import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
TITLE = "Peer Links and Their Backups"


def read(name: str) -> tuple[DocumentMeta, list[Section]]:
    return parse_document(load(FIXTURES / name))


def html(body: str, head: str = "<title>T</title>") -> list[Section]:
    doc = f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    return parse_document(load_bytes(doc.encode(), "page.html", suffix=".html"))[1]


@pytest.fixture(scope="module")
def links() -> tuple[DocumentMeta, list[Section]]:
    return read("ha-links.html")


def test_title_comes_from_the_article_heading_and_url_from_canonical(links: tuple[DocumentMeta, list[Section]]) -> None:
    meta, _ = links
    assert meta.title == TITLE  # not the <title> with its " | Example Firewall Docs"
    assert meta.url == "https://docs.example.test/fw/admin/ha/peer-links"
    assert meta.kind == "html" and meta.doc_id == "ha-links"


def test_site_chrome_is_dropped(links: tuple[DocumentMeta, list[Section]]) -> None:
    _, sections = links
    body = " ".join(s.text for s in sections)
    for chrome in [
        "Example Docs Home",
        "Activation & Onboarding",
        "Select a Document",
        "PAN-OS 10.2",
        "Table of Contents",
        "Expand All",
        "Updated on",
        "Download PDF",
        "Where Can I Use This",
        "Cloud Manager Pro license",
        "Previous",
        "Next",
        "Failover Timers",
        "On This Page",
        "All rights reserved",
        "window.analytics",
        "float: left",
        "Clear",
    ]:
        assert chrome not in body, chrome


def test_body_keeps_paragraphs_and_lists_in_order(links: tuple[DocumentMeta, list[Section]]) -> None:
    _, sections = links
    assert sections[0].text == "How two firewalls in a pair talk to each other."
    assert sections[1].text == (
        "Two firewalls in a pair keep each other informed over dedicated peer links. "
        "Smaller models have no dedicated ports and borrow data ports instead."
    )
    assert [s.kind for s in sections[2:4]] == ["list_item", "list_item"]
    assert all(s.label is None and s.path == (TITLE,) for s in sections[:4])


def test_two_column_table_rows_label_every_paragraph_and_item(links: tuple[DocumentMeta, list[Section]]) -> None:
    _, sections = links
    rows = [s for s in sections if s.label]
    assert list(dict.fromkeys(s.label for s in rows)) == [
        "Control Link",
        "Data Link",
        "HA1 and HA2 Backup Links",
        "Packet-Forwarding Link",  # "(continued)" dropped
    ]
    for s in rows:
        assert s.path == (TITLE, "Link Reference", s.label)
    control = [s for s in rows if s.label == "Control Link"]
    assert [s.kind for s in control] == ["table_row", "table_row"]
    assert control[1].text == "HA1 uses TCP ports 28901 and 28902 in clear text, and TCP port 28922 when encrypted."
    backup = [(s.kind, s.text) for s in rows if s.label == "HA1 and HA2 Backup Links"]
    assert backup == [
        ("table_row", "Backup links take over when a primary link fails. Keep these rules in mind:"),
        ("list_item", "Backup links must sit on a different subnet than the primary links."),
        ("list_item", "The HA1 backup link listens on TCP port 28911."),
    ]
    assert not any(s.text in ("Peer Link", "What It Does") for s in sections)  # header row


def test_headings_build_the_path(links: tuple[DocumentMeta, list[Section]]) -> None:
    _, sections = links
    cabling = [s for s in sections if s.path[1:] == ("Planning", "Cabling")]
    assert [(s.kind, s.text) for s in cabling] == [
        ("heading", "Cabling"),
        ("paragraph", "Connect the peer ports directly, without a switch in between, where you can."),
        ("list_item", "Cable the HA1 ports."),
        ("list_item", "Cable the HA2 ports."),
        ("list_item", "Use the HSCI ports on models that have them."),
    ]
    addressing = next(s for s in sections if s.text == "Give each peer link its own small subnet.")
    assert addressing.path == (TITLE, "Planning", "Addressing")


def test_port_table_rows_keep_all_their_cells() -> None:
    meta, sections = read("ports.html")
    assert meta.title == "Ports Used Between Peers"
    rows = [(s.label, s.text) for s in sections if s.kind == "table_row"]
    assert rows == [
        ("28901, 28902", "28901, 28902 TCP: Control link traffic in clear text."),
        ("28922", "28922 TCP: Control link traffic, encrypted (SSH over TCP)."),
        ("98", "98 IP: Data link transport when IP is selected."),
    ]
    assert not any("Previous" in s.text or "Home" in s.text for s in sections)


def test_page_with_only_chrome_has_no_body() -> None:
    with pytest.raises(NoBodyError) as info:
        read("chrome-only.html")
    assert "chrome-only.html" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "<nav><a href='/'>Home</a></nav>",
        "<div>   </div>",
        "<script>var x = 1;</script>",
        "<p>Previous</p><p>Next</p>",
    ],
)
def test_html_without_text_raises_no_body(body: str) -> None:
    with pytest.raises(NoBodyError):
        html(body)


def test_title_falls_back_to_title_tag_without_site_suffix() -> None:
    sections = parse_document(
        load_bytes(
            b"<html><head><title>Session Owner | Docs</title></head><body><p>The owner keeps state.</p></body></html>",
            "owner.html",
            suffix=".html",
        )
    )
    meta, body = sections
    assert meta.title == "Session Owner"
    assert [s.text for s in body] == ["The owner keeps state."]


def test_loose_text_and_inline_markup_are_joined_into_paragraphs() -> None:
    sections = html("<div>The <b>HA1</b> link uses<br>TCP.<div>Second block.</div>Tail text.</div>")
    assert [s.text for s in sections] == ["The HA1 link uses TCP.", "Second block.", "Tail text."]


@pytest.mark.parametrize(
    "junk",
    [
        "<table><tr><td></td></tr></table><p>x y</p>",
        "<ul><li><ul><li>deep</li></ul></li></ul>",
        "<table><tr><td>only label</td><td></td></tr></table>",
        "<<<>>>&&&",
        "<p>\x00</p><p>ok text</p>",
        "<table><table><tr><th>a</th></tr></table></table><p>z</p>",
        "<div><p>Where Can I Use This? A</p><span>Where Can I Use This? B</span></div><p>body</p>",
    ],
)
def test_odd_markup_parses_or_raises_an_ingest_error(junk: str) -> None:
    try:
        sections = html(junk)
    except ParseError:
        raise
    except IngestError:
        return
    assert all(s.text.strip() for s in sections)
