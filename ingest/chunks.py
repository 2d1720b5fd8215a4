"""Sections -> chunks: passages that keep to one heading, small enough to quote."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from hakb.ingest import lexicon
from hakb.ingest.models import Chunk, DocumentMeta, Section
from hakb.text import split_sentences

# About 100 words (~128 tokens): one topic per passage, and short enough that the
# embedder reads all of it. Embedding time grows with tokens, so this also keeps
# a full ingest of ~50 pages near 10 s on two cores.
MAX_CHARS = 560


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
    seen: set[str] = set()

    def flush() -> None:
        if not buf or heading is None:
            return
        text = "\n".join(buf)
        cid = chunk_id(meta, text, heading)
        if cid in seen:  # scraped pages repeat blocks; one copy is enough
            buf.clear()
            return
        seen.add(cid)
        subjects = list(dict.fromkeys(lexicon.links_in(text) + [p.name for p in lexicon.platforms_in(text)]))
        chunks.append(
            Chunk(
                chunk_id=cid,
                doc_id=meta.doc_id,
                title=meta.title,
                url=meta.url,
                section=heading,
                version=meta.version,
                scope=meta.scope,
                text=text,
                subjects=subjects,
            )
        )
        buf.clear()

    for section in sections:
        if section.kind == "heading" or not section.text.strip():
            continue
        for text in _pieces(section.text.strip()):
            if section.heading != heading or sum(map(len, buf)) + len(text) > MAX_CHARS:
                flush()
                heading = section.heading
            buf.append(text)
    flush()
    return chunks


def _pieces(text: str) -> list[str]:
    """A long paragraph split at sentence ends into parts of at most MAX_CHARS."""
    if len(text) <= MAX_CHARS:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        if current and len(current) + len(sentence) + 1 > MAX_CHARS:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        parts.append(current)
    return parts
