"""Text scrapes: the seed document and the general rules it stands for."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hakb.ingest.errors import IngestError, NoBodyError, ParseError
from hakb.ingest.loaders import RawDocument, load_bytes
from hakb.ingest.models import Section
from hakb.ingest.parse import parse_document, read_document

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "docs" / "ha-links-and-backup-links.txt"
TITLE = "HA Links and Backup Links"


@pytest.fixture(scope="module")
def seed() -> list[Section]:
    return read_document(SEED)[1]


def _parse(text: str, name: str = "page.txt") -> list[Section]:
    return parse_document(load_bytes(text.encode(), name, suffix=Path(name).suffix))[1]


# --------------------------------------------------------------------------- the seed


def test_seed_navigation_menu_and_version_pickers_are_gone(seed: list[Section]) -> None:
    texts = [s.text for s in seed]
    joined = " ".join(texts)
    for chrome in [
        "Table of Contents",
        "Expand All",
        "Collapse All",
        "PAN-OS 10.2",
        "PAN-OS 11.0 (EoL)",
        "Configure SAML Authentication",
        "Next-Generation Firewall Docs",
        "Cloud Management of NGFWs",
    ]:
        assert chrome not in joined
    assert all(t.strip() not in ("-", "|") for t in texts)


def test_seed_body_starts_with_the_first_sentence_after_the_title(seed: list[Section]) -> None:
    first = seed[0]
    assert first.text.startswith("The firewalls in an HA pair use HA links to synchronize data")
    assert first.kind == "paragraph" and first.label is None and first.path == (TITLE,)


def test_seed_hard_wrapped_lines_become_one_paragraph(seed: list[Section]) -> None:
    assert "maintain state information. Some models of the firewall have dedicated HA ports" in seed[0].text
    cluster = next(s for s in seed if s.text.startswith("HA peers in an HA cluster"))
    assert cluster.text.endswith("are not supported between cluster members that aren’t HA pairs.")
    assert "\n" not in cluster.text


def test_seed_bullets_are_list_items(seed: list[Section]) -> None:
    items = [s for s in seed if s.kind == "list_item"]
    assert [s.text[:40] for s in items] == [
        "For firewalls with dedicated HA ports, u",
        "For firewalls without dedicated HA ports",
    ]
    # two paragraphs the scraper glued together get their space back
    assert (
        "(If you didn't configure a Permitted IP list, you don't need to add the peer HA1 IP address.) You can"
        in items[1].text
    )


def test_seed_table_rows_are_recovered(seed: list[Section]) -> None:
    rows = [s for s in seed if s.kind == "table_row"]
    assert [r.label for r in rows] == [
        "Control Link",
        "Data Link",
        "HA1 and HA2 Backup Links",
        "Packet-Forwarding Link",
        "HA4 Link and HA4 Backup Link",
    ]
    for row in rows:
        assert row.path == (TITLE, row.label)
        assert "|" not in row.text and "---" not in row.text
    control = rows[0]
    assert control.text.startswith("The HA1 link is used to exchange hellos")
    assert "TCP port 28769 and 28260 for clear text communication" in control.text
    assert "0x7261" in rows[1].text and "UDP (port 29281)" in rows[1].text
    assert "uses port 28771 on the MGT interface" in rows[2].text


def test_seed_sections_are_ordered_and_count_is_stable(seed: list[Section]) -> None:
    assert [s.order for s in seed] == list(range(len(seed)))
    assert len(seed) == 9
    assert {s.doc_id for s in seed} == {"ha-links-and-backup-links"}


# --------------------------------------------------------------------------- general rules

PAGE = """Failover Timers
Table of Contents
Expand All
|
Collapse All
-
PAN-OS 11.1 & Later
- PAN-OS 11.1 & Later
- PAN-OS 10.2
- Failover Timers
- Pair Modes
- Peer Links
- Session Owner
-
Failover Timers
Timers decide how quickly a passive peer takes over when the active
peer stops answering. Pick a profile that matches your network.
- The recommended profile suits most networks.
- The aggressive profile fails over faster.
| Timer | Meaning |
|---|---|

| Hello Interval | Milliseconds between hello packets sent to the
peer; the default is 9000. |

| Promotion Hold Time | How long the passive peer waits
before it becomes active. |
Previous
Pair Modes
Next
Session Owner
"""


def test_menu_is_dropped_by_rule_not_by_offset() -> None:
    sections = _parse(PAGE)
    assert sections[0].text.startswith("Timers decide how quickly a passive peer takes over when the active peer stops")
    assert not any(s.text in ("Pair Modes", "Session Owner", "Previous", "Next") for s in sections)
    assert [s.kind for s in sections] == ["paragraph", "list_item", "list_item", "table_row", "table_row"]


def test_pipe_rows_may_wrap_and_have_blank_lines_between_them() -> None:
    rows = [s for s in _parse(PAGE) if s.kind == "table_row"]
    assert [(r.label, r.path) for r in rows] == [
        ("Hello Interval", ("Failover Timers", "Hello Interval")),
        ("Promotion Hold Time", ("Failover Timers", "Promotion Hold Time")),
    ]
    assert rows[0].text == "Milliseconds between hello packets sent to the peer; the default is 9000."


def test_plain_text_without_any_chrome_keeps_everything_after_its_title() -> None:
    sections = _parse("My HA Notes\nThe pair uses two links.\nBoth must be cabled directly.\n")
    assert [s.text for s in sections] == ["The pair uses two links.", "Both must be cabled directly."]
    assert sections[0].path == ("My HA Notes",)


def test_a_text_that_is_only_menu_has_no_body() -> None:
    menu = "Docs\n" + "\n".join(f"- Item {i}" for i in range(12)) + "\n-\nPAN-OS 10.2\n"
    with pytest.raises(NoBodyError, match="no body text"):
        _parse(menu)


# --------------------------------------------------------------------------- robustness


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".md", ".html", ""]))
def test_any_bytes_either_parse_or_raise_an_ingest_error(data: bytes, suffix: str) -> None:
    try:
        raw = load_bytes(data, f"fuzz{suffix}", suffix=suffix)
        parse_document(raw)
    except ParseError:  # the safety net caught a reader bug: that is a failure here
        raise
    except IngestError:
        pass


_scrapeish = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "- ",
                "-",
                "|",
                "---|---|",
                "| a | b |",
                "Title",
                "Previous",
                "Next",
                "# H",
                "## Sub",
                "Description",
                "28769",
                "TCP",
                "On This Page",
                "Where Can I Use This? What Do I Need?",
                "<table><tr><td>x</td></tr></table>",
                "<ul><li>",
                "\x00",
                "\ufeff",
                "---",
                "url: x",
            ]
        ),
        st.text(max_size=60),
    ),
    max_size=40,
).map("\n".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_scrapeish, kind=st.sampled_from(["text", "markdown", "html"]))
def test_any_text_to_any_reader_either_parses_or_raises_an_ingest_error(text: str, kind: str) -> None:
    raw = RawDocument(source="fuzz", data=text.encode("utf-8", "surrogatepass"), text=text, kind=kind)  # type: ignore[arg-type]
    try:
        meta, sections = parse_document(raw)
    except ParseError:
        raise
    except IngestError:
        return
    assert sections and all(s.text.strip() for s in sections)
    assert [s.order for s in sections] == list(range(len(sections)))
