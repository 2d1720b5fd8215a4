"""Scraped Markdown pages: YAML front matter, then the page text in loose Markdown.

    ---
    url: https://docs.paloaltonetworks.com/...
    fetched_at: 2026-08-13T16:40:00Z
    ---
    # HA Links and Backup Links Clear
    <site navigation, version pickers, "Previous / <page> / Next / <page>">
    HA Links and Backup Links
    <one-line summary> <"Where Can I Use This? What Do I Need?" box>
    <body: paragraphs separated by blank lines; tables flattened to one cell per paragraph>
    Previous / <page> / Next / <page> / On This Page / <product menus> / (c) ...

The title comes from the front matter or the "# Title Clear" heading (the
scraper caught the search box's "Clear" button). The body runs from the last
standalone repeat of the title that is followed by prose to the footer.
Explicit "## Heading" lines set the heading path; flattened tables and
title-like lines followed by prose are recognised by `text.structure`. A bold
paragraph ("**Data Link (HA2)**"), a bold lead-in that names an HA link, or a
short line naming one right above its details ("Data Link (HA2)" then "When an
HA2 backup link ...") is an inline label: it opens a new scope for what follows.
"""

from __future__ import annotations

import re

from hakb.ingest import lexicon
from hakb.ingest.tables import Page, clean, scope_label
from hakb.ingest.text import WHERE_BOX, Para, body_bounds, box_end, box_requirements, chrome_free, label_line, structure

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_FIELD = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_CLEAR = re.compile(r"\s+Clear$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+")
# Bold text: a whole paragraph ("**Data Link (HA2)**"), a lead-in ("**Data Link (HA2)** When ...").
_BOLD_ALL = re.compile(r"^(\*\*|__)(?=\S)(.+?)(?<=\S)\1\s*:?$")
_BOLD_LEAD = re.compile(r"^(\*\*|__)(?=\S)(.+?)(?<=\S)\1\s*:?\s+(?=\S)")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split '---\\nkey: value\\n---' off the top: (fields, the rest)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    fields: dict[str, str] = {}
    for line in m.group(1).splitlines():
        f = _FIELD.match(line)
        if f:
            fields[f.group(1).lower()] = f.group(2).strip().strip("\"'")
    return fields, text[m.end() :]


def parse_markdown(text: str) -> Page:
    """A scraped Markdown page -> title, URL (front matter) and body blocks."""
    fields, rest = front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    title = clean(fields.get("title", "")) or None
    paras = _paragraphs(rest)
    if title is None:
        h1 = next((p for p in paras if p.kind == "heading" and p.level == 1), None)
        if h1 is not None:
            title = _CLEAR.sub("", h1.text) or None
    # The title heading itself is not body; nor is anything before it.
    h1_at = next((i for i, p in enumerate(paras) if p.kind == "heading" and p.level == 1), -1)
    paras = paras[h1_at + 1 :]
    start, end = body_bounds([p.text for p in paras], title)
    body = _box_as_text(paras[start:end])
    blocks = structure([body[i] for i in chrome_free([p.text for p in body])])
    url = fields.get("url") or None
    return Page(title=title, blocks=blocks, url=url)


def _box_as_text(body: list[Para]) -> list[Para]:
    """The releases a 'Where Can I Use This?' box requires, as a paragraph where the box
    stood (the box itself is dropped as chrome)."""
    texts = [p.text for p in body]
    out: list[Para] = []
    for i, p in enumerate(body):
        if WHERE_BOX.match(p.text.strip()):
            said = box_requirements(texts[i + 1 : box_end(texts, i)])
            if said:
                out.append(Para(said))
        out.append(p)
    return out


def _paragraphs(text: str) -> list[Para]:
    """Blank-line separated paragraphs, lines joined; '#' lines are headings, '- ' lines items."""
    out: list[Para] = []
    buf: list[str] = []
    kind = "paragraph"
    level = 2

    def flush() -> None:
        nonlocal buf, kind
        joined = clean(" ".join(buf))
        bold = "**" in joined or "__" in joined
        if bold and kind == "paragraph":
            whole = _BOLD_ALL.match(joined)
            label = scope_label(whole.group(2), bold=True) if whole else None
            if label:
                out.append(Para(label, "label"))
                buf, kind = [], "paragraph"
                return
            lead = _BOLD_LEAD.match(joined)
            label = scope_label(lead.group(2), bold=True) if lead else None
            if label and lexicon.links_in(label):
                out.append(Para(label, "label"))
        if joined:
            out.append(Para(_BOLD.sub(r"\2", joined) if bold and kind != "heading" else joined, kind, level=level))
        buf, kind = [], "paragraph"

    lines = text.split("\n")
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if not buf and not line.startswith("#") and not _BULLET.match(line):
            label = label_line(lines, i)
            if label:
                # "Data Link (HA2)" hard-wrapped onto its details: a label, not their first words.
                out.append(Para(label, "label"))
                continue
        m = _HEADING.match(stripped)
        if m and line.startswith("#"):
            # The scraper hard-wraps long headings too: the heading runs to the blank line.
            flush()
            buf, kind, level = [m.group(2)], "heading", len(m.group(1))
            continue
        # "99) or UDP" inside a wrapped paragraph is not a numbered item: numbers start items only at a break.
        if (
            kind != "heading"
            and _BULLET.match(line)
            and not re.fullmatch(r"-+", stripped)
            and (not buf or not re.match(r"\s*\d", line))
        ):
            flush()
            buf, kind = [_BULLET.sub("", stripped, count=1)], "list_item"
            continue
        buf.append(stripped)
    flush()
    return out
