"""Plain-text scrapes, and the page-chrome rules every scrape reader shares.

A saved docs page as text is: the title, a long navigation menu ("- item" lines,
lone "-", version pickers, "Table of Contents", "Expand All | Collapse All"),
then the title again and the body, sometimes a "Previous / Next" footer. The
body starts after the last standalone repeat of the title that is followed by
prose; it ends at the footer. Hard-wrapped lines are joined into paragraphs;
"- " lines are list items; pipe tables are recovered as rows (`tables.py`).

`structure` turns a reader's paragraphs into blocks for both text and markdown:
it recovers flattened tables, gives short title-like lines followed by prose
the role of headings, and treats short lines after a "...:" lead-in as a list.
An inline label ("Data Link (HA2)": a short line naming an HA link, right above
its details, or a bold paragraph in Markdown) opens a new scope: the blocks
after it, to the next heading or label, carry it as their label and path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hakb.ingest.models import SectionKind
from hakb.ingest.tables import (
    AnswerGrid,
    Block,
    CellTable,
    GluedTable,
    Page,
    clean,
    find_cell_tables,
    is_cell,
    is_pipe_separator,
    is_sentence,
    is_title_case,
    pipe_columns,
    pipe_row_blocks,
    scope_label,
    split_pipe_row,
    words,
)

# --------------------------------------------------------------------------- page chrome

BOILERPLATE = frozenset(
    s.casefold()
    for s in (
        "Table of Contents",
        "Expand All",
        "Collapse All",
        "Expand All | Collapse All",
        "|",
        "-",
        ">",
        "Download PDF",
        "Updated on",
        "Filter",
        "Focus",
        "Select a Document",
        "Home",
        "EN",
        "Help",
        "Location",
        "Previous",
        "Next",
        "On This Page",
        "New Features",
        "Print",
        "Share",
        "Feedback",
        "Where Can I Use This?",
        "What Do I Need?",
        "Where Can I Use This? What Do I Need?",
    )
)
_VERSION_PICK = re.compile(r"^(?:-\s*)?PAN-OS\s+\d+(?:\.\d+)*(?:\s*\(EoL\)|\s*&\s*Later|\+)?$", re.I)
_DATE = re.compile(r"^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},\s+\d{4}$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u25aa\u2013]|\d{1,2}[.)])\s+")
_NAV_BULLET = re.compile(r"^\s*[-*\u2022]\s+")
WHERE_BOX = re.compile(r"^where can i use this\??", re.I)
# A "Where Can I Use This? What Do I Need?" box lists products, licenses and versions.
_BOX_ITEM = re.compile(
    r"NGFW|Panorama|Strata|Prisma|PAN-OS|Cloud\s+Manager|Plugin|Licen[cs]e|Subscription|VM-Series|"
    r"CN-Series|Firewall|SASE|Essentials|\bPro\b|\d+\.\d+|^One of the following|^For\s|\)$",
    re.I,
)


def norm(text: str) -> str:
    """Compare lines the way a reader would: case, spacing and a trailing 'Clear' ignored."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def is_boilerplate(text: str) -> bool:
    t = text.strip()
    return t.casefold() in BOILERPLATE or bool(_VERSION_PICK.match(t)) or bool(_DATE.match(t)) or t.startswith("\u00a9")


def is_nav_line(line: str) -> bool:
    """A menu entry: a lone '-', or a short '- Item' with no sentence punctuation."""
    t = line.strip()
    if t in ("-", "|", "*"):
        return True
    if not _NAV_BULLET.match(t):
        return False
    item = _NAV_BULLET.sub("", t, count=1)
    return is_cell(item) and words(item) <= 14


def is_box_item(text: str) -> bool:
    """One line of a 'Where Can I Use This?' box: a short product/license/version requirement."""
    t = text.strip()
    if not t or words(t) > 16 or t.endswith((".", "!", "?")):
        return False
    if t.endswith(":") and not re.match(r"^(?:for|one of the following)\b", t, re.I):
        return False
    return bool(_BOX_ITEM.search(t))


