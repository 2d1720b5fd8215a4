"""One ingest: sources -> sections -> facts + chunks -> a new sealed build.

Documents already in the current build and not named again are carried over
(their sections are re-read from the build, their vectors reused), so adding one
page does not drop the others. A document that fails to load keeps its previous
version if the current build has one. Nothing becomes current until the new
build is complete; on any error the partial build is removed.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import numpy as np

import hakb.text
from hakb.ingest import builds
from hakb.ingest.chunks import embedding_text, make_chunks
from hakb.ingest.embedder import Embedder, EmbedderError, OnnxEmbedder
from hakb.ingest.errors import IngestError
from hakb.ingest.facts import FactExtractor, mark_conflicts
from hakb.ingest.keyword import KeywordIndex, KeywordIndexError
from hakb.ingest.loaders import iter_sources
from hakb.ingest.models import Chunk, DocumentMeta, DocumentReport, Fact, Manifest, Scope, Section
from hakb.ingest.parse import read_document
from hakb.ingest.scope import scope_of, scopes_of_text, unify_products, version_label
from hakb.ingest.vectors import ChunkVectorStore, VectorStoreError, open_chroma_client

if TYPE_CHECKING:
    from hakb.settings import Settings

log = logging.getLogger(__name__)


def pipeline_fingerprint() -> str:
    """A hash of the ingest package's source and of the shared text rules it uses
    (hakb/text.py): a changed rule or parser makes a new build even when no document
    changed."""
    digest = hashlib.sha1()
    for path in [*sorted(Path(__file__).parent.glob("*.py")), Path(hakb.text.__file__)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IngestOptions:
    index_dir: Path
    chroma_host: str | None = None
    chroma_port: int = 8000
    replace: bool = False  # the build holds exactly the given sources
    embedder_dir: Path | None = None
    model_cache_dir: Path | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, index_dir: Path | None = None, replace: bool = False
    ) -> IngestOptions:
        """The options every caller takes from the one Settings object (Chroma, the model),
        with the build's folder (default: the data directory's index) and replace chosen."""
        return cls(
            index_dir=index_dir or settings.index_dir,
            chroma_host=settings.chroma_host,
            chroma_port=settings.chroma_port,
            replace=replace,
            embedder_dir=settings.embedder_dir,
            model_cache_dir=settings.model_cache_dir,
        )


@dataclass
class IngestResult:
    build_id: str | None  # the build now current (new, or the unchanged previous one)
    changed: bool
    reports: list[DocumentReport] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None  # the build itself failed: nothing changed

    @property
    def failed(self) -> list[DocumentReport]:
        return [r for r in self.reports if not r.ok]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed


@dataclass
class _Doc:
    meta: DocumentMeta
    sections: list[Section]
    report: DocumentReport


class Pipeline:
    def __init__(self, options: IngestOptions, embedder: Embedder | None = None) -> None:
        self.options = options
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = OnnxEmbedder(self.options.embedder_dir, cache_dir=self.options.model_cache_dir)
        return self._embedder

    def run(self, sources: Sequence[str | Path], progress: Progress | None = None) -> IngestResult:
        started = time.perf_counter()
        progress = progress or (lambda stage, done, total: None)
        index_dir = self.options.index_dir
        previous_id = builds.current_build_id(index_dir)
        previous = self._previous(previous_id)

        docs: dict[str, _Doc] = {}
        reports: list[DocumentReport] = []
        paths = _expand(sources, reports)
        for i, source in enumerate(paths, 1):
            progress("read", i, len(paths))
            doc = self._read(source, previous)
            reports.append(doc.report if isinstance(doc, _Doc) else doc)
            if isinstance(doc, _Doc):
                if doc.meta.doc_id in docs:
                    doc.report.error = f"same document id as {docs[doc.meta.doc_id].meta.source}; later one kept"
                docs[doc.meta.doc_id] = doc

        if previous is not None:
            # Even a replacing build keeps the last good version of a document that
            # failed to load this time (its report says "previous version kept").
            kept = {r.doc_id for r in reports if not r.ok and r.doc_id}
            for doc_id, doc in previous.items():
                if not self.options.replace or doc_id in kept:
                    docs.setdefault(doc_id, doc)

        docs = one_source_per_url(docs)

        result = IngestResult(build_id=previous_id, changed=False, reports=reports)
        if not docs:
            result.error = "no document could be read; the current build is unchanged"
            result.seconds = time.perf_counter() - started
            return result

        signature = sorted((d.meta.doc_id, d.meta.sha256) for d in docs.values())
        if previous is not None and previous_id is not None:
            prev_sig = sorted((d.meta.doc_id, d.meta.sha256) for d in previous.values())
            if prev_sig == signature and self._same_build_recipe(previous_id):
                result.counts = self._counts_of(previous_id)
                result.seconds = time.perf_counter() - started
                for r in reports:
                    r.reused = r.ok
                return result

        try:
            result.build_id, result.counts = self._build(list(docs.values()), previous_id, progress)
            result.changed = True
        except (OSError, IngestError, EmbedderError, VectorStoreError, KeywordIndexError) as exc:
            result.error = (
                f"build failed, the current build is unchanged: {_describe(exc)}{_disk_note(index_dir, previous_id)}"
            )
            result.build_id = previous_id
        result.seconds = time.perf_counter() - started
        return result

    # -- reading -------------------------------------------------------------

    def _read(self, source: str, previous: dict[str, _Doc] | None) -> _Doc | DocumentReport:
        try:
            meta, sections = read_document(source)
        except IngestError as exc:
            report = DocumentReport(source=source, ok=False, error=str(exc))
            # A document that was fine before keeps serving in its previous version.
            if previous is not None:
                for doc in previous.values():
                    if doc.meta.source == source:
                        report.doc_id = doc.meta.doc_id
                        report.error = f"{exc} (previous version kept)"
            log.warning("ingest: %s", report.error)
            return report
        report = DocumentReport(source=source, doc_id=meta.doc_id, ok=True, sections=len(sections))
        return _Doc(meta=meta, sections=sections, report=report)

    def _previous(self, build_id: str | None) -> dict[str, _Doc] | None:
        if build_id is None:
            return None
        try:
            path, contents = builds.read_build(self.options.index_dir, build_id)
            sections = builds.read_sections(path)
        except IngestError as exc:
            log.warning("ingest: previous build unusable, starting afresh: %s", exc)
            return None
        by_doc: dict[str, list[Section]] = {}
        for s in sections:
            by_doc.setdefault(s.doc_id, []).append(s)
        return {
            m.doc_id: _Doc(
                meta=m,
                sections=by_doc.get(m.doc_id, []),
                report=DocumentReport(source=m.source, doc_id=m.doc_id, ok=True, reused=True),
            )
            for m in contents.manifest.documents
        }

    def _same_build_recipe(self, build_id: str) -> bool:
        try:
            manifest = builds.read_manifest(builds.build_path(self.options.index_dir, build_id))
        except IngestError:
            return False
        return manifest.embedder == self.embedder.name and manifest.pipeline == pipeline_fingerprint()

    def _counts_of(self, build_id: str) -> dict[str, int]:
        return builds.read_manifest(builds.build_path(self.options.index_dir, build_id)).counts

    # -- building ------------------------------------------------------------

    def _build(self, docs: list[_Doc], previous_id: str | None, progress: Progress) -> tuple[str, dict[str, int]]:
        index_dir = self.options.index_dir
        build_id = builds.new_build_id()
        path = builds.build_path(index_dir, build_id)
        path.mkdir(parents=True)
        try:
            counts = self._write(path, build_id, docs, previous_id, progress)
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            builds.drop_collections([build_id], self.options.chroma_host, self.options.chroma_port)
            raise
        builds.set_current(index_dir, build_id)
        builds.drop_collections(builds.cleanup(index_dir), self.options.chroma_host, self.options.chroma_port)
        log.info("ingest: build %s is current (%s)", build_id, counts)
        return build_id, counts

    def _write(
        self, path: Path, build_id: str, docs: list[_Doc], previous_id: str | None, progress: Progress
    ) -> dict[str, int]:
        docs = sorted(docs, key=lambda d: d.meta.doc_id)
        with_scopes(docs)
        sections: list[Section] = []
        facts: list[Fact] = []
        chunks: list[Chunk] = []
        for doc in docs:
            doc_facts = FactExtractor(doc.meta).extract(doc.sections)
            doc_chunks = make_chunks(doc.meta, doc.sections)
            doc.report.facts, doc.report.chunks = len(doc_facts), len(doc_chunks)
            doc.report.sections = len(doc.sections)
            sections.extend(doc.sections)
            facts.extend(doc_facts)
            chunks.extend(doc_chunks)
        conflicts = mark_conflicts(facts)

        vectors = self._vectors(chunks, previous_id, progress)
        builds.write_jsonl(path / "sections.jsonl", sections)
        builds.write_jsonl(path / "facts.jsonl", facts)
        builds.write_jsonl(path / "chunks.jsonl", chunks)
        builds.write_vectors(path, [c.chunk_id for c in chunks], vectors)
        KeywordIndex.from_texts([c.chunk_id for c in chunks], [embedding_text(c) for c in chunks]).save(path / "bm25")
        progress("store", 0, 1)
        client = open_chroma_client(path / "chroma", self.options.chroma_host, self.options.chroma_port)
        try:
            store = ChunkVectorStore(
                client, builds.collection_name(build_id), metadata={"embedder": self.embedder.name}
            )
            store.add(chunks, vectors)
        finally:
            _close(client)
        progress("store", 1, 1)
        counts = {
            "documents": len(docs),
            "sections": len(sections),
            "facts": len(facts),
            "chunks": len(chunks),
            "conflicts": conflicts,
        }
        manifest = Manifest(
            build_id=build_id,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            embedder=self.embedder.name,
            pipeline=pipeline_fingerprint(),
            documents=[d.meta for d in docs],
            counts=counts,
            scopes=build_scopes(docs, facts, chunks),
        )
        builds.write_manifest(path, manifest)
        return counts

    def _vectors(self, chunks: list[Chunk], previous_id: str | None, progress: Progress) -> np.ndarray:
        """One vector per chunk, each distinct text embedded once.

        The corpus holds the same page in several versions, so many chunks embed the
        same text (same title, heading and passage): each distinct text is embedded
        once per build, and not at all when the previous build (same embedder) has it.
        """
        known = self._previous_vectors(previous_id)
        texts = [embedding_text(c) for c in chunks]
        # Sorted by length so each batch pads little; the embedder keeps each text's
        # vector independent of its batch-mates.
        missing = sorted({t for t in texts if t not in known}, key=len)
        if len(missing) < len(texts):
            log.info("ingest: %d chunks, %d texts to embed", len(texts), len(missing))
        batch = 128
        for start in range(0, len(missing), batch):
            part = missing[start : start + batch]
            known.update(zip(part, self.embedder.embed(part), strict=True))
            progress("embed", min(start + batch, len(missing)), len(missing))
        if not chunks:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        return np.stack([known[t] for t in texts]).astype(np.float32)

    def _previous_vectors(self, previous_id: str | None) -> dict[str, np.ndarray]:
        """Embedded text -> vector of the previous build; empty when it used another
        embedder or other ingest code, or its vectors or chunks cannot be read. Other code
        may make a chunk's embedded text differently: the text read back with this code
        would then be paired with a vector made from the old one."""
        if previous_id is None or not self._same_build_recipe(previous_id):
            return {}
        path = builds.build_path(self.options.index_dir, previous_id)
        by_id = builds.read_vectors(path)
        if not by_id:
            return {}
        try:
            chunks = builds.read_jsonl(path / "chunks.jsonl", Chunk)
        except IngestError:
            return {}
        return {embedding_text(c): by_id[c.chunk_id] for c in chunks if c.chunk_id in by_id}


def canonical_url(url: str) -> str:
    """A URL as one page: scheme and host in lower case, no fragment, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def with_scopes(docs: Sequence[_Doc]) -> None:
    """Give every document its scope, with one product key per product across the build
    (a document carried over from an older build, which has none, gets it from its URL)."""
    scopes = unify_products([scope_of(d.meta) for d in docs])
    for doc, scope in zip(docs, scopes, strict=True):
        if doc.meta.scope != scope:
            version = version_label(scope, doc.meta.version)
            doc.meta = doc.meta.model_copy(update={"scope": scope, "version": version})


