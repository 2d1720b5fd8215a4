"""Body blocks, and tables recovered from scrapes that flattened them.

Every reader turns a page into `Block`s (heading path below the title, kind,
text, row label); `parse.py` turns blocks into `Section`s. Tables matter most:
a row "Control Link | The HA1 link is ..." scopes every fact in it to HA1.

Scrapers flatten tables in two ways, and both are recovered here by shape:

* Pipe rows that kept their cells but were hard-wrapped:
  ``HA Links and Backup\\nLinks | Description |\\n---|---|\\nControl Link | The HA1 ... |``
  (`parse_pipe_table`).
* One cell per paragraph (`find_cell_tables`): a *header run* of short,
  unpunctuated cell paragraphs naming the columns, then rows. A row is its
  label cell, any further short value cells, then description paragraphs
  (sentences). A short cell after a description starts the next row. Rows
  whose cells were kept on one line ("28764 TCP Port used for ...") are split
  back into cells when they lead with a number.

The header's *description column* is the first header cell named like one
("Description", "Details", ...); without one, a header run is only believed
when the paragraph before it announces a table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from hakb.ingest import lexicon
from hakb.ingest.models import SectionKind

# --------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Block:
    """One piece of body text: its headings below the page title, kind, text, row label.

    `label_from` says what made the label ("row_label": a table row's first cell;
    "inline_label": a bold or inline paragraph label such as "Data Link (HA2)" that opens
    a new scope for what follows); `columns` are the column names of a row's table (or
    its caption, when a scrape glued the names into one line).
    """

    kind: SectionKind
    text: str
    headings: tuple[str, ...] = ()
    label: str | None = None
    label_from: str | None = None
    columns: tuple[str, ...] = ()
    # A row's cells after its label, one per column of `columns[1:]`: set only when the
    # reader knows which column each cell is in (an HTML or pipe table, or a flattened
    # table whose value cells are exactly as many as its columns).
    cells: tuple[str, ...] = ()


@dataclass
class Page:
    """What a reader makes of a document before `parse.py` names and numbers it."""

    title: str | None
    blocks: list[Block]
    url: str | None = None


_WS = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)\]])(?=\s|$)")
_SPACE_AFTER_OPEN = re.compile(r"([(\[])\s+")
_GLUED_SENTENCE = re.compile(r"(?<=[a-z0-9)][.!?])(\)?)(?=[A-Z][a-z])")
_SENTENCE_END = re.compile(r"[.!?:;][\"'\u201d\u2019)]*$")
_CELL_END = re.compile(r"[.!:;][\"'\u201d\u2019)]*$")
_DESCRIPTION_HEADER = re.compile(
    r"^(?:descriptions?|details?|notes?|comments?|purpose|usage|meaning|explanation|function)$", re.I
)
_TABLE_INTRO = re.compile(r"\btables?\b", re.I)
_INTRO = re.compile(r"\b(?:tables?|following|as follows)\b|:$", re.I)
_NUMERIC_CELL = re.compile(r"^\d[\d,./\u2013\u2014-]*$")
_VALUE_TOKEN = re.compile(r"^[^a-z\s]*[A-Z0-9][^a-z\s]*$")
# A value cell of a two-column table: a number, alternatives of one ("2000/500", "3/3"),
# with a unit after a space ("2000/500 ms", "1/1 min"). "802.1Q" is a name, not a value.
_KV_VALUE = re.compile(r"^(?:[\w-]+:\s*)?\d[\d,.]*(?:\s*/\s*\d[\d,.]*)*(?:\s+[A-Za-z]{1,8}|\s*%)?\*?$")
_CONTINUED = re.compile(r"\s*\((?:continued|cont\.?)\)\s*$", re.I)

MAX_CELL_WORDS = 20
MAX_NAMED_COLUMNS = 6  # a longer run of short cells is rows whose header was lost, not a header


def clean(text: str) -> str:
    """One line: collapse whitespace, close the gaps scrapers leave before punctuation.

    "see HA Modes ." -> "see HA Modes."; "( PAN-OS 11.1 )" -> "(PAN-OS 11.1)";
    "address.)You can" -> "address.) You can" (a lost paragraph break).
    """
    text = _WS.sub(" ", text.replace("\u00a0", " ")).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = _SPACE_AFTER_OPEN.sub(r"\1", text)
    return _GLUED_SENTENCE.sub(r"\1 ", text)


def words(text: str) -> int:
    return len(text.split())


def is_cell(text: str) -> bool:
    """Short and unpunctuated, like a table cell, a heading or a menu item ("Synced?" may ask)."""
    text = text.strip()
    return bool(text) and not _CELL_END.search(text) and words(text) <= MAX_CELL_WORDS


def is_sentence(text: str) -> bool:
    """Prose: several words with lowercase ones, ending like a sentence or long enough to be one."""
    text = text.strip()
    n = words(text)
    if n < 4 or not re.search(r"\b[a-z]{2,}\b", text):
        return False
    if n <= 10 and is_title_case(text) and not text.endswith("."):  # a heading, or a question as one
        return False
    return bool(_SENTENCE_END.search(text)) or n > MAX_CELL_WORDS


def is_title_case(text: str) -> bool:
    """'How an HA Pair State Affects an HA Cluster State': most longer words capitalized."""
    if not re.search(r"[A-Za-z]{2,}", text):
        return False
    tokens = [t for t in re.findall(r"[A-Za-z][\w'\u2019/-]*", text) if len(t) > 3]
    if not tokens:
        return bool(re.match(r"[A-Z0-9]", text))
    upper = sum(1 for t in tokens if t[0].isupper())
    return upper / len(tokens) >= 0.6 and text[:1].isupper()


# --------------------------------------------------------------------------- inline labels

# Bold paragraphs that introduce a remark rather than a new topic.
_ADMONITION = re.compile(r"^(?:note|tip|caution|warning|important|example|remember|best practice)s?\b", re.I)
_LABEL_END = re.compile(r"[.!?;,][\"'\u201d\u2019)]*$")
MAX_LABEL_WORDS = 10
_LEAD_IN = re.compile(r"\s[\u2014\u2013-]\s?|[\u2014\u2013]|\s:\s")
_NOT_A_NAME = re.compile(
    r"^(?:for|on|in|with|to|from|if|when|where|while|after|before|use|set|select|enable|disable|configure|edit|"
    r"add|enter|click|choose|specify|verify|connect|create|define|modify|change|the|a|an|this|these|each|both|all)\b",
    re.I,
)
_OPEN_END = re.compile(
    r"\b(?:a|an|the|and|or|of|for|to|in|on|at|by|with|from|as|is|are|be|that|which|when|if|use|uses)$", re.I
)


def scope_label(text: str, *, bold: bool) -> str | None:
    """`text` as a label that opens a new scope ("Data Link (HA2)", a bold "Clustering
    Links"), or None. A label is short and is not a sentence; one that is not bold must
    name an HA link, so a short line of prose never takes over what follows it."""
    raw = clean(text)
    text = raw.rstrip(":\u2014\u2013 -").strip()
    if not text or len(text) > 90 or words(text) > MAX_LABEL_WORDS or _LABEL_END.search(text):
        return None
    if not re.match(r"[A-Z0-9(]", text) or _ADMONITION.match(text):
        return None
    if not bold and (_LEAD_IN.search(text) or _OPEN_END.search(text) or _NOT_A_NAME.match(text) or raw.endswith(":")):
        # "HA1-A and HA1-B —SFP ports used for", "For HA3:", "Configure HA4": a lead-in with
        # its details, a step, or a line wrapped in mid-sentence, not the name of a topic.
        return None
    if lexicon.links_in(text):
        return text if bold or is_title_case(text) else None
    return text if bold and is_title_case(text) else None


# --------------------------------------------------------------------------- pipe tables

_PIPE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")


def is_pipe_separator(line: str) -> bool:
    return bool(_PIPE_SEPARATOR.match(line))


def pipe_columns(separator: str) -> int:
    return len([c for c in separator.strip().strip("|").split("|") if c.strip()])


def split_pipe_row(text: str) -> list[str]:
    """'a | b |' -> ['a', 'b']; a leading pipe is optional, empty edge cells are dropped."""
    text = text.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|"):
        text = text[:-1]
    return [clean(c) for c in text.split("|")]


def pipe_row_blocks(cells: list[str], header: list[str], headings: tuple[str, ...]) -> list[Block]:
    """One `table_row` block per row: label = first cell, text = the rest."""
    cells = [c for c in cells]
    while len(cells) > 1 and not cells[-1]:
        cells.pop()
    if not cells or not any(cells):
        return []
    label = _CONTINUED.sub("", cells[0]) or None
    rest = [c for c in cells[1:] if c]
    columns = tuple(header)
    # Every cell in its column: the row keeps them apart (a value per model column ...).
    aligned = tuple(cells[1:]) if len(cells) == len(header) and len(header) >= 2 else ()
    if not rest:
        return [Block("table_row", cells[0], headings + ((label,) if label else ()), label, columns=columns)]
    row = TableRow(cells=[[label or ""]], desc=[])
    if len(rest) == 1:
        row.desc = rest
        return row.blocks(k=2, d=1, headings=headings, columns=columns, aligned=aligned)
    row.cells.extend([c] for c in rest[:-1])
    row.desc = [rest[-1]]
    return row.blocks(k=len(rest) + 1, d=len(rest), headings=headings, columns=columns, aligned=aligned)


# --------------------------------------------------------------------------- cell tables


@dataclass
class TableRow:
    cells: list[list[str]] = field(default_factory=list)  # columns before the description; values per column
    desc: list[str] = field(default_factory=list)  # description paragraphs
    trailing: list[str] = field(default_factory=list)  # value cells after the description

    @property
    def label(self) -> str | None:
        if not self.cells:
            return None
        return _CONTINUED.sub("", ", ".join(self.cells[0])) or None

    def blocks(
        self,
        *,
        k: int,
        d: int,
        headings: tuple[str, ...],
        columns: tuple[str, ...] = (),
        aligned: tuple[str, ...] = (),
    ) -> list[Block]:
        """`columns`: the table's column names; `aligned`: the row's cells after the label,
        one per column, when the reader knows them (else the cells are worked out here
        when their count leaves no doubt)."""
        label = self.label
        if label is None:  # description paragraphs with no row to hold them
            return [Block("paragraph", t, headings) for t in self.desc]
        path = headings + (label,)
        middle = " ".join(", ".join(dict.fromkeys(col)) for col in self.cells[1:] if col)
        cells = aligned or self._aligned(columns, d)
        out: list[Block] = []
        if len(self.cells) > 1 or (k >= 3 and d >= 2):
            # Several cells qualify one description (port | protocol | description):
            # keep them in one section, so the text still says which port is which.
            head = f"{label} {middle}".strip()
            body = " ".join(self.desc)
            out.append(
                Block("table_row", f"{head}: {body}" if body else head, path, label, columns=columns, cells=cells)
            )
        else:
            for text in self.desc:
                out.append(
                    Block("table_row", f"{label}: {text}" if is_cell(text) else text, path, label, columns=columns)
                )
            if not self.desc and not self.trailing:
                out.append(Block("table_row", label, path, label, columns=columns, cells=cells))
        if self.trailing:
            out.append(
                Block("table_row", f"{label}: " + " | ".join(self.trailing), path, label, columns=columns, cells=cells)
            )
        return out

    def _aligned(self, columns: tuple[str, ...], d: int) -> tuple[str, ...]:
        """The row's cells after its label, one per column, or () when a cell may be in
        another column than its place suggests (a scrape that lost empty cells)."""
        if len(columns) < 2 or any(len(col) != 1 for col in self.cells):
            return ()
        cells = [col[0] for col in self.cells[1:]]
        if d >= 1 and self.desc:
            cells.append(" ".join(self.desc))
        cells.extend(self.trailing)
        return tuple(cells) if len(cells) == len(columns) - 1 else ()


@dataclass
class CellTable:
    start: int  # index of the first header cell
    end: int  # index after the last paragraph of the table
    header: list[str]
    desc_col: int  # index of the description column
    rows: list[TableRow]
    caption: list[str] = field(default_factory=list)  # a header that lost its cells, kept as text

    def blocks(self, headings: tuple[str, ...]) -> list[Block]:
        out: list[Block] = [Block("paragraph", c, headings) for c in self.caption]
        # A table whose header cells were lost keeps its caption as the names of its columns.
        columns = tuple(self.header) if any(self.header) else tuple(self.caption)
        for row in self.rows:
            out.extend(row.blocks(k=len(self.header), d=self.desc_col, headings=headings, columns=columns))
        return out


def _whole_row(text: str, k: int) -> tuple[list[str], str] | None:
    """'28764 TCP Port used for ...' in a 3-column table -> (['28764', 'TCP'], 'Port used for ...')."""
    if k < 3:
        return None
    tokens = text.split()
    if len(tokens) < k or not _NUMERIC_CELL.match(tokens[0]):
        return None
    cells = tokens[: k - 1]
    if not all(_VALUE_TOKEN.match(t) for t in cells[1:]):
        return None
    return cells, " ".join(tokens[k - 1 :])


def _header_at(paras: list[str], i: int, prev: str | None) -> tuple[list[str], int, int] | None:
    """A header run starting at i: (header cells, description column, paragraphs consumed)."""
    j = i
    while j < len(paras) and is_cell(paras[j]):
        j += 1
    run = paras[i:j]
    if len(run) < 2:
        return None
    after = paras[j] if j < len(paras) else None
    for jd, cell in enumerate(run):  # noqa: B007 - jd is read after the loop (for ... else)
        if _DESCRIPTION_HEADER.match(cell):
            break
    else:
        jd = -1
    if jd > 0:
        rest = len(run) - (jd + 1)
        if rest == 0:
            return (run, jd, len(run)) if after is not None else None
        if rest <= 2 * jd:  # the first row's cells follow the header
            return run[: jd + 1], jd, jd + 1
        header_len = len(run) - jd  # more columns after the description (values per model ...)
        return run[:header_len], jd, header_len
    if after is not None and _whole_row(after, len(run)):
        return run, len(run) - 1, len(run)
    if prev is not None and _TABLE_INTRO.search(prev) and after is not None and 3 <= len(run) <= MAX_NAMED_COLUMNS + 1:
        # "... the following table ...:" then column names, then the first row's label.
        return run[:-1], 1, len(run) - 1
    return None


def _split_run(run: list[str], k: int, d: int, more: bool) -> tuple[list[list[str]], list[str]]:
    """Split a run of short cells into complete short rows and the cells of a row whose
    description follows (`more`). Returns (complete rows, cells of the open row)."""
    n = len(run)
    if not more:
        rows = [run[x : x + k] for x in range(0, n, k)]
        return rows, []
    # The open row has b values in each of its d cells; rows before it are complete.
    best: tuple[int, int] | None = None  # (a complete rows, b values per cell)
    for a in range(n // k, -1, -1):
        rem = n - a * k
        if rem >= 1 and rem % d == 0 and (rem // d == 1 or d >= 2):
            best = (a, rem // d)
            if rem // d == 1:
                break
    if best is None or (best[1] > 1 and n % k == 0):
        a = n // k
        rows = [run[x : x + k] for x in range(0, a * k, k)]
        return rows, run[a * k :]
    a, _ = best
    return [run[x : x + k] for x in range(0, a * k, k)], run[a * k :]


def _columns(cells: list[str], d: int) -> list[list[str]]:
    """Cells of one row, b values per column in column order: [28769, 28260, TCP, TCP] -> [[28769, 28260], [TCP, TCP]]."""
    if not cells:
        return []
    if d <= 0 or len(cells) % d:
        return [[c] for c in cells]
    b = len(cells) // d
    return [cells[x : x + b] for x in range(0, len(cells), b)]


def find_cell_tables(paras: list[str]) -> list[CellTable | GluedTable | AnswerGrid]:
    """Tables flattened to one cell per paragraph, found by the shape of their cells."""
    tables: list[CellTable | GluedTable | AnswerGrid] = []
    i = 0
    while i < len(paras):
        if not is_cell(paras[i]):
            i += 1
            continue
        glued = find_glued_table(paras, i)
        if glued is not None:
            tables.append(glued)
            i = glued.end
            continue
        grid = find_answer_grid(paras, i)
        if grid is not None:
            tables.append(grid)
            i = grid.end
            continue
        found = _header_at(paras, i, paras[i - 1] if i else None)
        if found is None:
            j = i
            while j < len(paras) and is_cell(paras[j]):
                j += 1
            kv = _key_value_table(paras, i, j) or _periodic_table(paras, i, j)
            if kv is not None:
                tables.append(kv)
                i = kv.end
                continue
            i = j
            continue
        header, d, used = found
        table = _read_rows(paras, i, header, d, i + used)
        if table.rows:
            tables.append(table)
            i = table.end
        else:
            i += used
    return tables


def _key_value_table(paras: list[str], i: int, j: int) -> CellTable | None:
    """Short names each followed by numbers ("PA-3200 Series", "6", ...): a two-column table
    whose header cells were lost. A leading name without a number is its header, kept as text."""
    run = paras[i:j]
    is_value = [bool(_KV_VALUE.match(c)) for c in run]
    if len(run) < 4 or is_value[0] or sum(is_value) < max(2, len(run) // 3):
        return None
    rows: list[TableRow] = []
    caption: list[str] = []
    for cell, value in zip(run, is_value, strict=True):
        if value:
            rows[-1].desc = [f"{rows[-1].desc[0]}; {cell}" if rows[-1].desc else cell]
        else:
            rows.append(TableRow(cells=[[cell]]))
    # Leading names without a value are the table's header cells ("HA Timer on ...",
    # "Default values for Recommended/Aggressive profiles"): its caption.
    while rows and not rows[0].desc and len(caption) < 2:
        caption.append(rows.pop(0).cells[0][0])
    if sum(1 for r in rows if r.desc) < max(2, (2 * len(rows)) // 3):
        return None
    if len(caption) == 2:
        # The second header cell names what the values are ("Default values for
        # Recommended/Aggressive profiles"): each row says it beside its value.
        for r in rows:
            r.desc = [f"{v} ({caption[1]})" for v in r.desc]
    return CellTable(start=i, end=j, header=["", ""], desc_col=1, rows=rows, caption=caption)


def _periodic_table(paras: list[str], i: int, j: int) -> CellTable | None:
    """A table announced by the sentence before it whose header cells were glued into one
    line ("Interface Deployment AE Interface Ethernet Interface"), then one cell per
    paragraph. Its width is the period at which every p-th cell is a new name (the row
    labels) and the cells between them repeat a few values ("Active", "Not supported").
    A last row short of its final cell takes the sentence after it as that cell."""
    if i == 0 or not _TABLE_INTRO.search(paras[i - 1]) or j - i < 7:
        return None
    header, cells = paras[i], paras[i + 1 : j]
    for k in range(2, MAX_NAMED_COLUMNS + 1):
        short = (-len(cells)) % k
        if short > 1 or (short and (j >= len(paras) or not is_sentence(paras[j]))):
            continue
        labels = cells[0::k]
        values = [c for x, c in enumerate(cells) if x % k]
        if len(labels) < 3 or len(set(labels)) < len(labels) or set(labels) & set(values):
            continue
        if 2 * len(set(values)) > len(values):
            continue  # values of a table's cells repeat; names of a list do not
        rows = [
            TableRow(cells=[[c[0]]], trailing=list(c[1:])) for c in (cells[x : x + k] for x in range(0, len(cells), k))
        ]
        end = j
        if short:
            rows[-1].trailing.append(paras[j])
            end = j + 1
        return CellTable(start=i, end=end, header=[""] * k, desc_col=1, rows=rows, caption=[header])
    return None


def _read_rows(paras: list[str], start: int, header: list[str], d: int, i: int) -> CellTable:
    k = len(header)
    desc_last = d == k - 1
    rows: list[TableRow] = []
    row: TableRow | None = None
    long_rows = False  # has any row a sentence-long description? then more sentences continue it
    longest, counted = 0, 0  # most paragraphs in a finished row, over rows[:counted]
    n = len(paras)
    while i < n:
        p = paras[i]
        whole = _whole_row(p, k)
        if whole is not None and (row is None or row.desc or not desc_last):
            cells, desc = whole
            row = TableRow(cells=[[c] for c in cells], desc=[desc])
            rows.append(row)
            long_rows = True
            i += 1
            continue
        if not is_cell(p):
            for done in rows[counted:-1]:
                longest = max(longest, len(done.desc))
            counted = max(counted, len(rows) - 1)
            if row is not None and row.cells and not row.desc and not row.trailing:
                row.desc.append(p)
                long_rows = True
            elif row is not None and row.desc and not row.trailing and long_rows and _fits(row, rows, longest):
                row.desc.append(p)
            else:
                break  # prose after short rows or trailing values: the table is over
            i += 1
            continue
        # A run of short cells: complete rows, trailing values, the cells of a new row.
        j = i
        while j < n and is_cell(paras[j]):
            j += 1
        if j - i >= 2 and (paras[i] == header[0] or _header_at(paras, i, paras[i - 1]) is not None):
            # A new table begins here; the sentence announcing it is not part of this one.
            if row is not None and row.desc and row.desc[-1] == paras[i - 1] and _INTRO.search(row.desc[-1]):
                if len(row.desc) > 1:
                    row.desc.pop()
                    i -= 1
                elif len(row.cells) == 1 and len(row.cells[0]) == 1 and rows[-1] is row:
                    rows.pop()  # "<heading>", "The following table ...:" — a heading, not a row
                    i -= 2
            break
        run = paras[i:j]
        more = j < n and _whole_row(paras[j], k) is None and not _starts_table(paras, j)
        if not desc_last and row is not None and row.desc:
            take = d if more else 0
            row.trailing.extend(run[: len(run) - take])
            run = run[len(run) - take :]
            if not run:
                i = j
                continue
        complete, open_cells = _split_run(run, k, d, more)
        for cells in complete:
            if desc_last and len(cells) == k:
                rows.append(TableRow(cells=[[c] for c in cells[:-1]], desc=[cells[-1]]))
            else:
                rows.append(TableRow(cells=[[c] for c in cells[: d or 1]], trailing=cells[d or 1 :]))
        row = rows[-1] if rows else None
        if open_cells:
            row = TableRow(cells=_columns(open_cells, d))
            rows.append(row)
        i = j
    return CellTable(start=start, end=i, header=header, desc_col=d, rows=rows)


def _row_cap(rows: list[TableRow], longest: int) -> int:
    """How many paragraphs a row may hold before the prose after the table is taken for more of it.

    Nothing marks where a flattened table ends; once three rows are known, a row longer than
    twice the longest before it, plus two (and at least four), is the page going on.
    """
    if len(rows) <= 3:
        return 10**6
    return max(4, 2 * longest + 2)


def _fits(row: TableRow, rows: list[TableRow], longest: int) -> bool:
    return len(row.desc) < _row_cap(rows, longest)


def _starts_table(paras: list[str], j: int) -> bool:
    return j < len(paras) and is_cell(paras[j]) and _header_at(paras, j, paras[j - 1] if j else None) is not None


# --------------------------------------------------------------------------- glued rows

# A support table flattened one row per line, its cells glued to its label: "Decryption
# Port Mirror Yes Yes N/A". A cell opens with Yes, No or N/A (a closed class of answers);
# one that goes on after a comma or in brackets ("Yes, but no redundancy support", "N/A
# (HSM must be configured per node)") is one cell, and other words after a bare answer
# are the next cell ("Yes Yes Service Route").
_ANSWER_CELL = re.compile(r"^(?:Yes|No|N/A),?$")
_ANSWER_START = re.compile(r"(?<!\S)(?:Yes|No|N/A)(?=[\s,(]|$)")
MIN_GLUED_ROWS = 3


@dataclass
class GluedTable:
    """Rows "<label> <cell> <cell> ...", the line of glued column names above them, and the
    column names when the sentence announcing the table enumerates them."""

    start: int  # index of the header line
    end: int  # index after the last row
    header: str
    columns: tuple[str, ...]  # label column first; () when the header could not be split
    rows: list[tuple[str | None, str, tuple[str, ...]]]  # (group, label, cells)

    def blocks(self, headings: tuple[str, ...]) -> list[Block]:
        out: list[Block] = [] if self.columns else [Block("paragraph", self.header, headings)]
        shown: str | None = None
        for group, label, cells in self.rows:
            if group and group != shown:  # the group's name stays in the text, once
                out.append(Block("paragraph", group, headings))
                shown = group
            path = headings + ((group,) if group else ()) + (label,)
            if self.columns and len(cells) == len(self.columns) - 1:
                said = render_row(label, self.columns[1:], cells)
                out.append(Block("table_row", said, path, label, columns=self.columns, cells=cells))
            else:
                out.append(Block("table_row", f"{label} {' '.join(cells)}", path, label, columns=self.columns))
        return out


@dataclass
class GridRow:
    group: str | None
    label: str
    cells: tuple[str, ...]
    details: list[str] = field(default_factory=list)


@dataclass
class AnswerGrid:
    """A table flattened one cell per paragraph whose rows are a name, then as many short
    answer cells as every other row ("Yes", "No", "N/A", a link), then, at times, a
    sentence of details: "User to IP Address Mappings", "Yes", "Yes", "HA1", "In an A/A
    configuration, ...". A header cell may span several sub-columns named after the
    header ("Information Synced?" over "A/P" and "A/A"); a lone name between rows names
    the group of the rows after it ("Management Plane")."""

    start: int
    end: int
    columns: tuple[str, ...]  # label column first, then one per answer cell
    rows: list[GridRow]

    def blocks(self, headings: tuple[str, ...]) -> list[Block]:
        out: list[Block] = []
        shown: str | None = None
        for row in self.rows:
            if row.group and row.group != shown:
                out.append(Block("paragraph", row.group, headings))
                shown = row.group
            path = headings + ((row.group,) if row.group else ()) + (row.label,)
            said = render_row(row.label, self.columns[1:], row.cells)
            out.append(Block("table_row", said, path, row.label, columns=self.columns, cells=row.cells))
            for text in row.details:
                out.append(Block("table_row", f"{row.label}: {text}", path, row.label))
        return out


MIN_GRID_ROWS = 3
# How far a grid's answer cells are counted: a value repeated within it is an answer.
_GRID_REACH = 400


def find_answer_grid(paras: list[str], i: int) -> AnswerGrid | None:
    """An answer grid whose header starts at paras[i], or None. Answers are the short
    cells that repeat (twice or more within reach) or say Yes, No or N/A; a row is a
    cell that is none of them followed by n answers, n the same for most rows."""
    reach = paras[i : i + _GRID_REACH]
    seen: dict[str, int] = {}
    for p in reach:
        if is_cell(p) and words(p) <= 3:
            seen[p] = seen.get(p, 0) + 1

    def answer(x: int) -> bool:
        p = paras[x]
        return is_cell(p) and (seen.get(p, 0) >= 2 or _ANSWER_CELL.match(p) is not None)

    def answers_after(x: int) -> int:
        n = 0
        while x + 1 + n < len(paras) and answer(x + 1 + n):
            n += 1
        return n

    # The first row: a name the answers follow, after the header's cells.
    first = next((x for x in range(i, min(len(paras), i + 3 * MAX_NAMED_COLUMNS)) if answer(x)), None)
    if first is None or first - 1 <= i or any(not is_cell(p) for p in paras[i:first]):
        return None
    n = answers_after(first - 1)
    if n < 2:
        return None
    header = paras[i : first - 1]
    rows: list[GridRow] = []
    group: str | None = None
    x = first - 1
    while x < len(paras):
        p = paras[x]
        if not is_cell(p) or answer(x):
            break
        if answers_after(x) == n:
            rows.append(GridRow(group, p, tuple(paras[x + 1 : x + 1 + n])))
            x += 1 + n
            while x < len(paras) and not is_cell(paras[x]):  # the row's details
                rows[-1].details.append(paras[x])
                x += 1
            continue
        if x + 1 < len(paras) and is_cell(paras[x + 1]) and not answer(x + 1) and answers_after(x + 1) == n:
            group = p  # a lone name before a row: the rows' group
            x += 1
            continue
        break
    answered = sum(1 for r in rows if any(_ANSWER_CELL.match(c) for c in r.cells))
    if len(rows) < MIN_GRID_ROWS or 2 * answered < len(rows):
        return None
    read = _grid_columns(header, n, any(r.details for r in rows))
    if read is None:
        return None
    columns, first_group = read
    for row in rows:
        if row.group is not None:
            break
        row.group = first_group
    return AnswerGrid(start=i, end=x, columns=columns, rows=rows)


def _grid_columns(header: list[str], n: int, details: bool) -> tuple[tuple[str, ...], str | None] | None:
    """The label column's name and the n answer columns' names, from the header cells before
    the first row: the top header (label, answer columns, a details column), then the
    sub-columns of its first answer column when it has more answers than names, then a
    group's name (returned beside the columns). None when the counts do not tell them
    apart."""
    desc = next((k for k, c in enumerate(header) if _DESCRIPTION_HEADER.match(c)), None)
    top = header[: desc + 1] if desc is not None else header[: n + 1]
    named = [c for k, c in enumerate(top) if k and k != desc]
    if len(top) < 2 or not named:
        return None
    rest = header[len(top) :]
    subs = n - len(named) + 1 if len(named) < n else 0
    if subs == 1 or len(rest) - subs not in (0, 1) or (desc is None and len(named) != n):
        return None
    if subs:
        parent = named[0]
        named = [f"{parent} {sub}" for sub in rest[:subs]] + named[1:]
    if len(named) != n or (details and desc is None and len(top) > n + 1):
        return None
    group = rest[subs] if len(rest) > subs else None
    return (top[0], *named), group


def render_row(label: str, columns: Sequence[str], cells: Sequence[str]) -> str:
    """A row with each cell beside its column's name, as `read_row` reads it back:
    "Clientless SSLVPN — Standalone PA-7500 Series Firewall: Yes; NGFW Cluster Node: No"."""
    return f"{label} — " + "; ".join(f"{name}: {cell}" for name, cell in zip(columns, cells, strict=True))


_RENDERED_ROW = re.compile(r"^(?P<label>.+?) \u2014 (?P<pairs>[^;]+?: [^;]+(?:; [^;]+?: [^;]+)+)$")


def read_row(text: str) -> tuple[str, list[tuple[str, str]]] | None:
    """`render_row`'s text -> (label, [(column, cell), ...]), or None for any other text."""
    m = _RENDERED_ROW.match(text.strip())
    if m is None:
        return None
    pairs = [tuple(p.rsplit(": ", 1)) for p in m.group("pairs").split("; ")]
    if any(len(p) != 2 for p in pairs):
        return None
    return m.group("label"), [(name, cell) for name, cell in pairs]


def glued_cells(text: str) -> tuple[str, tuple[str, ...]] | None:
    """'Network Packet Broker Yes Yes, but no redundancy support No' ->
    ('Network Packet Broker', ('Yes', 'Yes, but no redundancy support', 'No')), or None."""
    first = _ANSWER_START.search(text)
    if first is None or first.start() == 0 or _CELL_END.search(text):
        return None
    label = text[: first.start()].strip()
    cells: list[list[str]] = []
    for token in text[first.start() :].split():
        last = cells[-1] if cells else None
        opens = _ANSWER_CELL.match(token) is not None
        bare = last is not None and len(last) == 1 and _ANSWER_CELL.match(last[0]) and not last[0].endswith(",")
        if last is None or opens or (bare and not token.startswith("(")):
            cells.append([token])
        else:
            last.append(token)
    return label, tuple(" ".join(c) for c in cells)


def find_glued_table(paras: list[str], i: int) -> GluedTable | None:
    """A glued-row table whose header line is paras[i], or None. Between rows, a short line
    with no cells names the group of the rows after it ("Proxy", "User-ID and Configuration")."""
    header = paras[i]
    if not is_title_case(header) or glued_cells(header) is not None:
        return None
    rows: list[tuple[str | None, str, tuple[str, ...]]] = []
    group: str | None = None
    j = i + 1
    while j < len(paras) and is_cell(paras[j]):
        parsed = glued_cells(paras[j])
        if parsed is not None and len(parsed[1]) >= 2:
            rows.append((group, *parsed))
        elif parsed is None and words(paras[j]) <= 6:
            group = paras[j]
        else:
            break
        j += 1
    counts = [len(cells) for _, _, cells in rows]
    k = max(counts, key=counts.count, default=0)
    if len(rows) < MIN_GLUED_ROWS or 2 * counts.count(k) < len(rows):
        return None  # rows of a table have as many cells, but for a few a scrape merged
    while j > i + 1 and glued_cells(paras[j - 1]) is None:
        j -= 1  # a group name after the last row is the page going on
    columns = _glued_columns(header, paras[i - 1] if i else "", k + 1)
    return GluedTable(start=i, end=j, header=header, columns=columns, rows=rows)


_ENUMERATION = re.compile(r",\s*(?:and\s+|or\s+)?|\s+and\s+(?=whether\b)", re.I)


def _glued_columns(header: str, intro: str, n: int) -> tuple[str, ...]:
    """The header's n column names, split where the announcing sentence's enumeration
    moves on ("lists Layer 7 features and whether a standalone PA-7500 Series firewall
    supports them, whether NGFW cluster nodes support them, and whether they support
    graceful failover": each header word goes with the part that says it), or () when
    the sentence does not enumerate n parts that the header follows in order."""
    last = re.split(r"(?<=[.!?])\s+(?=[A-Z])", intro.strip())[-1]  # the sentence that announces it
    parts = [p for p in _ENUMERATION.split(last.rstrip(" .:")) if p.strip()]
    if len(parts) != n:
        return ()
    said = [{_word_key(w) for w in p.split()} for p in parts]
    tokens = header.split()
    owner: list[int] = []
    at = 0
    for t in tokens:
        hit = next((k for k in range(at, n) if _word_key(t) in said[k]), None)
        if hit is not None:
            at = hit
        owner.append(at)
    if owner != sorted(owner) or set(owner) != set(range(n)):
        return ()
    return tuple(" ".join(t for t, o in zip(tokens, owner, strict=True) if o == k) for k in range(n))


def _word_key(word: str) -> str:
    """A word as two spellings of it compare: lower case, no plural s ("nodes" ~ "Node")."""
    w = word.lower().strip(".,:;()")
    return w[:-1] if len(w) > 3 and w.endswith("s") else w