def body_bounds(paras: list[str], title: str | None) -> tuple[int, int]:
    """[start, end) of the body in a page's paragraphs (or lines).

    Start: after the last standalone repeat of the title followed by prose.
    End: the first "Previous ... Next" footer, "On This Page" or copyright after it.
    """
    start = 0
    if title:
        want = norm(title)
        for i in range(len(paras) - 1, -1, -1):
            if norm(paras[i]) == want and _prose_follows(paras, i + 1):
                start = i + 1
                break
    end = len(paras)
    for i in range(start, len(paras)):
        t = norm(paras[i])
        if t == "previous" and any(norm(p) == "next" for p in paras[i + 1 : i + 4]):
            end = i
            break
        if t == "on this page" or t.startswith("\u00a9"):
            end = i
            break
    return start, end


def _prose_follows(paras: list[str], i: int) -> bool:
    """Is the next non-blank paragraph (or hard-wrapped line) prose? A "Where Can I Use
    This?" box between the title and the prose belongs to the body's start (CN-Series pages
    put it there)."""
    rest = [p.strip() for p in paras[i:] if p.strip()]
    k = 0
    if rest and WHERE_BOX.match(rest[0]):
        k = 1
        while k < len(rest) and is_box_item(rest[k]):
            k += 1
    nxt = rest[k] if k < len(rest) else ""
    if not nxt or is_nav_line(nxt) or is_boilerplate(nxt):
        return False
    return is_sentence(nxt) or (words(nxt) >= 8 and len(re.findall(r"\b[a-z]{2,}\b", nxt)) >= 4)


def drop_chrome(paras: list[str]) -> list[str]:
    """Remove page chrome inside a body: boilerplate lines, menu runs, the 'Where Can I Use This?' box."""
    return [paras[i] for i in chrome_free(paras)]


def box_end(paras: list[str], i: int) -> int:
    """Index after the 'Where Can I Use This?' box whose heading is paras[i]."""
    i += 1
    while i < len(paras) and (is_box_item(paras[i]) or is_boilerplate(paras[i])):
        i += 1
    return i


_VERSIONED = re.compile(r"\b\d+\.\d+")


def box_requirements(items: list[str]) -> str | None:
    """What a 'Where Can I Use This?' box requires at a release ("CN-Series 10.2.x or above
    Container Images", "Panorama PAN-OS 11.1.5 and ... Plugin 2.0.0"), as one sentence of
    the body: the box is the page's only statement of its minimum versions. The products
    and licenses it names without a release are the page's scope, read elsewhere, and
    would only repeat on every page. A lead-in just above a release ("One of the following
    for Panorama managed NGFWs:") stays, so alternatives do not read as all required."""
    said: list[str] = []
    for k, item in enumerate(items):
        if not _VERSIONED.search(item) or item.strip().endswith(":"):
            continue
        lead = items[k - 1].strip() if k else ""
        if lead.endswith(":") and lead not in said:
            said.append(lead)
        said.append(item.strip())
    if not any(_VERSIONED.search(s) for s in said):
        return None
    text = ""
    for s in said:
        text += s + (" " if s.endswith(":") else "; ")
    return "What Do I Need? " + text.rstrip("; ") + "."


def chrome_free(paras: list[str]) -> list[int]:
    """Indices of the paragraphs (or lines) that are not page chrome."""
    keep: list[int] = []
    i = 0
    while i < len(paras):
        p = paras[i]
        if WHERE_BOX.match(p.strip()):
            i = box_end(paras, i)
            continue
        if is_boilerplate(p):
            i += 1
            continue
        if is_nav_line(p):  # a run of five or more menu entries is a menu, not a list
            j = i
            while j < len(paras) and is_nav_line(paras[j]):
                j += 1
            if j - i >= 5:
                i = j
                continue
            if p.strip() in ("-", "|", "*"):
                i += 1
                continue
        keep.append(i)
        i += 1
    return keep


# --------------------------------------------------------------------------- structure


@dataclass
class Para:
    """A paragraph as a reader found it, before tables and headings are recognised."""

    text: str
    kind: str = "paragraph"  # "paragraph" | "list_item" | "heading" | "pipe_table" | "label"
    level: int = 2  # heading level, for explicit headings
    rows: list[list[str]] | None = None  # pipe table: header row first


