"""Hostile documents: random and malformed HTML, text and Markdown never crash a reader.

The property: for any bytes, `load_bytes` either refuses them with an `IngestError`
or decodes them, and the reader for their kind then returns a `Page` or raises an
`IngestError`; nothing else escapes. Readers are called directly, because
`parse_document` turns any other exception into a `ParseError` (a safety net that
would hide a reader bug), and then through `parse_document` for the rest of the path.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hakb.ingest.errors import IngestError
from hakb.ingest.loaders import load_bytes
from hakb.ingest.parse import READERS, parse_document
from hakb.ingest.tables import Page

# Enough to find crashes in tag soup without slowing the suite: a few seconds per property.
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any text a document could hold once decoded, and some that decoding refuses.
any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
words = st.sampled_from(
    [
        "HA1",
        "HA2-backup",
        "port",
        "28769",
        "0x7261",
        "PA-3260",
        "Table of Contents",
        "Previous",
        "Next",
        "Expand All | Collapse All",
        "- PAN-OS 10.2",
        "Where Can I Use This?",
        "What Do I Need?",
        "Clear",
        "|",
        "||",
        "| --- |",
        ":",
        "-",
        "*",
        "#",
        "\t",
        " ",
        "\r",
        "\n",
        "\n\n",
        "\u00a0",
        "\u200b",
        "\ufeff",
        "\u202e",
        "é",
        "漢字",
        "😀",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "&bogus;",
        "<",
        ">",
        "&",
        '"',
        "'",
    ]
)
fragments = st.lists(st.one_of(words, any_text), max_size=40).map("".join)

TAGS = [
    "html",
    "head",
    "body",
    "title",
    "h1",
    "h2",
    "h3",
    "h4",
    "h6",
    "p",
    "div",
    "span",
    "ul",
    "ol",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "td",
    "th",
    "pre",
    "code",
    "br",
    "hr",
    "nav",
    "header",
    "footer",
    "script",
    "style",
    "template",
    "svg",
    "math",
    "details",
    "summary",
    "dl",
    "dt",
    "dd",
    "a",
    "b",
    "img",
]
ATTRS = [
    "",
    ' class="toc"',
    ' role="navigation"',
    ' id="main"',
    ' colspan="99999"',
    ' rowspan="-1"',
    ' class="breadcrumb menu"',
    ' href="javascript:alert(1)"',
    ' style="display:none"',
    " x='<p>'",
]


@st.composite
def html_soup(draw: st.DrawFn) -> str:
    parts: list[str] = [draw(st.sampled_from(["", "<!DOCTYPE html>", "<?xml version='1.0'?>", "<html>"]))]
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.integers(0, 6))
        tag = draw(st.sampled_from(TAGS))
        if kind == 0:
            parts.append(f"<{tag}{draw(st.sampled_from(ATTRS))}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(draw(st.sampled_from(["<!--", "-->", "<![CDATA[", "]]>", "<!", "</", "<p", "< /", "<<>>"])))
        else:
            parts.append(draw(fragments))
    return "".join(parts)


@st.composite
def markdown_page(draw: st.DrawFn) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        lines += ["---", f"url: {draw(st.sampled_from(['https://docs.example/x', '', ':::', 'é']))}"]
        lines += [draw(st.sampled_from(["title: x", "fetched_at: 2026", "", "---x", ":"]))]
        if draw(st.booleans()):
            lines.append("---")
    for _ in range(draw(st.integers(0, 40))):
        lines.append(
            draw(
                st.one_of(
                    st.sampled_from(["#", "# Title Clear", "## HA Links", "###### ", "```", "> quote", "---", "***"]),
                    st.lists(fragments, min_size=1, max_size=6).map(lambda cells: "| " + " | ".join(cells) + " |"),
                    st.builds(lambda p, t: p + t, st.sampled_from(["- ", "* ", "1. ", "    ", ""]), fragments),
                )
            )
        )
    return "\n".join(lines)


@st.composite
def text_scrape(draw: st.DrawFn) -> str:
    title = draw(fragments)
    lines = [title, *draw(st.lists(st.one_of(fragments, st.just(title), st.just("")), max_size=60))]
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines)


def _read(data: bytes, suffix: str) -> Page | None:
    """The property: only IngestErrors escape, from decoding and from the reader."""
    try:
        raw = load_bytes(data, f"fuzz{suffix}", suffix=suffix)
    except IngestError:
        return None
    try:
        page = READERS[raw.kind](raw.text)
    except IngestError:
        return None
    assert isinstance(page, Page)
    try:
        parse_document(raw)
    except IngestError:
        pass
    return page


@FUZZ
@given(html_soup())
def test_tag_soup_never_crashes_the_html_reader(doc: str) -> None:
    _read(doc.encode("utf-8"), ".html")


@FUZZ
@given(markdown_page())
def test_malformed_markdown_never_crashes_the_markdown_reader(doc: str) -> None:
    _read(doc.encode("utf-8"), ".md")


@FUZZ
@given(text_scrape())
def test_random_text_scrapes_never_crash_the_text_reader(doc: str) -> None:
    _read(doc.encode("utf-8"), ".txt")


@FUZZ
@given(st.binary(max_size=400), st.sampled_from([".html", ".md", ".txt", ""]))
def test_arbitrary_bytes_are_refused_or_read(data: bytes, suffix: str) -> None:
    _read(data, suffix)


def test_pathological_inputs_are_read_or_refused_in_bounded_time() -> None:
    """Inputs that make naive regexes or recursion blow up: each is read, or refused
    with an IngestError (deep nesting), within seconds, through the whole path."""
    cases = {
        ".html": [
            "<div>" * 20_000 + "HA1 uses port 28769." + "</div>" * 20_000,  # deep nesting
            "<table>" + "<tr><td>x</td>" * 5_000 + "</table>",
            "<p>" + "a " * 200_000 + "</p>",
            "<" * 100_000,
        ],
        ".md": [
            "---\nurl: x\n---\n" + "| a " * 50_000 + "|",
            "# T\n" + "- " * 100_000,
            "#" * 100_000,
        ],
        ".txt": [
            "Title\n" + "x" * 500_000,  # one line without spaces
            "Title\n" + "Table of Contents\n" * 20_000,
            "Title\n" + ("a | " * 10 + "\n") * 5_000,
        ],
    }
    for suffix, docs in cases.items():
        for doc in docs:
            started = time.perf_counter()
            raw = load_bytes(doc.encode("utf-8"), f"hostile{suffix}", suffix=suffix)
            try:
                parse_document(raw)
            except IngestError as exc:
                assert "reader failed" not in str(exc), exc  # a plain refusal, not the safety net
            seconds = time.perf_counter() - started
            # Generous for a loaded 2-core machine; a quadratic reader takes minutes here.
            assert seconds < 20, f"{suffix} reader took {seconds:.1f} s on a {len(doc)}-character input"
