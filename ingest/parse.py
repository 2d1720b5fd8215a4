"""A `RawDocument` -> `(DocumentMeta, [Section])`: pick the reader, name and number the result.

    meta, sections = parse_document(load("data/docs/ha-links-and-backup-links.txt"),
                                    hint_for("data/docs/ha-links-and-backup-links.txt"))

or, in one call, `read_document(path_or_url)`. Where facts come from:

* doc_id: slug of the file stem (`ha-links-and-backup-links`), or of the URL path
  with "/" as "__" (`ngfw__administration__high-availability__ha-links-and-backup-links`,
  the same id the corpus files have).
* title: manifest > Markdown front matter / "# Title Clear" > HTML <h1>/<title>
  > the first line of a text scrape > the file name.
* url: manifest > front matter `url:` > the fetched URL.
* scope (product, deployment, versions, kind of page; `hakb.ingest.scope`): manifest >
  URL path, breadcrumb, version picker, "Where Can I Use This?" box, title.
  version: the manifest's words, else the versions the scope found ("PAN-OS 10.1").

Whatever the input, the only exceptions that leave here are `IngestError`s.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from hakb.ingest.docs_manifest import hint_for
from hakb.ingest.errors import IngestError, NoBodyError, ParseError
from hakb.ingest.html import parse_html
from hakb.ingest.loaders import RawDocument, is_url, load
from hakb.ingest.markdown import parse_markdown
from hakb.ingest.models import DocKind, DocumentMeta, LabelFrom, Section
from hakb.ingest.scope import read_scope, version_label
from hakb.ingest.tables import Block, Page
from hakb.ingest.text import parse_text

log = logging.getLogger(__name__)

READERS: dict[DocKind, Callable[[str], Page]] = {
    "text": parse_text,
    "markdown": parse_markdown,
    "html": parse_html,
}


def slug(text: str) -> str:
    """'HA Links & Backup Links' -> 'ha-links-backup-links'; '__' (a path separator) is kept."""
    text = unquote(text).lower()
    text = re.sub(r"[^a-z0-9_-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text)
    text = re.sub(r"_{3,}", "__", text)
    return text.strip("-_") or "document"


def doc_id_for(source: str) -> str:
    """Stable id: the file stem, or the URL path segments joined with '__'."""
    if is_url(source):
        parts = urlsplit(source)
        segments = [s for s in parts.path.split("/") if s]
        if segments:
            segments[-1] = re.sub(r"\.(?:html?|md|txt)$", "", segments[-1], flags=re.I)
        return slug("__".join(slug(s) for s in segments) if segments else parts.netloc)
    return slug(Path(source).stem)


def parse_document(raw: RawDocument, meta_hint: Mapping[str, str] | None = None) -> tuple[DocumentMeta, list[Section]]:
    """Read a document's body into sections; `meta_hint` (a manifest entry) overrides what it says."""
    reader = READERS.get(raw.kind)
    if reader is None:
        raise ParseError(raw.source, f"no reader for documents of kind {raw.kind!r}")
    try:
        page = reader(raw.text)
    except IngestError:
        raise
    except RecursionError:
        # Elements nested thousands deep (broken or hostile markup) overflow the tree
        # walk: refuse the document plainly, without a thousand-frame traceback.
        raise ParseError(raw.source, f"the {raw.kind} markup is nested too deeply to read") from None
    except Exception as exc:  # a reader bug must cost one document, never the build
        log.exception("reader %s failed on %s", raw.kind, raw.source)
        raise ParseError(raw.source, f"the {raw.kind} reader failed ({exc.__class__.__name__}: {exc})") from exc

    hint = dict(meta_hint or {})
    doc_id = doc_id_for(raw.url or raw.source if is_url(raw.source) else raw.source)
    title = hint.get("title") or page.title or raw.name or doc_id
    url = hint.get("url") or page.url or raw.url or (raw.source if is_url(raw.source) else None)
    try:
        scope = read_scope(url=url, title=title, text=raw.text, kind=raw.kind, hint=hint)
    except (RecursionError, ValueError) as exc:  # markup too broken to read its chrome: the URL still says
        log.warning("scope of %s read from its URL only (%s)", raw.source, exc.__class__.__name__)
        scope = read_scope(url=url, title=title, hint=hint)
    meta = DocumentMeta(
        doc_id=doc_id,
        title=title,
        url=url,
        version=version_label(scope, hint.get("version")),
        scope=scope,
        source=raw.source,
        kind=raw.kind,
        sha256=raw.sha256,
    )
    sections: list[Section] = []
    for block in page.blocks:
        if not block.text.strip():
            continue
        sections.append(
            Section(
                doc_id=doc_id,
                path=(title, *block.headings),
                kind=block.kind,
                text=block.text,
                label=block.label,
                order=len(sections),
                label_from=_label_from(block),
                columns=block.columns,
                cells=block.cells,
            )
        )
    if not any(s.kind != "heading" for s in sections):
        raise NoBodyError(raw.source, "no body text was found once navigation and page chrome were dropped")
    log.info("parsed %s: %s %r, %d sections", raw.source, raw.kind, title, len(sections))
    return meta, sections


def _label_from(block: Block) -> LabelFrom | None:
    """What made a block's label; a table row whose reader did not say has a row label."""
    if block.label_from == "inline_label":
        return "inline_label"
    if block.label_from == "row_label" or (block.label and block.kind == "table_row"):
        return "row_label"
    return None


def read_document(
    source: str | Path, *, timeout: float = 10.0, meta_hint: Mapping[str, str] | None = None
) -> tuple[DocumentMeta, list[Section]]:
    """Load and parse one path or URL, with the hint from its directory's manifest.json."""
    raw = load(source, timeout=timeout)
    return parse_document(raw, meta_hint if meta_hint is not None else hint_for(source))