def structure(paras: list[Para]) -> list[Block]:
    """Paragraphs -> blocks: tables as rows, headings as paths, lead-in lists as list items."""
    tables = _cell_tables(paras)
    seen: set[str] = set()  # texts met so far: a repeat of a list entry is a section heading
    blocks: list[Block] = []
    stack: list[str] = []
    sub: str | None = None  # the inline label in effect
    in_list = False
    i = 0

    def block(kind: SectionKind, text: str) -> Block:
        if sub is None:
            return Block(kind, text, tuple(stack))
        return Block(kind, text, (*stack, sub), sub, "inline_label")

    while i < len(paras):
        p = paras[i]
        headings = tuple(stack) + ((sub,) if sub else ())
        if i in tables:
            table = tables[i]
            blocks.extend(table.blocks(headings))
            i = table.end
            in_list = False
            continue
        if p.kind == "label":
            sub, in_list = p.text, False
        elif p.kind == "pipe_table" and p.rows:
            header, rows = p.rows[0], p.rows[1:]
            for cells in rows:
                blocks.extend(pipe_row_blocks(cells, header, headings))
            in_list = False
        elif p.kind == "heading" or (p.kind == "paragraph" and _looks_like_heading(paras, i, in_list, seen)):
            level = p.level if p.kind == "heading" else 2
            stack = stack[: max(level - 2, 0)] + [p.text]
            sub = None
            blocks.append(Block("heading", p.text, tuple(stack)))
            in_list = False
        elif p.kind == "list_item":
            blocks.append(block("list_item", p.text))
        else:
            prev = paras[i - 1].text if i else ""
            if is_cell(p.text) and (in_list or (prev.endswith(":") and paras[i - 1].kind != "heading")):
                blocks.append(block("list_item", p.text))
                in_list = True
            elif _is_label(paras, i):
                sub, in_list = scope_label(p.text, bold=False), False
            else:
                blocks.append(block("paragraph", p.text))
                in_list = False
        seen.add(p.text)
        i += 1
    return blocks


def _is_label(paras: list[Para], i: int) -> bool:
    """A short line naming an HA link ("Data Link (HA2)") with its details after it."""
    nxt = paras[i + 1] if i + 1 < len(paras) else None
    text = paras[i].text
    if nxt is None or nxt.kind not in ("paragraph", "list_item") or not _LINKISH.search(text) or words(text) > 10:
        return False
    if not (nxt.kind == "list_item" or is_sentence(nxt.text)):
        return False
    return scope_label(text, bold=False) is not None


_LINKISH = re.compile(r"ha|link|heart|ctrl|pkt", re.I)  # cheap test before the lexicon's


def label_line(lines: list[str], i: int) -> str | None:
    """Line i as an inline label hard-wrapped onto its details: a short line naming an HA
    link ("Data Link (HA2)") whose next line starts a sentence ("When an HA2 backup ...")."""
    if i + 1 >= len(lines) or not lines[i + 1] or lines[i + 1].isspace() or not _LINKISH.search(lines[i]):
        return None  # most lines end their paragraph, and most name no link: decide those cheaply
    line, nxt = lines[i].strip(), lines[i + 1].strip()
    if words(line) > 8:
        return None
    if not re.match(r"[A-Z]", nxt) or _BULLET.match(nxt) or "|" in line:
        return None
    return scope_label(line, bold=False)


def _cell_tables(paras: list[Para]) -> dict[int, CellTable | GluedTable | AnswerGrid]:
    """Flattened tables within each stretch of plain paragraphs, by index of their first cell."""
    found: dict[int, CellTable | GluedTable | AnswerGrid] = {}
    i = 0
    while i < len(paras):
        if paras[i].kind != "paragraph":
            i += 1
            continue
        j = i
        while j < len(paras) and paras[j].kind == "paragraph":
            j += 1
        for t in find_cell_tables([p.text for p in paras[i:j]]):
            t.start += i
            t.end += i
            found[t.start] = t
        i = j
    return found


