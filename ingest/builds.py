"""The on-disk build format, in one place: written by ingest, read by the service.

    <index>/CURRENT                 the id of the build being served (replaced atomically)
    <index>/.builds.lock            held while builds are removed or a rollback switches (`locked`)
    <index>/builds/<id>/
        manifest.json              written last: a build without it is incomplete
        facts.jsonl  chunks.jsonl  sections.jsonl
        vectors.npy  vector_ids.json   chunk embeddings, reused for unchanged documents
        bm25/                      keyword index
        chroma/                    embedded Chroma (absent when a Chroma server holds them)

A build becomes current only by replacing CURRENT after its manifest is on disk,
so a killed or failed ingest never changes what is served.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import numpy as np
from pydantic import BaseModel

from hakb.ingest.errors import IngestError
from hakb.ingest.models import Chunk, Fact, Manifest, Section

KEEP_BUILDS = 3  # the current one, the one before it (workers may still hold it), one spare
LOCK_NAME = ".builds.lock"

M = TypeVar("M", bound=BaseModel)


class BuildError(IngestError):
    """A build on disk is missing or damaged."""

    def __init__(self, message: str) -> None:
        # The message already names the build ("build <id>: ... is missing"); there is
        # no separate source document to put in front of it.
        self.source = ""
        self.reason = " ".join(message.split())
        Exception.__init__(self, self.reason)


def new_build_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"b{stamp}-{os.getpid()}"


def builds_root(index_dir: Path) -> Path:
    return index_dir / "builds"


def build_path(index_dir: Path, build_id: str) -> Path:
    return builds_root(index_dir) / build_id


def collection_name(build_id: str) -> str:
    return f"hakb_{build_id}".replace(".", "_")[:60]


def current_build_id(index_dir: Path) -> str | None:
    try:
        value = (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return value or None


@contextmanager
def locked(index_dir: Path) -> Iterator[None]:
    """Hold the index's lock (every process on the host; it waits for another holder).

    Ingest's cleanup removes builds under it and a rollback checks its target and switches
    CURRENT under it, so a rollback never points CURRENT at a build removed meanwhile, and
    a cleanup always sees the build a rollback made current. Not reentrant: a holder must
    not call `cleanup`."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK_NAME).open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file is closed
        yield


def set_current(index_dir: Path, build_id: str) -> None:
    """Point CURRENT at `build_id`: write a temp file, fsync, rename over."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".CURRENT.")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(build_id + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / "CURRENT")
    _fsync_dir(index_dir)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_jsonl(path: Path, items: Iterable[BaseModel]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(item.model_dump_json() + "\n")


def read_jsonl(path: Path, model: type[M]) -> list[M]:
    try:
        with path.open(encoding="utf-8") as fh:
            return [model.model_validate_json(line) for line in fh if line.strip()]
    except FileNotFoundError as exc:
        raise BuildError(f"build {path.parent.name}: {path.name} is missing") from exc
    except ValueError as exc:
        raise BuildError(f"build {path.parent.name}: {path.name} is damaged ({exc.__class__.__name__})") from exc


def write_vectors(path: Path, ids: list[str], vectors: np.ndarray) -> None:
    np.save(path / "vectors.npy", vectors.astype(np.float32), allow_pickle=False)
    (path / "vector_ids.json").write_text(json.dumps(ids), encoding="utf-8")


def read_vectors(path: Path) -> dict[str, np.ndarray]:
    """Chunk id -> vector of a finished build; empty when it has none readable."""
    try:
        ids = json.loads((path / "vector_ids.json").read_text(encoding="utf-8"))
        vectors = np.load(path / "vectors.npy", allow_pickle=False)
    except (OSError, ValueError):
        return {}
    if len(ids) != len(vectors):
        return {}
    return dict(zip(ids, vectors, strict=True))


def write_manifest(path: Path, manifest: Manifest) -> None:
    """The manifest is the build's seal: written to a temp name, fsynced, renamed."""
    tmp = path / ".manifest.json.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(manifest.model_dump_json(indent=2))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path / "manifest.json")
    _fsync_dir(path)


def read_manifest(path: Path) -> Manifest:
    try:
        text = (path / "manifest.json").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BuildError(f"build {path.name}: manifest.json is missing (incomplete build)") from exc
    except OSError as exc:
        raise BuildError(f"build {path.name}: manifest.json unreadable ({exc.strerror})") from exc
    try:
        return Manifest.model_validate_json(text)
    except ValueError as exc:
        raise BuildError(f"build {path.name}: manifest.json is damaged") from exc


class BuildContents(BaseModel):
    manifest: Manifest
    facts: list[Fact]
    chunks: list[Chunk]


def read_build(index_dir: Path, build_id: str) -> tuple[Path, BuildContents]:
    """Read and check a finished build: every file present, counts as sealed."""
    path = build_path(index_dir, build_id)
    if not path.is_dir():
        raise BuildError(f"build {build_id}: directory is missing")
    manifest = read_manifest(path)
    facts = read_jsonl(path / "facts.jsonl", Fact)
    chunks = read_jsonl(path / "chunks.jsonl", Chunk)
    expected = manifest.counts
    if expected.get("facts") != len(facts) or expected.get("chunks") != len(chunks):
        raise BuildError(
            f"build {build_id}: damaged (facts {len(facts)}/{expected.get('facts')}, "
            f"chunks {len(chunks)}/{expected.get('chunks')})"
        )
    return path, BuildContents(manifest=manifest, facts=facts, chunks=chunks)


def read_sections(path: Path) -> list[Section]:
    return read_jsonl(path / "sections.jsonl", Section)


def finished_builds(index_dir: Path) -> list[str]:
    """Ids of sealed builds, oldest first (ids sort by creation time)."""
    root = builds_root(index_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "manifest.json").is_file())


def cleanup(index_dir: Path, keep: int = KEEP_BUILDS) -> list[str]:
    """Remove unfinished builds and all but the newest `keep` finished ones.

    The current build is never removed, whatever its age. Under the index's lock (`locked`):
    a rollback switching meanwhile waits, and its target is kept once current.
    """
    root = builds_root(index_dir)
    if not root.is_dir():
        return []
    with locked(index_dir):
        return _remove_old(index_dir, root, keep)


def _remove_old(index_dir: Path, root: Path, keep: int) -> list[str]:
    current = current_build_id(index_dir)
    finished = finished_builds(index_dir)
    keep_ids = set(finished[-keep:]) | ({current} if current else set())
    removed = []
    for p in root.iterdir():
        if p.name in keep_ids or p.name.startswith("."):
            continue
        if p.name in finished or _stale(p):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


def _stale(path: Path) -> bool:
    """An unfinished build whose writer is gone (its pid, in the id, is not running)."""
    try:
        pid = int(path.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
