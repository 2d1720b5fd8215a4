"""Shared fixtures: a clean environment, builds made once and cached, a real server.

Builds are expensive (the corpus takes tens of seconds), so each is made once and
kept under .cache/test-builds/, keyed by what decides its contents (the ingest
code's fingerprint, the embedding model, the documents, the library versions): a
later pytest session with the same key copies it instead of ingesting again. A
session's copy is read-only by convention; a test that changes a data dir copies it
first (`copy_data_dir`). Servers are real `hakb serve` subprocesses on free
127.0.0.1 ports (hakb.devserver).

Fixtures other test packages may use (add new ones; never rename these):
    onnx_embedder     the packaged ONNX embedder, loaded once
    seed_data_dir     a data dir holding the bundled seed doc, ingested once
    corpus_data_dir   seed + ../shared/corpus/pages, ingested once (skips if absent)
    scoped_data_dir   seed + ../shared/corpus/scoped, ingested once (skips if absent)
    seed_engine / corpus_engine   an in-process Engine over those builds
    live_server       `hakb serve` over corpus_data_dir
    scoped_server     `hakb serve` over scoped_data_dir
    start_server      start more servers in a test (own data dir, env)

HAKB_TEST_CACHE=off builds afresh in every session; HAKB_TEST_CACHE=DIR keeps the
cache in DIR instead of .cache/test-builds.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from types import ModuleType
from typing import TypeVar

import numpy as np
import pytest

from hakb.devserver import ENV_PREFIXES, HakbServer, clean_env, free_port, start_hakb_serve
from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.pipeline import IngestOptions, IngestResult, Pipeline, pipeline_fingerprint

__all__ = ["ENV_PREFIXES", "HakbServer", "clean_env", "free_port"]  # re-exported for the test packages

REPO = Path(__file__).resolve().parents[1]
SEED_DOCS = REPO / "data" / "docs"
SEED_DOC = SEED_DOCS / "ha-links-and-backup-links.txt"
CORPUS_PAGES = REPO.parent / "shared" / "corpus" / "pages"
CORPUS_SCOPED = REPO.parent / "shared" / "corpus" / "scoped"
BIN = Path(sys.executable).parent
_CACHE_SETTING = os.environ.get("HAKB_TEST_CACHE", "")
BUILD_CACHE: Path | None = None if _CACHE_SETTING == "off" else Path(_CACHE_SETTING or REPO / ".cache" / "test-builds")
KEEP_CACHED = 3  # entries kept per kind of build (older ingest code's builds are dropped)
# The ingest code this session imported: a build made by it is cached only while the
# files on disk are still that code (a shared working tree changes under a session).
_FINGERPRINT_AT_IMPORT = pipeline_fingerprint()
# The libraries whose on-disk formats a build holds.
_FORMAT_PACKAGES = ("chromadb", "bm25s", "numpy", "pydantic")


# -- environment -------------------------------------------------------------


class CountingEmbedder:
    """The real embedder, recording every text it is asked to embed."""

    def __init__(self, inner: OnnxEmbedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "1")


# -- ingest and data dirs ----------------------------------------------------


def ingest(
    data_dir: Path,
    sources: Sequence[str | Path],
    embedder: object | None = None,
    *,
    replace: bool = False,
    chroma_host: str | None = None,
    chroma_port: int = 8000,
) -> IngestResult:
    """Run the real pipeline in this process (the embedder is shared to save its load)."""
    options = IngestOptions(
        index_dir=data_dir / "index", replace=replace, chroma_host=chroma_host, chroma_port=chroma_port
    )
    return Pipeline(options, embedder).run(list(sources))  # type: ignore[arg-type]


def copy_data_dir(src: Path, dst: Path) -> Path:
    """A private, writable copy of a session data dir (its builds included)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


