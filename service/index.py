"""Opening builds read-only, and moving to a new one when it becomes current.

A `LoadedBuild` is immutable once made; a request takes the current one at its
start and finishes on it, so switching builds never disturbs a request in flight.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from hakb.errors import NotReady
from hakb.ingest import builds
from hakb.ingest.errors import IngestError
from hakb.ingest.keyword import KeywordIndex, KeywordIndexError
from hakb.ingest.models import Chunk, Manifest, Scope
from hakb.ingest.scope import scopes_of_text
from hakb.ingest.tables import read_row
from hakb.ingest.vectors import ChunkVectorStore, VectorStoreError, open_chroma_client
from hakb.service.facts_table import FactTable
from hakb.service.ranking.text import compound_mentions
from hakb.service.scope import NameVocabulary, QuestionScope, ScopeIndex, ScopeVocabulary
from hakb.service.vocabulary import Vocabulary

log = logging.getLogger(__name__)


# How often, at most, the watcher asks a Chroma server whether it is still there.
VECTOR_PROBE_INTERVAL_S = 1.0
# How many of the chunks after one, in its section, a list it introduces may run on into.
CONTINUED_CHUNKS = 3
# How many of the chunks before one, in its section, may name what it sets itself apart from.
PRECEDING_CHUNKS = 4


# The end of a sentence: what a table cell's value ("VM-300: 6") does not hold.
_PROSE = re.compile(r"[.!?:](?:\s|$)")


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
    # Views of this build restricted to an asked scope, made once per distinct scope.
    _views: dict[QuestionScope, LoadedBuild] = field(default_factory=dict, repr=False, compare=False)
    _views_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _doc_mentions: dict[tuple[str, str], bool] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def vocabulary(self) -> Vocabulary:
        # A passage's headings are its words too: evidence is read with its section, and a
        # page may name a thing in its title only ("Configure Active/Passive HA (SCM)").
        chunks = list(self.chunks.values())
        return Vocabulary((c.text for c in chunks), (f"{c.title} > {c.section}" for c in chunks))

    @cached_property
    def page_compounds(self) -> dict[str, Counter[str]]:
        """How often each page (by doc id) names each slash compound in its text and
        headings: the modes it speaks of ("active/active"), read by the verdict of its
        sentences."""
        named: dict[str, Counter[str]] = {}
        for c in self.chunks.values():
            named.setdefault(c.doc_id, Counter()).update(compound_mentions(f"{c.title} {c.section} {c.text}"))
        return named

    @cached_property
    def scope_vocabulary(self) -> ScopeVocabulary:
        """The products, deployments and versions this build's documents cover."""
        return ScopeVocabulary.from_manifest(self.manifest, self.facts.platforms)

    @cached_property
    def names(self) -> NameVocabulary:
        """The words the documents write as names, and which words they write together."""
        return NameVocabulary.from_texts(c.text for c in self.chunks.values())

    def undocumented_names(self, question: str) -> list[str]:
        """Names a question writes that no document does ("aws outposts", "cloud ngfw"):
        a product or place the documents do not cover."""
        vocab = self.vocabulary
        return self.names.undocumented(question, self.scope_vocabulary, lambda w: w in vocab or vocab.closest(w) != w)

    def documents_of(self, product: str) -> list[str]:
        """Ids of the documents whose pages are about `product`."""
        return [d.doc_id for d in self.manifest.documents if d.scope is not None and d.scope.product == product]

    def doc_mentions(self, doc_id: str, name: str) -> bool:
        """Whether a document's text names `name` (a product) anywhere."""
        key = (doc_id, name.lower())
        hit = self._doc_mentions.get(key)
        if hit is None:
            pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])", re.I)
            hit = any(c.doc_id == doc_id and pattern.search(c.text) for c in self.chunks.values())
            self._doc_mentions[key] = hit
        return hit

    def mentions(self, written: str) -> bool:
        """Whether a scope the manifest does not list ("VM-Series on Azure") is still what a
        sentence of the documents is about: its words all appear in one chunk."""
        words = [w for w in re.split(r"\s+on\s+|\s+", written.lower()) if w]
        if not words or any(w.startswith("pan-os") or w[:1].isdigit() for w in words):
            return False  # versions are covered by the pages' own versions, not by mentions
        patterns = [re.compile(rf"(?<![\w-]){re.escape(w)}(?![\w-])") for w in words]
        return any(all(p.search(c.text.lower()) for p in patterns) for c in self.chunks.values())

    def uncovered(self, asked: QuestionScope) -> list[str]:
        """What a scope asks for that no document covers: neither a page's scope nor what a
        sentence is about ("VM-Series on Azure" on the main product's pages)."""
        return [u for u in self.scope_vocabulary.uncovered(asked, self.main_product) if not self.mentions(u)]

    @cached_property
    def chunk_scopes(self) -> dict[frozenset[Scope | None], list[str]]:
        """Chunk ids grouped by the scopes their page and sentences hold for."""
        out: dict[frozenset[Scope | None], list[str]] = {}
        for cid, c in self.chunks.items():
            found: set[Scope | None] = set(scopes_of_text(c.scope, c.text)) or {c.scope}
            out.setdefault(frozenset(found), []).append(cid)
        return out

    @cached_property
    def main_product(self) -> str | None:
        """The product most of the documents are about: what a question that names none is
        answered for first."""
        counts = Counter(d.scope.product for d in self.manifest.documents if d.scope and d.scope.product)
        return counts.most_common(1)[0][0] if counts else None

    def scoped(self, asked: QuestionScope) -> LoadedBuild:
        """A view holding only the facts and chunks whose scope `asked` admits; the keyword
        and vector indexes are shared (their hits are masked by the view's chunk ids). Made
        once per distinct scope: a scoped question costs what an unscoped one does."""
        # A model is read by the ranking (platform features), not by the view: one view per
        # product, deployment, version and kind of page, however many models are asked.
        asked = dataclasses.replace(asked, model=None, families=())
        if asked.empty:
            return self
        view = self._views.get(asked)
        if view is not None:
            return view
        keep_facts = ScopeIndex((), self.facts.facts).fact_positions(asked)
        # A chunk stays when its page or one of its sentences ("On the VM-Series firewall
        # in AWS, ...") holds for the asked scope; the sentences are sorted out later.
        keep_chunks = {
            cid for group, ids in self.chunk_scopes.items() if any(asked.admits(s) for s in group) for cid in ids
        }
        view = dataclasses.replace(
            self,
            facts=FactTable(f for i, f in enumerate(self.facts.facts) if i in keep_facts),
            chunks={cid: c for cid, c in self.chunks.items() if cid in keep_chunks},
            _views={},
        )
        # What the words of the documents are does not change with the scope asked.
        view.__dict__["vocabulary"] = self.vocabulary
        view.__dict__["children"] = self.children
        view.__dict__["parents"] = self.parents
        view.__dict__["continued"] = self.continued
        view.__dict__["preceding"] = self.preceding
        view.__dict__["scope_vocabulary"] = self.scope_vocabulary
        view.__dict__["main_product"] = self.main_product
        view.__dict__["chunk_scopes"] = self.chunk_scopes
        with self._views_lock:
            if len(self._views) >= 32:
                self._views.clear()
            self._views[asked] = view
        return view

    @cached_property
    def continued(self) -> dict[str, str]:
        """The text that follows each chunk in its section (the next chunks', up to
        CONTINUED_CHUNKS of them), when there is any: a list that a chunk's size cut off goes
        on there, and a long list's items fill more than one chunk."""
        out: dict[str, str] = {}
        run: list[Chunk] = []  # the chunks of the section being read, in document order
        for c in [*self.chunks.values(), None]:  # in document order, as ingest wrote them
            if c is not None and run and (run[-1].doc_id, run[-1].section) == (c.doc_id, c.section):
                run.append(c)
                continue
            for i, chunk in enumerate(run[:-1]):
                out[chunk.chunk_id] = "\n".join(n.text for n in run[i + 1 : i + 1 + CONTINUED_CHUNKS])
            run = [c] if c is not None else []
        return out

    @cached_property
    def preceding(self) -> dict[str, str]:
        """The text that comes before each chunk in its section (the earlier chunks', up to
        PRECEDING_CHUNKS of them), when there is any: what a sentence such as "On the
        remaining platforms, ..." sets itself apart from was said there."""
        out: dict[str, str] = {}
        run: list[Chunk] = []  # the chunks of the section being read, in document order
        for c in self.chunks.values():  # in document order, as ingest wrote them
            if run and (run[-1].doc_id, run[-1].section) == (c.doc_id, c.section):
                out[c.chunk_id] = "\n".join(n.text for n in run[-PRECEDING_CHUNKS:])
                run.append(c)
            else:
                run = [c]
        return out

    @cached_property
    def children(self) -> dict[tuple[str, str], list[str]]:
        """The sections right under each section, in document order: what a sentence such
        as "one of the following states:" that ends its section introduces. Each is its
        label, or the row of a table ingest made a section of ("VM-300: 6") when its first
        line is that row, so the row's value comes with its name."""
        out: dict[tuple[str, str], list[str]] = {}
        seen: set[tuple[str, str]] = set()
        written = {(c.doc_id, c.section) for c in self.chunks.values()}
        for c in self.chunks.values():
            parent, sep, label = c.section.rpartition(" > ")
            if not sep or not label or (c.doc_id, c.section) in seen:
                continue
            seen.add((c.doc_id, c.section))
            # A heading with no text of its own groups a table's rows ("Proxy", "User-ID"):
            # its rows are the rows of the table the section above it announces.
            while (c.doc_id, parent) not in written and " > " in parent:
                parent = parent.rpartition(" > ")[0]
            first = c.text.split("\n", 1)[0].strip()
            value = first[len(label) + 2 :] if first.startswith(f"{label}: ") else ""
            # A cell, not prose: a section whose text begins "Label: It does ..." is no row.
            row = bool(value) and not _PROSE.search(value)
            # ... and a row with its cells by column ("WIF features — Standalone PA-7500
            # Series Firewall: Yes; ..."), as ingest writes it (`tables.render_row`).
            by_column = read_row(first)
            row = row or (by_column is not None and by_column[0] == label)
            out.setdefault((c.doc_id, parent), []).append(first if row else label)
        return out

    @cached_property
    def parents(self) -> dict[tuple[str, str], Chunk]:
        """For each section with sections under it, its passage right before the first of
        them: where a sentence announcing them ("The following table identifies ...") is.
        A passage of a section under it leads there: one row of a table to the table."""
        out: dict[tuple[str, str], Chunk] = {}
        previous: Chunk | None = None
        for c in self.chunks.values():  # in document order, as ingest wrote them
            parent, sep, _ = c.section.rpartition(" > ")
            if (
                sep
                and previous is not None
                and (previous.doc_id, previous.section) == (c.doc_id, parent)
                and (c.doc_id, parent) not in out
            ):
                out[(c.doc_id, parent)] = previous
            previous = c
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
        # What an empty index waits for: an ingest here, or a replica's first build (replica.py).
        self.awaiting = "run `hakb ingest` first"

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
                    self._problem = f"no build in {self.index_dir}: {self.awaiting}"
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
