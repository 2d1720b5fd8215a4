"""Scope: what a sentence is about when it does not say, and where its subject came from.

An inline or bold paragraph label ("Data Link (HA2)") opens a new scope for what follows,
in HTML, Markdown and text scrapes alike, so the HA2 transport bullets of a help page
that puts them inside the "Control Link (HA1)" row are HA2's, not HA1's. Every fact says
where its subject came from (`subject_from`); one that inherited its subject while the
nearest label names another link is dropped. The fixtures are pages in our own words,
with made-up numbers; the corpus pages are read where they live.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.facts import FactExtractor
from hakb.ingest.models import DocumentMeta, Fact, Section
from hakb.ingest.parse import read_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HELP_HTML = FIXTURES / "html" / "ha-communications.html"
HELP_MD = FIXTURES / "scrapes" / "peer-link-settings.md"
HELP_TXT = FIXTURES / "scrapes" / "peer-link-settings.txt"
SCOPED = Path("/work/shared/corpus/scoped")
PAGES = Path("/work/shared/corpus/pages")

needs_corpus = pytest.mark.skipif(not SCOPED.is_dir() or not PAGES.is_dir(), reason="development corpus not available")


def facts_of(path: Path) -> list[Fact]:
    meta, sections = read_document(path)
    return FactExtractor(meta).extract(sections)


def find(facts: list[Fact], subject: str, attribute: str, value: str | None = None) -> list[Fact]:
    return [
        f for f in facts if f.subject == subject and f.attribute == attribute and (value is None or f.value == value)
    ]


def transport_facts(facts: list[Fact], values: tuple[str, ...]) -> dict[str, set[str]]:
    """Value -> the subjects that claim it."""
    out: dict[str, set[str]] = {v: set() for v in values}
    for f in facts:
        if f.value in out and f.attribute in ("port", "ip-protocol", "ethertype"):
            out[f.value].add(f.subject)
    return out


# --------------------------------------------------------------------------- inline labels, per reader


@pytest.mark.parametrize("path", [HELP_HTML, HELP_MD, HELP_TXT], ids=["html", "markdown", "text"])
def test_data_link_label_opens_a_new_scope_for_the_transport_bullets(path: Path) -> None:
    # The bullets sit under "Data Link (HA2)" inside the control link's row or section:
    # without a new scope they would be the control link's (HA1's).
    claimed = transport_facts(facts_of(path), ("0x7288", "97", "29399"))
    assert claimed == {"0x7288": {"HA2"}, "97": {"HA2"}, "29399": {"HA2"}}


def test_html_bold_label_in_a_table_cell_labels_what_follows() -> None:
    _, sections = read_document(HELP_HTML)
    ip = next(s for s in sections if "IP protocol number 97" in s.text)
    assert ip.label == "Data Link (HA2)" and ip.label_from == "inline_label"
    assert ip.path == ("Peer Link Settings", "Data Link (HA2)")
    hellos = next(s for s in sections if "carries hellos" in s.text)  # before the label: the row's
    assert hellos.label == "Control Link (HA1)/Control Link (HA1 Backup)" and hellos.label_from == "row_label"
    # A second bold label ("Clustering Links") ends the first one's scope.
    ha4 = next(s for s in sections if s.text.startswith("HA4 Keep-alive Threshold"))
    assert ha4.label == "Clustering Links"


def test_html_bold_lead_in_naming_a_link_scopes_its_paragraph_and_the_next() -> None:
    facts = facts_of(HELP_HTML)
    assert find(facts, "HA2", "port", "29398")  # "<b>Data Link (HA2)</b> ... UDP port 29398"
    over_ip = find(facts, "HA2", "ip-protocol", "96")  # the next paragraph names no link
    assert over_ip and over_ip[0].subject_from == "inline_label"


def test_markdown_bold_paragraph_and_wrapped_label_line_are_labels() -> None:
    _, sections = read_document(HELP_MD)
    assert not any("**" in s.text for s in sections)
    ip = next(s for s in sections if "IP protocol number 97" in s.text)
    assert ip.label == "Data Link (HA2)" and ip.path[-1] == "Data Link (HA2)"
    # "Data Link (HA2)" hard-wrapped onto "When the data link is routed ...": a label, not the
    # sentence's first words, and the next paragraph stays in its scope.
    routed = next(s for s in sections if "routed" in s.text)
    assert routed.text.startswith("When the data link is routed") and routed.label == "Data Link (HA2)"
    facts = facts_of(HELP_MD)
    assert {f.subject for f in facts if f.value == "94" and f.attribute == "ip-protocol"} == {"HA2"}


def test_text_scrape_label_line_is_not_glued_to_its_paragraph() -> None:
    _, sections = read_document(HELP_TXT)
    hellos = next(s for s in sections if "hellos" in s.text)
    assert hellos.text.startswith("The control link carries hellos")
    assert hellos.label == "Control Link (HA1)" and hellos.label_from == "inline_label"
    assert {f.subject for f in facts_of(HELP_TXT) if f.value == "28991"} == {"HA1"}


@pytest.mark.parametrize(
    "line",
    ["HA1-A and HA1-B —SFP ports used for", "For HA3:", "Configure HA4", "The firewalls in an HA pair use HA links"],
)
def test_lines_that_are_not_labels_stay_text(line: str) -> None:
    from hakb.ingest.tables import scope_label

    assert scope_label(line, bold=False) is None


# --------------------------------------------------------------------------- subject_from and the nearest label


def test_every_fact_says_where_its_subject_came_from() -> None:
    for path in (HELP_HTML, HELP_MD, HELP_TXT, FIXTURES / "html" / "ha-links.html"):
        for f in facts_of(path):
            assert f.subject_from in ("quote", "row_label", "heading", "inline_label"), f
    by = {(f.subject, f.attribute, f.value): f.subject_from for f in facts_of(FIXTURES / "html" / "ha-links.html")}
    assert by[("HA1", "port", "28901")] == "quote"  # "HA1 uses TCP ports 28901 and 28902 ..."
    assert by[("HA2", "ethertype", "0x7299")] == "row_label"  # "It is a Layer 2 link with ether type 0x7299"


def test_subject_from_a_heading() -> None:
    meta = DocumentMeta(doc_id="d", title="T", source="d.txt", kind="text", sha256="0")
    section = Section(doc_id="d", path=("T", "Data Link"), text="It uses ether type 0x7123 by default.")
    (fact,) = [f for f in FactExtractor(meta).extract([section]) if f.attribute == "ethertype"]
    assert (fact.subject, fact.subject_from) == ("HA2", "heading")


def test_inherited_subject_is_dropped_when_the_nearest_label_names_another_link() -> None:
    # Under the heading "Control Link Ports", a paragraph opens with the label "Data Link
    # (HA2)" glued to its text; the next paragraph's "IP (protocol number 95)" is not HA1's.
    facts = facts_of(HELP_HTML)
    assert not [f for f in facts if f.subject.startswith("HA1") and "95" in f.value]
    assert find(facts, "HA1", "port", "28990")  # named in its own sentence: kept


# --------------------------------------------------------------------------- settings: the threshold, not the option


def test_keep_alive_default_is_the_thresholds_and_the_option_is_off() -> None:
    facts = facts_of(HELP_HTML)
    assert not [f for f in find(facts, "HA2 Keep-alive", "default") if any(c.isdigit() for c in f.value)]
    assert [f.value for f in find(facts, "HA2 Keep-alive", "default")] == ["disabled"]
    thresholds = find(facts, "HA2 Keep-alive Threshold", "default")
    assert thresholds and {f.value.replace(" ms", "") for f in thresholds} == {"12,000"}
    assert find(facts, "HA2 Keep-alive Threshold", "range", "6,000 to 50,000")
    assert find(facts, "HA4 Keep-alive Threshold", "range", "6,000 to 50,000")
    assert all("12,000" in f.quote for f in thresholds)
    # The option's item hands its value to "the Threshold you set": the quote names the option.
    assert any(f.quote.startswith("HA2 Keep-alive") and "Threshold you set" in f.quote for f in thresholds)


# --------------------------------------------------------------------------- the corpus help pages


def _help_pages() -> list[Path]:
    return sorted(SCOPED.glob("ngfw__help__*__ha-communications.md"))


@needs_corpus
def test_help_page_ha_communications_gives_ha2_transport_to_ha2_only() -> None:
    pages = _help_pages()
    assert len(pages) >= 3
    for path in pages:
        facts = facts_of(path)
        assert find(facts, "HA2", "port", "29281") and find(facts, "HA2", "ip-protocol", "99"), path.name
        wrong = [f for f in facts if f.subject.startswith("HA1") and f.value in ("29281", "99", "0x7262")]
        assert not wrong, (path.name, wrong)


@needs_corpus
def test_help_page_settings_are_named_by_what_they_set() -> None:
    for path in _help_pages():
        facts = facts_of(path)
        assert [f.value for f in find(facts, "HA2 Keep-alive", "default")] == ["disabled"], path.name
        assert {f.value.replace(" ms", "") for f in find(facts, "HA2 Keep-alive Threshold", "default")} == {"10,000"}
        assert find(facts, "HA4 Keep-alive Threshold", "range", "5,000 to 60,000")
        assert not [f for f in facts if f.subject == "Clustering Links"]  # a row label, not a setting


@needs_corpus
def test_configure_pages_give_the_keep_alive_threshold_its_default() -> None:
    path = PAGES / (
        "ngfw__administration__high-availability__set-up-activepassive-ha__configure-activepassive-ha__"
        "configure-activepassive-ha-pan-os.md"
    )
    facts = facts_of(path)
    (threshold,) = find(facts, "HA2 Keep-alive Threshold", "default")
    assert threshold.value == "10000 ms" and "Select HA2 Keep-alive" in threshold.quote
    assert not find(facts, "HA2 Keep-alive", "default")


def test_a_value_that_points_at_its_sentence_is_no_fact(tmp_path: Path) -> None:
    # "not supported in this configuration": what is not supported is the access mode
    # named before it; "in this configuration" names nothing, and is no value of HSCI.
    page = tmp_path / "gizmo-hsci.md"
    page.write_text(
        "---\nurl: https://docs.paloaltonetworks.com/ngfw/administration/gizmo-hsci\n---\n\n"
        "# Gizmo HSCI\n\nGizmo firewalls require trunk mode for HSCI port connections when a switch is "
        "present in the path; access mode is not supported in this configuration.\n\n"
        "The HA3 link does not support encryption.\n",
        encoding="utf-8",
    )
    facts = facts_of(page)
    assert not [f for f in facts if f.value.lower().startswith(("in this", "this", "that"))], facts
    assert find(facts, "HA3", "not-supported", "encryption")  # a value that names something stays