def make_data_dir(root: Path) -> Path:
    """A data dir whose docs/ is a copy of the bundled seed docs (with their manifest)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SEED_DOCS, root / "docs")
    return root


@pytest.fixture(scope="session")
def onnx_embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


def _digest_sources(digest: hashlib._Hash, sources: Sequence[Path]) -> None:
    for source in sources:
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for path in files:
            digest.update(str(path.relative_to(source.parent)).encode())
            digest.update(path.read_bytes())


def build_key(sources: Sequence[Path]) -> str:
    """What decides a build's contents: the ingest code, the model, the documents and
    the versions of the libraries whose files the build holds."""
    digest = hashlib.sha1(pipeline_fingerprint().encode())
    digest.update(OnnxEmbedder().name.encode())  # hashes the model file; loads nothing
    digest.update(sys.version.split()[0].encode())
    for package in _FORMAT_PACKAGES:
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    _digest_sources(digest, sources)
    return digest.hexdigest()[:16]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock between pytest sessions (two checkouts may share a cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _relocate(data_dir: Path, old_root: Path, new_root: Path) -> None:
    """Point the manifests' document sources at the copy, as if it had been ingested
    where it now is (a re-ingest matches a failing document to its last good version
    by source)."""
    old, new = str(old_root), str(new_root)
    for build_id in builds.finished_builds(data_dir / "index"):
        path = builds.build_path(data_dir / "index", build_id)
        manifest = builds.read_manifest(path)
        docs = [
            d.model_copy(update={"source": new + d.source[len(old) :]}) if d.source.startswith(old + os.sep) else d
            for d in manifest.documents
        ]
        builds.write_manifest(path, manifest.model_copy(update={"documents": docs}))


def _ingest_data_dir(data_dir: Path, extra_sources: Sequence[Path], embedder: OnnxEmbedder) -> None:
    make_data_dir(data_dir)
    result = ingest(data_dir, [data_dir / "docs", *extra_sources], embedder, replace=True)
    assert result.ok and result.build_id, f"ingest of {data_dir.name} failed: {result.error} {result.failed}"


def cached_data_dir(kind: str, extra_sources: Sequence[Path], dest: Path, embedder: Callable[[], OnnxEmbedder]) -> Path:
    """`dest` becomes a data dir holding the seed docs plus `extra_sources`, ingested:
    copied from the build cache when a build with the same key is there, else ingested
    into the cache first. `embedder` is called only when something must be embedded."""
    if BUILD_CACHE is None or pipeline_fingerprint() != _FINGERPRINT_AT_IMPORT:
        # No cache, or the ingest code on disk is no longer the code this session runs:
        # what it builds now is this session's alone.
        _ingest_data_dir(dest, extra_sources, embedder())
        return dest
    entry = BUILD_CACHE / f"{kind}-{build_key([SEED_DOCS, *extra_sources])}"
    with _locked(BUILD_CACHE / f"{kind}.lock"):
        if not (entry / ".complete").is_file():
            shutil.rmtree(entry, ignore_errors=True)  # a session that died half-way
            _ingest_data_dir(entry, extra_sources, embedder())
            if pipeline_fingerprint() != _FINGERPRINT_AT_IMPORT:  # the code changed while it built
                shutil.rmtree(entry, ignore_errors=True)
                _ingest_data_dir(dest, extra_sources, embedder())
                return dest
            (entry / ".complete").write_text(builds.current_build_id(entry / "index") or "", encoding="utf-8")
        entry.touch()
        shutil.copytree(entry, dest, symlinks=True, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".complete"))
        _prune(kind, keep=KEEP_CACHED)
    _relocate(dest, entry, dest)
    return dest


def _prune(kind: str, keep: int) -> None:
    """Drop all but the `keep` most recently used cache entries of a kind."""
    assert BUILD_CACHE is not None
    entries = sorted(
        (p for p in BUILD_CACHE.glob(f"{kind}-*") if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True
    )
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The bundled seed doc, ingested once. Read-only: copy it before changing anything."""
    dest = tmp_path_factory.mktemp("seed-data")
    return cached_data_dir("seed", [], dest, lambda: request.getfixturevalue("onnx_embedder"))


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """Seed + the scraped corpus pages, ingested once. Read-only: copy before changing."""
    if not CORPUS_PAGES.is_dir() or not any(CORPUS_PAGES.glob("*.md")):
        pytest.skip(f"the corpus is absent: no Markdown pages in {CORPUS_PAGES}")
    dest = tmp_path_factory.mktemp("corpus-data")
    return cached_data_dir("corpus", [CORPUS_PAGES], dest, lambda: request.getfixturevalue("onnx_embedder"))


