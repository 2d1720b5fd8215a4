"""HTML pages, read with BeautifulSoup and lxml.

The docs site wraps each article in chrome: a header with product menus, a
breadcrumb trail, a version picker, a table of contents, "Updated on" and
"Download PDF", a "Where Can I Use This? What Do I Need?" box, "Previous" and
"Next" links and a footer. All of that goes; the article stays:

* h1 is the title; h2-h4 build the heading path of what follows them.
* p (and loose text) -> `paragraph`; ul/ol items -> `list_item`.
* table rows -> `table_row` with label = the first cell. In a two-column
  (label | description) table each paragraph and list item of the description
  is its own section labelled with the row; with more columns the row stays one
  section, "<label> <cells>: <description>", so its values stay together.
* an inline or bold paragraph label ("<p><b>Data Link (HA2)</b></p>", or a short
  "Data Link (HA2)" line) opens a new scope: what follows it, to the end of its
  table cell, the next label or the next heading, is labelled with it, not with
  the row or heading before it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from hakb.ingest import lexicon
from hakb.ingest.models import SectionKind
from hakb.ingest.tables import Block, Page, TableRow, clean, scope_label, words
from hakb.ingest.text import is_boilerplate

DROP_TAGS = frozenset(
    "script style noscript template svg canvas nav header footer aside form button select option "
    "input textarea iframe dialog object embed map".split()
)
DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"})
# Class/id words that mark page chrome on documentation sites.
CHROME_WORDS = frozenset(
    "breadcrumb breadcrumbs toc sidebar sidenav menu navbar nav navigation footer pagination pager prevnext "
    "prev next previous version versions picker selector feedback cookie cookies share social skip "
    "download pdf banner masthead topbar toolbar search".split()
)
BLOCK_TAGS = frozenset(
    "p div section article main blockquote pre figure figcaption dl dt dd ul ol li table "
    "h1 h2 h3 h4 h5 h6 hr details summary center address".split()
)
_PROTECTED = frozenset({"h1", "article", "main"})
_NESTED_BLOCKS = frozenset({"ul", "ol", "table", "p", "div"})
_LISTS_AND_TABLES = frozenset({"ul", "ol", "table"})
_CELLS = frozenset({"td", "th"})
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_WHERE_BOX = re.compile(r"^\s*Where Can I Use This", re.I)
_TITLE_SUFFIX = re.compile(r"\s+[|\u2013\u2014-]\s+[^|\u2013\u2014-]{2,60}$")


def parse_html(text: str) -> Page:
    """An HTML page -> title, canonical URL and body blocks."""
    with warnings.catch_warnings():  # bs4 warns when markup looks like a URL or file name
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(text, "lxml")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    url = _canonical(soup)
    h1 = _main_h1(soup)
    title = clean(h1.get_text(" ")) if h1 is not None else None
    if not title and soup.title is not None:
        title = _TITLE_SUFFIX.sub("", clean(soup.title.get_text(" "))) or None
    root = _main(soup)
    _drop_chrome(root)
    walker = _Walker()
    walker.walk(root)
    walker.flush()
    blocks = [b for b in walker.blocks if not is_boilerplate(b.text) and b.text != title]
    return Page(title=title, blocks=blocks, url=url)


def _canonical(soup: BeautifulSoup) -> str | None:
    link = soup.find("link", rel=lambda v: v is not None and "canonical" in v)
    href = link.get("href") if isinstance(link, Tag) else None
    if isinstance(href, str) and href.startswith(("http://", "https://")):
        return href.strip()
    meta = soup.find("meta", property="og:url")
    content = meta.get("content") if isinstance(meta, Tag) else None
    return content.strip() if isinstance(content, str) and content.startswith(("http://", "https://")) else None


def _main_h1(soup: BeautifulSoup) -> Tag | None:
    for container in (soup.find("article"), soup.find("main"), soup):
        if isinstance(container, Tag) or container is soup:
            h1 = container.find("h1") if container is not None else None
            if isinstance(h1, Tag) and clean(h1.get_text(" ")):
                return h1
    return None


def _main(soup: BeautifulSoup) -> Tag:
    for found in (soup.find("article"), soup.find("main"), soup.find(role="main"), soup.body):
        if isinstance(found, Tag):
            return found
    return soup


def _is_chrome(tag: Tag) -> bool:
    if tag.name in DROP_TAGS:
        return True
    role = tag.get("role")
    if isinstance(role, str) and role.lower() in DROP_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    names: list[str] = []
    classes = tag.get("class")
    if isinstance(classes, list):
        names.extend(classes)
    tag_id = tag.get("id")
    if isinstance(tag_id, str):
        names.append(tag_id)
    for name in names:
        words = set(re.split(r"[-_\s]+", name.lower()))
        if words & CHROME_WORDS:
            return True
    return False


def _drop_chrome(root: Tag) -> None:
    """Remove navigation and chrome, but never what holds the article's heading or body."""

    def prune(node: Tag) -> None:
        for child in list(node.children):
            if not isinstance(child, Tag):
                continue
            if _is_chrome(child) and not _has(child, _PROTECTED):
                child.decompose()
            else:
                prune(child)

    prune(root)
    # The "Where Can I Use This? What Do I Need?" box: the largest element that starts with it.
    boxes: dict[int, Tag] = {}
    for node in root.find_all(string=_WHERE_BOX):
        box = node.parent
        while (
            box is not None
            and box.parent is not None
            and box.parent is not root
            and _WHERE_BOX.match(box.parent.get_text(" "))
            and len(box.parent.get_text(" ")) < 2000
        ):
            box = box.parent
        if box is not None and box is not root:
            boxes[id(box)] = box
    for box in boxes.values():
        if not any(id(p) in boxes for p in box.parents):
            box.decompose()


