"""Opening builds read-only, and moving to a new one when it becomes current.

A `LoadedBuild` is immutable once made; a request takes the current one at its
start and finishes on it, so switching builds never disturbs a request in flight.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from hakb.errors import NotReady
from hakb.ingest import builds
from hakb.ingest.errors import IngestError
from hakb.ingest.keyword import KeywordIndex, KeywordIndexError
from hakb.ingest.models import Chunk, Manifest
from hakb.ingest.vectors import ChunkVectorStore, VectorStoreError, open_chroma_client
from hakb.service.facts_table import FactTable
from hakb.service.vocabulary import Vocabulary

log = logging.getLogger(__name__)


# How often, at most, the watcher asks a Chroma server whether it is still there.
VECTOR_PROBE_INTERVAL_S = 1.0


@dataclass
class LoadedBuild:
    build_id: str
    manifest: Manifest
    facts: FactTable
    chunks: dict[str, Chunk]
    keyword: KeywordIndex
    vectors: ChunkVectorStore | None  # None when the Chroma server could not be reached
    vector_error: str | None = None
    loaded_at: float = field(default_factory=time.time)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(c.text for c in self.chunks.values())

    @cached_property
    def children(self) -> dict[tuple[str, str], list[str]]:
        """The labels of the sections right under each section, in document order: what a
        sentence such as "one of the following states:" that ends its section introduces."""
        out: dict[tuple[str, str], list[str]] = {}
        for c in self.chunks.values():
            parent, sep, label = c.section.rpartition(" > ")
            if not sep or not label:
                continue
            labels = out.setdefault((c.doc_id, parent), [])
            if label not in labels:
                labels.append(label)
        return out

    @property
    def titles(self) -> dict[str, str]:
        return {d.doc_id: d.title for d in self.manifest.documents}

    def for_version(self, version: str) -> LoadedBuild:
        """A view restricted to documents whose version mentions `version` (or has none)."""
        wanted = version.strip().lower()

        def keep(v: str | None) -> bool:
            return v is None or wanted in v.lower()

        return LoadedBuild(
            build_id=self.build_id,
            manifest=self.manifest,
            facts=FactTable(f for f in self.facts.facts if keep(f.version)),
            chunks={cid: c for cid, c in self.chunks.items() if keep(c.version)},
            keyword=self.keyword,
            vectors=self.vectors,
            vector_error=self.vector_error,
        )


def load_build(index_dir: Path, build_id: str, chroma_host: str | None, chroma_port: int) -> LoadedBuild:
    """Read every part of a build; raise IngestError if any part is missing or damaged."""
    path, contents = builds.read_build(index_dir, build_id)
    try:
        keyword = KeywordIndex.load(path / "bm25")
    except (KeywordIndexError, OSError, ValueError) as exc:
        raise builds.BuildError(f"build {build_id}: keyword index is damaged ({exc})") from exc
    vectors, vector_error = open_vectors(path, build_id, chroma_host, chroma_port, len(contents.chunks))
    return LoadedBuild(
        build_id=build_id,
        manifest=contents.manifest,
        facts=FactTable(contents.facts),
        chunks={c.chunk_id: c for c in contents.chunks},
        keyword=keyword,
        vectors=vectors,
        vector_error=vector_error,
    )


def open_vectors(
    path: Path, build_id: str, host: str | None, port: int, expected: int
) -> tuple[ChunkVectorStore | None, str | None]:
    """The build's Chroma collection. Embedded: must be whole, or the build is refused.
    Server: may be down for now (facts keep answering); the caller retries later."""
    try:
        client = open_chroma_client(path / "chroma", host, port)
        store = ChunkVectorStore(client, builds.collection_name(build_id), create=False)
        count = store.count()
    except VectorStoreError as exc:
        if host is None:
            raise builds.BuildError(f"build {build_id}: vector store is damaged ({exc})") from exc
        return None, f"Chroma server at {host}:{port} is unreachable"
    if count != expected:
        raise builds.BuildError(f"build {build_id}: vector store holds {count} of {expected} chunks")
    return store, None


def _with_vectors(build: LoadedBuild, vectors: ChunkVectorStore | None, error: str | None) -> LoadedBuild:
    """The same build with its vector store attached or detached."""
    # dataclasses.replace, not LoadedBuild(**__dict__): cached properties live in __dict__
    # too and are no constructor arguments. The words did not change: keep the vocabulary.
    new = dataclasses.replace(build, vectors=vectors, vector_error=error)
    if "vocabulary" in build.__dict__:
        new.__dict__["vocabulary"] = build.__dict__["vocabulary"]
    return new


class BuildHolder:
    """Holds the current build and follows the CURRENT pointer in the background."""

    def __init__(self, index_dir: Path, chroma_host: str | None = None, chroma_port: int = 8000) -> None:
        self.index_dir = index_dir
        self.chroma_host = chroma_host
        self.chroma_port = chroma_port
        self._current: LoadedBuild | None = None
        self._problem: str | None = "no build loaded yet"
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._refused: set[str] = set()
        self._last_probe = 0.0

    @property
    def current(self) -> LoadedBuild:
        build = self._current
        if build is None:
            raise NotReady(self._problem or "no build loaded")
        return build

    @property
    def problem(self) -> str | None:
        return self._problem

    def refresh(self) -> bool:
        """Load the build CURRENT points at if it is new; True when it switched."""
        with self._lock:
            target = builds.current_build_id(self.index_dir)
            if target is None:
                if self._current is None:
                    self._problem = f"no build in {self.index_dir}: run `hakb ingest` first"
                return False
            if self._current is not None and self._current.build_id == target:
                self._check_vectors()
                return False
            if target in self._refused:
                return False
            try:
                build = load_build(self.index_dir, target, self.chroma_host, self.chroma_port)
            except IngestError as exc:
                self._refused.add(target)
                log.error("refusing build %s: %s", target, exc)
                if self._current is None:
                    self._problem = f"build {target} refused: {exc.reason if hasattr(exc, 'reason') else exc}"
                return False
            build.vocabulary  # computed now, not on the first request  # noqa: B018
            previous = self._current
            self._current = build
            self._problem = None
            log.info(
                "serving build %s (%d facts, %d chunks)%s",
                build.build_id,
                len(build.facts),
                len(build.chunks),
                f", was {previous.build_id}" if previous else "",
            )
            return True

    def _check_vectors(self) -> None:
        """Server mode: notice a Chroma server that went away (so /readyz says so before
        a user's question does) and reattach to one that came back."""
        build = self._current
        if build is None or self.chroma_host is None:
            return
        if build.vectors is None:
            self._retry_vectors()
            return
        now = time.monotonic()
        if now - self._last_probe < VECTOR_PROBE_INTERVAL_S:
            return
        self._last_probe = now
        try:
            build.vectors.count()
        except VectorStoreError as exc:
            log.warning("vector store of build %s unavailable: %s", build.build_id, exc)
            reason = f"Chroma server at {self.chroma_host}:{self.chroma_port} is unreachable"
            self._current = _with_vectors(build, None, reason)

    def _retry_vectors(self) -> None:
        """A Chroma server that was down may be back: reattach without a restart."""
        build = self._current
        if build is None or build.vectors is not None:
            return
        path = builds.build_path(self.index_dir, build.build_id)
        try:
            vectors, error = open_vectors(path, build.build_id, self.chroma_host, self.chroma_port, len(build.chunks))
        except IngestError as exc:
            log.error("vector store of build %s: %s", build.build_id, exc)
            return
        if vectors is not None:
            log.info("Chroma reachable again; passages back for build %s", build.build_id)
            self._current = _with_vectors(build, vectors, error)

    def mark_vectors_down(self, build: LoadedBuild, reason: str) -> None:
        """A search just failed: say so on /readyz until the watcher reattaches."""
        if self.chroma_host:
            reason = f"Chroma server at {self.chroma_host}:{self.chroma_port} is unreachable ({reason})"
        with self._lock:
            if self._current is build:
                self._current = _with_vectors(build, None, reason)

    def start_watching(self, interval: float) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="hakb-build-watch", daemon=True)
        self._thread.start()

    def _watch(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any one bad build
                log.exception("build watcher failed; will retry")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