def build_scopes(docs: Sequence[_Doc], facts: Sequence[Fact], chunks: Sequence[Chunk]) -> list[Scope]:
    """The distinct scopes of a build: its documents', its facts', and those its passages'
    sentences name for themselves, in a stable order."""
    found: set[Scope] = {d.meta.scope for d in docs if d.meta.scope is not None}
    found.update(f.scope for f in facts if f.scope is not None)
    for chunk in chunks:
        found.update(scopes_of_text(chunk.scope, chunk.text))
    return sorted(found, key=lambda s: s.model_dump_json())


def _fullness(doc: _Doc) -> tuple[int, int, str]:
    """How much a copy of a page says: its body text, then its sections; the doc id breaks ties."""
    body = [s for s in doc.sections if s.kind != "heading"]
    return sum(len(s.text) for s in body), len(body), doc.meta.doc_id


def one_source_per_url(docs: dict[str, _Doc]) -> dict[str, _Doc]:
    """The same URL read twice (a text scrape in data/docs and a saved page of the same
    address, or two saves of one page) is one source: cited once, its facts counted once.

    The fuller copy is kept (a later scrape that kept a list the older one lost), whatever
    order the copies were read in, so a build depends only on its set of documents. It
    takes what the others knew and it did not (a version from a manifest) and lists their
    doc ids as `aliases`; the others' reports say which copy they were merged into.
    """
    by_url: dict[str, list[_Doc]] = {}
    for doc in docs.values():
        if doc.meta.url:
            by_url.setdefault(canonical_url(doc.meta.url), []).append(doc)
    out = dict(docs)
    for url, copies in by_url.items():
        if len(copies) < 2:
            continue
        keep = max(copies, key=_fullness)
        others = [d for d in copies if d is not keep]
        aliases = set(keep.meta.aliases)
        for other in others:
            aliases.add(other.meta.doc_id)
            aliases.update(other.meta.aliases)
            other.report.merged_into = keep.meta.doc_id
            out.pop(other.meta.doc_id, None)
        aliases.discard(keep.meta.doc_id)
        update: dict[str, object] = {"aliases": tuple(sorted(aliases))}
        if not keep.meta.version:
            fuller_first = sorted(others, key=_fullness, reverse=True)
            update["version"] = next((d.meta.version for d in fuller_first if d.meta.version), None)
            # The versions a copy knew (from its manifest) go with it into the kept one's scope.
            known = next((d.meta.scope for d in fuller_first if d.meta.version and d.meta.scope), None)
            if known is not None and keep.meta.scope is not None:
                update["scope"] = keep.meta.scope.model_copy(
                    update={"versions": known.versions, "since": known.since, "latest": known.latest}
                )
        keep.meta = keep.meta.model_copy(update=update)
        log.info("ingest: %s was read %d times; one source kept: %s", url, len(copies), keep.meta.source)
    return out