def _has(tag: Tag, names: frozenset[str]) -> bool:
    """Does the tag contain an element with one of these names? (Faster than bs4's find.)"""
    return any(isinstance(d, Tag) and d.name in names for d in tag.descendants)


def _children(tag: Tag, names: frozenset[str]) -> list[Tag]:
    return [c for c in tag.children if isinstance(c, Tag) and c.name in names]


@dataclass
class _Scope:
    """What the blocks being read are about: a table row, or an inline label, or neither."""

    label: str | None = None
    path: tuple[str, ...] | None = None  # None: the heading path
    label_from: str | None = None
    in_row: bool = False  # inside a table cell: blocks are table rows
    base: tuple[str, ...] | None = None  # the row's path without its label (inside a cell)


_EMPHASIS = frozenset({"b", "strong"})


def _emphasised(tag: Tag) -> str:
    """The text of a tag's bold parts, in order (a bold inside a bold counts once)."""
    parts: list[str] = []
    for element in tag.find_all(_EMPHASIS):
        nested = False
        for parent in element.parents:
            if parent is tag:
                break
            if parent.name in _EMPHASIS:
                nested = True
                break
        if not nested:
            parts.append(element.get_text(" "))
    return clean(" ".join(parts))


def _paragraph_label(tag: Tag) -> tuple[str, bool] | None:
    """A paragraph that is a label: (label, whole) where `whole` says the paragraph is only
    the label ("<p><b>Data Link (HA2)</b></p>"); a bold lead-in that names an HA link
    ("<p><b>Data Link (HA2)</b> When ...</p>") labels its paragraph and what follows."""
    if tag.name not in ("p", "div", "dt") or _has(tag, _NESTED_BLOCKS | _LISTS_AND_TABLES):
        return None
    text = clean(tag.get_text(" "))
    bold = _emphasised(tag)
    if bold and bold == text:
        label = scope_label(text, bold=True)
        return (label, True) if label else None
    if not bold:
        label = scope_label(text, bold=False)
        return (label, True) if label else None
    first = next((c for c in tag.children if not (isinstance(c, NavigableString) and not str(c).strip())), None)
    if isinstance(first, Tag) and first.name in _EMPHASIS and text.startswith(clean(first.get_text(" "))):
        lead = clean(first.get_text(" "))
        label = scope_label(lead, bold=True)
        if label and lexicon.links_in(label) and words(text) > words(lead):
            return label, False
    return None