def _looks_like_heading(paras: list[Para], i: int, in_list: bool, seen: set[str]) -> bool:
    """A short Title-Case line followed by prose, after prose (not amid cells or a lead-in list).

    A line that repeats an earlier one is a heading even after a list: pages open with a
    list of their sections, then the sections follow under the same names.
    """
    text = paras[i].text
    if not is_cell(text) or words(text) > 12 or not is_title_case(text):
        return False
    nxt = paras[i + 1] if i + 1 < len(paras) else None
    if nxt is None or nxt.kind not in ("paragraph", "list_item") or not is_sentence(nxt.text):
        return False
    if text in seen:
        return True
    prev = paras[i - 1] if i else None
    if in_list or prev is None:
        return prev is None
    return not prev.text.endswith(":") and not (prev.kind == "paragraph" and is_cell(prev.text))


# --------------------------------------------------------------------------- text scrapes


def parse_text(text: str) -> Page:
    """A plain-text scrape -> its title (first line) and body blocks."""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    first = next((ln for ln in lines if ln.strip()), "")
    title = clean(_BULLET.sub("", first.strip().lstrip("#").strip())) or None
    start, end = body_bounds(lines, title)
    if start == 0:  # no title repeat: the first line is the title unless it is prose
        first_idx = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
        if title and not is_sentence(title):
            start = first_idx + 1
    body = drop_chrome(lines[start:end])
    return Page(title=title, blocks=structure(_paragraphs(body)))


def _paragraphs(lines: list[str]) -> list[Para]:
    """Join hard-wrapped lines; '- ' lines are list items; pipe tables become rows."""
    out: list[Para] = []
    buf: list[str] = []
    kind = "paragraph"

    def flush() -> None:
        nonlocal buf, kind
        text = clean(" ".join(buf))
        if text:
            out.append(Para(text, kind))
        buf, kind = [], "paragraph"

    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            flush()
            i += 1
            continue
        if (not buf or _ends_sentence(buf[-1])) and not _BULLET.match(stripped):
            label = label_line(lines, i)
            if label:
                # "Data Link (HA2)" hard-wrapped onto its details: a label, not their first words.
                flush()
                out.append(Para(label, "label"))
                i += 1
                continue
        if i + 1 < n and is_pipe_separator(lines[i + 1]) and "|" in stripped:
            # The header may be hard-wrapped: its first part is still in the buffer.
            header_parts = [stripped]
            while buf and not _ends_sentence(buf[-1]) and len(header_parts) < 4:
                header_parts.insert(0, buf.pop().strip())
            flush()
            k = pipe_columns(lines[i + 1])
            rows, i = _pipe_rows(lines, i + 2, k)
            out.append(Para(" ".join(header_parts), "pipe_table", rows=[split_pipe_row(" ".join(header_parts))] + rows))
            continue
        if _NAV_BULLET.match(stripped) or (_BULLET.match(stripped) and (not buf or _ends_sentence(buf[-1]))):
            flush()
            buf, kind = [_BULLET.sub("", stripped, count=1)], "list_item"
        elif kind == "list_item" and buf and _ends_sentence(buf[-1]):
            flush()
            buf = [stripped]
        else:
            buf.append(stripped)
        if kind == "paragraph" and _ends_sentence(stripped):
            flush()
        i += 1
    flush()
    return out


def _ends_sentence(line: str) -> bool:
    return bool(re.search(r"[.!?:][\"'\u201d\u2019)]*$", line.strip()))


def _pipe_rows(lines: list[str], i: int, k: int) -> tuple[list[list[str]], int]:
    """Rows of a pipe table from line i: each starts on a line with a pipe and is complete when
    it ends with '|' holding all its cells (cells may be hard-wrapped over many lines)."""
    rows: list[list[str]] = []
    n = len(lines)
    j = i
    while j < n and not lines[j].strip():
        j += 1
    if j < n and "|" in lines[j]:
        i = j  # blank lines after the separator
    while i < n and "|" in lines[i]:
        buf = [lines[i].strip()]
        i += 1
        while not _row_complete(" ".join(buf), k) and i < n and lines[i].strip() and len(buf) < 200:
            buf.append(lines[i].strip())
            i += 1
        rows.append(split_pipe_row(" ".join(buf)))
        j = i
        while j < n and not lines[j].strip():
            j += 1
        if j < n and j > i and "|" in lines[j]:
            i = j  # blank lines between rows
    return rows, i


def _row_complete(text: str, k: int) -> bool:
    text = text.strip()
    pipes = text.count("|") - (1 if text.startswith("|") else 0)
    return text.endswith("|") and pipes >= k