@pytest.fixture(scope="session")
def scoped_data_dir(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """Seed + ../shared/corpus/scoped (PAN-OS 10.1 and 10.2 admin pages, the 11.2-12.2 help,
    CN-Series on AWS, Panorama), ingested once. Read-only: copy before changing."""
    if not CORPUS_SCOPED.is_dir() or not any(CORPUS_SCOPED.glob("*.md")):
        pytest.skip(f"the scoped corpus is absent: no Markdown pages in {CORPUS_SCOPED}")
    dest = tmp_path_factory.mktemp("scoped-data")
    return cached_data_dir("scoped", [CORPUS_SCOPED], dest, lambda: request.getfixturevalue("onnx_embedder"))


def _engine(data_dir: Path):  # type: ignore[no-untyped-def]  # the engine's module is imported lazily
    from hakb.service.engine import Engine
    from hakb.settings import Settings

    # Explicit, not from the environment: session fixtures are made before the
    # environment is cleaned for the first test.
    settings = Settings(HAKB_DATA_DIR=data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None)
    engine = Engine.from_settings(settings)
    assert engine.holder.refresh(), engine.holder.problem
    return engine


@pytest.fixture(scope="session")
def seed_engine(seed_data_dir: Path):  # type: ignore[no-untyped-def]
    return _engine(seed_data_dir)


@pytest.fixture(scope="session")
def corpus_engine(corpus_data_dir: Path):  # type: ignore[no-untyped-def]
    return _engine(corpus_data_dir)


# -- the CLI -----------------------------------------------------------------


def load_script() -> ModuleType:
    """scripts/load.py (the load test's request mix, client and judge) as a module, for the
    tests that drive load through it; imported once per session."""
    module = sys.modules.get("hakb_load_script")
    if module is not None:
        return module
    spec = importlib.util.spec_from_file_location("hakb_load_script", REPO / "scripts" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def hakb_command() -> str:
    """The installed console script (what a user runs), from this interpreter's venv."""
    return shutil.which("hakb", path=str(BIN)) or shutil.which("hakb") or "hakb"


def run_hakb(
    *args: str,
    data_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 300.0,
) -> subprocess.CompletedProcess[str]:
    extra = dict(env or {})
    if data_dir is not None:
        extra["HAKB_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [hakb_command(), *args],
        env=clean_env(extra),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        # Never the repo: a relative default (data/) must not land in the working tree.
        cwd=_existing_parent(data_dir) if data_dir is not None else tempfile.gettempdir(),
    )


def _existing_parent(path: Path) -> Path:
    while not path.is_dir():
        path = path.parent
    return path


T = TypeVar("T")


def wait_until(predicate: Callable[[], T | None], timeout_s: float, what: str, *, poll_s: float = 0.1) -> T:
    """Poll `predicate` until it returns something truthy, and return that; after `timeout_s`,
    an AssertionError naming `what`. For a state a test waits for (a server on a new build,
    a log line written after the response), never to measure time."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(poll_s)


# -- servers -----------------------------------------------------------------

# What every test server gets: the build watcher polls faster than the default.
SERVER_ENV = {"HAKB_WATCH_INTERVAL": "0.2"}


def hakb_server(
    data_dir: Path,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    *,
    wait_ready: bool = True,
    workers: int = 1,
    verbose: bool = False,
) -> AbstractContextManager[HakbServer]:
    """`with hakb_server(data_dir, log_path, env) as server:` a real `hakb serve`."""
    env = {**SERVER_ENV, **(env or {})}
    return start_hakb_serve(data_dir, log_path, env=env, wait_ready=wait_ready, workers=workers, verbose=verbose)


@pytest.fixture(scope="session")
def live_server(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of one real server over the corpus build, shared by the session."""
    log_path = tmp_path_factory.mktemp("live-server") / "server.log"
    with hakb_server(corpus_data_dir, log_path) as server:
        yield server.url


@pytest.fixture(scope="session")
def scoped_server(scoped_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of one real server over the scoped build (several products and versions)."""
    log_path = tmp_path_factory.mktemp("scoped-server") / "server.log"
    with hakb_server(scoped_data_dir, log_path) as server:
        yield server.url


StartServer = Callable[..., HakbServer]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """`start_server(data_dir, env=None, *, wait_ready=True) -> HakbServer`: more servers
    in a test (own data dir, env); all are stopped afterwards."""
    with ExitStack() as stack:
        count = 0

        def start(data_dir: Path, env: Mapping[str, str] | None = None, *, wait_ready: bool = True) -> HakbServer:
            nonlocal count
            count += 1
            log_path = tmp_path / f"server-{count}.log"
            return stack.enter_context(hakb_server(data_dir, log_path, env, wait_ready=wait_ready))

        yield start
