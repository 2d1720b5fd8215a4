"""Sections -> chunks: passages that keep to one heading, small enough to quote."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ingest import lexicon
from ingest.models import Chunk, DocumentMeta, Section

MAX_CHARS = 900  # about 180 words: a table row or two paragraphs, one topic


def chunk_id(meta: DocumentMeta, text: str, section: str) -> str:
    """Content-addressed: the same passage of the same document keeps its id (and its vector)."""
    return hashlib.sha1(f"{meta.doc_id}\x00{section}\x00{text}".encode()).hexdigest()[:20]


def embedding_text(chunk: Chunk) -> str:
    """What is embedded: the passage with its title and heading, which carry its topic."""
    return f"{chunk.title} > {chunk.section.split(' > ', 1)[-1]}: {chunk.text}"


def make_chunks(meta: DocumentMeta, sections: Iterable[Section]) -> list[Chunk]:
    """Consecutive sections under the same heading are packed up to MAX_CHARS.

    A chunk never spans two headings (or two table rows), so its citation names
    exactly one section.
    """
    chunks: list[Chunk] = []
    buf: list[str] = []
    heading: str | None = None

    def flush() -> None:
        if not buf or heading is None:
            return
        text = "\n".join(buf)
        subjects = list(dict.fromkeys(lexicon.links_in(text) + [p.name for p in lexicon.platforms_in(text)]))
        chunks.append(
            Chunk(
                chunk_id=chunk_id(meta, text, heading),
                doc_id=meta.doc_id,
                title=meta.title,
                url=meta.url,
                section=heading,
                version=meta.version,
                text=text,
                subjects=subjects,
            )
        )
        buf.clear()

    for section in sections:
        if section.kind == "heading" or not section.text.strip():
            continue
        text = section.text.strip()
        if section.heading != heading or sum(map(len, buf)) + len(text) > MAX_CHARS:
            flush()
            heading = section.heading
        buf.append(text)
    flush()
    return chunks