def one_per_url(pairs: Sequence[tuple[DocumentMeta, list[Section]]]) -> list[tuple[DocumentMeta, list[Section]]]:
    """`one_source_per_url` for (meta, sections) pairs, as `read_document` returns them."""
    docs = {m.doc_id: _Doc(m, secs, DocumentReport(source=m.source, doc_id=m.doc_id, ok=True)) for m, secs in pairs}
    kept = one_source_per_url(docs)
    return [(d.meta, d.sections) for d in kept.values()]


def _expand(sources: Sequence[str | Path], reports: list[DocumentReport]) -> list[str]:
    out: list[str] = []
    for source in sources:
        text = str(source)
        if text.startswith(("http://", "https://")):
            out.append(text)
            continue
        try:
            out.extend(str(p) for p in iter_sources([Path(text)]))
        except IngestError as exc:
            reports.append(DocumentReport(source=text, ok=False, error=str(exc)))
    return out


def _close(client: object) -> None:
    close = getattr(client, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            log.debug("closing Chroma client failed", exc_info=True)


def _disk_note(index_dir: Path, previous_id: str | None) -> str:
    """Say so when the disk is nearly full: Chroma reports running out of space in its
    own words ("Error in compaction: Failed to apply logs ..."), which hide the cause."""
    try:
        free = shutil.disk_usage(index_dir).free
        previous = builds.build_path(index_dir, previous_id) if previous_id else None
        need = sum(p.stat().st_size for p in previous.rglob("*") if p.is_file()) if previous else 0
    except OSError:
        return ""
    need = max(need, 1 << 20)  # a build takes at least about a megabyte
    if free >= need:
        return ""
    return (
        f"; the disk is nearly full: {free / 1e6:.1f} MB free in {index_dir}, a build needs about {need / 1e6:.1f} MB"
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    return str(exc) or exc.__class__.__name__