class _Walker:
    """Walks the article in document order, collecting blocks.

    Inside a table cell, blocks carry the row's label; an inline or bold paragraph label
    ("Data Link (HA2)") opens a new scope for what follows it, up to the end of the cell,
    the next label or the next heading.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.stack: list[str] = []
        self.inline: list[str] = []
        self.scope = _Scope()

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(self.stack)

    def flush(self, kind: SectionKind | None = None) -> None:
        text = clean(" ".join(self.inline))
        self.inline = []
        if text:
            scope = self.scope
            kind = kind or ("table_row" if scope.in_row else "paragraph")
            path = scope.path if scope.path is not None else self.headings
            self.blocks.append(Block(kind, text, path, scope.label, scope.label_from))

    def open_label(self, label: str) -> None:
        """What follows is about `label`: it replaces the row's (or the last label's) scope."""
        scope = self.scope
        base = scope.base if scope.in_row and scope.base is not None else self.headings
        self.scope = _Scope(label, base + (label,), "inline_label", scope.in_row, scope.base)

    def walk(self, node: Tag) -> None:
        """Blocks from a container, in the current scope (a table row's inside a cell)."""
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, Comment) and str(child).strip():
                    self.inline.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name == "br":
                self.inline.append(" ")
                continue
            if name not in BLOCK_TAGS and not _has(child, BLOCK_TAGS):
                self.inline.append(child.get_text(" "))
                continue
            self.flush()
            label = _paragraph_label(child)
            if label is not None:
                self.open_label(label[0])
                if label[1]:
                    continue  # the label is the path of what follows, not a block of its own
            if name in HEADINGS:
                self._heading(child)
            elif name in ("ul", "ol"):
                self._list(child)
            elif name == "table":
                self._table(child)
            elif name in ("p", "pre", "dt", "dd", "figcaption", "summary") and not _has(child, _NESTED_BLOCKS):
                self.inline.append(child.get_text(" "))
                self.flush()
            else:
                self.walk(child)
                self.flush()

    def _heading(self, tag: Tag) -> None:
        text = clean(tag.get_text(" "))
        if not text:
            return
        if self.scope.in_row:  # a heading inside a table cell is just text of the row
            scope = self.scope
            self.blocks.append(Block("table_row", text, scope.path or self.headings, scope.label, scope.label_from))
            return
        level = HEADINGS[tag.name or "h2"]
        self.scope = _Scope()  # a heading ends any inline label
        if level == 1:
            self.stack = []
            return
        self.stack = self.stack[: max(level - 2, 0)]
        self.stack.append(text)
        self.blocks.append(Block("heading", text, self.headings))

    def _list(self, tag: Tag) -> None:
        for li in _children(tag, frozenset({"li"})):
            nested = _children(li, _LISTS_AND_TABLES)
            for n in nested:
                n.extract()
            self.inline.append(li.get_text(" "))
            self.flush("list_item")
            for n in nested:
                if n.name == "table":
                    self._table(n)
                else:
                    self._list(n)

    def _table(self, table: Tag) -> None:
        rows: list[tuple[Tag, bool]] = []  # (row, in <thead>)
        for child in _children(table, _ROW_GROUPS | {"tr"}):
            if child.name == "tr":
                rows.append((child, False))
            else:
                rows.extend((tr, child.name == "thead") for tr in _children(child, frozenset({"tr"})))
        width = max((len(_children(tr, _CELLS)) for tr, _ in rows), default=0)
        outer = self.scope
        base = outer.path if outer.path is not None else self.headings
        columns: tuple[str, ...] = ()
        for tr, in_head in rows:
            cells = _children(tr, _CELLS)
            if not cells:
                continue
            if in_head or all(c.name == "th" for c in cells) and len(cells) > 1:
                # The header row names columns; it says nothing by itself.
                columns = tuple(clean(c.get_text(" ")) for c in cells)
                continue
            texts = [clean(c.get_text(" ")) for c in cells]
            if len(cells) == 1:  # a row spanning the table: a sub-heading or a note
                if texts[0]:
                    kind: SectionKind = "table_row" if outer.label else "paragraph"
                    self.blocks.append(Block(kind, texts[0], base, outer.label, outer.label_from))
                continue
            row_label = (
                re.sub(r"\s*\((?:continued|cont\.?)\)\s*$", "", ", ".join(_values(cells[0])), flags=re.I) or None
            )
            if row_label is None:
                continue
            row_path = base + (row_label,)
            aligned = tuple(texts[1:]) if len(columns) == len(cells) else ()
            if width >= 3:
                # "28901<br>28902" is two values of one cell: keep them apart as "28901, 28902".
                values = [_values(c) for c in cells[:-1]]
                row = TableRow(cells=[col for col in values if col], desc=[texts[-1]] if texts[-1] else [])
                self.blocks.extend(row.blocks(k=width, d=width - 1, headings=base, columns=columns, aligned=aligned))
                continue
            before = len(self.blocks)
            for cell in cells[1:]:
                self.scope = _Scope(row_label, row_path, "row_label", True, base)
                self.walk(cell)
                self.flush()
            self.scope = outer
            for i in range(before, len(self.blocks)):
                b = self.blocks[i]
                if b.label == row_label and b.label_from == "row_label":
                    self.blocks[i] = Block(b.kind, b.text, b.headings, b.label, b.label_from, columns, aligned)
            if len(self.blocks) == before:  # a label with an empty description
                self.blocks.append(Block("table_row", row_label, row_path, row_label, "row_label", columns, aligned))


def _values(cell: Tag) -> list[str]:
    """The values of a cell: its lines, split where the page breaks them (br, p, li)."""
    for br in [d for d in cell.descendants if isinstance(d, Tag) and d.name == "br"]:
        br.replace_with("\n")
    text = cell.get_text("\n") if _has(cell, frozenset({"p", "li", "div"})) else cell.get_text()
    return [v for v in (clean(line) for line in text.split("\n")) if v]
