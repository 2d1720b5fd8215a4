"""The on-disk build format, in one place: written by ingest, read by the service.

    <index>/CURRENT                 the id of the build being served (replaced atomically)
    <index>/.builds.lock            held while builds are removed or a rollback switches (`locked`)
    <index>/.incoming/              exports being unpacked and checked (`import_build`)
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
import hashlib
import io
import json
import logging
import lzma
import os
import re
import shutil
import tarfile
import tempfile
import time
import uuid
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TypeVar

import numpy as np
from pydantic import BaseModel

from hakb.ingest.errors import IngestError
from hakb.ingest.models import Chunk, Fact, Manifest, Section

log = logging.getLogger(__name__)

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


# -- shipping a build to another replica -------------------------------------------
#
# An export is an uncompressed tar of one sealed build under a folder named for it:
#
#     <id>/checksums.json   {"format": 1, "build_id": ..., "files": {path: {"sha256", "bytes"}}}
#     <id>/manifest.json  <id>/facts.jsonl  ...  <id>/bm25/...
#
# checksums.json comes first and covers every other file, the manifest included. The
# embedded Chroma store is not shipped: its files are Chroma's own format, and the
# importing replica may keep its vectors elsewhere (a Chroma server), so the store is
# made again from vectors.npy where the build lands. An import unpacks into
# <index>/.incoming/, checks every file against its checksum and the manifest's counts,
# and only then moves the build in and points CURRENT at it: a corrupted, truncated or
# altered file is refused and what is served does not change.

CHECKSUMS_NAME = "checksums.json"
EXPORT_FORMAT = 1
INCOMING_DIR = ".incoming"
_NOT_SHIPPED = {"chroma"}  # made again from vectors.npy by the importer
MAX_IMPORT_BYTES = 4 << 30  # a build of the corpus is tens of MB; past this it is no build
_BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class ImportRefused(BuildError):
    """A build export failed its checks: nothing was installed, the current build stands."""


def _shipped_files(path: Path) -> list[str]:
    """The build's files an export carries, as relative POSIX paths, sorted."""
    out = []
    for p in sorted(path.rglob("*")):
        rel = p.relative_to(path)
        if rel.parts[0] in _NOT_SHIPPED or any(part.startswith(".") for part in rel.parts) or not p.is_file():
            continue
        if rel.as_posix() == CHECKSUMS_NAME:  # an imported build keeps the one it came with
            continue
        out.append(rel.as_posix())
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build_checksums(index_dir: Path, build_id: str) -> dict[str, Any]:
    """What an export of a sealed build carries in checksums.json; the build is read whole
    first (every fact and chunk its manifest counts), so a damaged build is never shipped."""
    path, _ = read_build(index_dir, build_id)
    files = {rel: {"sha256": _sha256(path / rel), "bytes": (path / rel).stat().st_size} for rel in _shipped_files(path)}
    return {"format": EXPORT_FORMAT, "build_id": build_id, "files": files}


def export_build(index_dir: Path, build_id: str, out: BinaryIO) -> dict[str, Any]:
    """Write the export of a sealed build to `out` (written in order: a pipe or socket will
    do); returns its checksums record."""
    record = build_checksums(index_dir, build_id)
    path = build_path(index_dir, build_id)
    with tarfile.open(fileobj=out, mode="w|") as tar:
        data = json.dumps(record, indent=1, sort_keys=True).encode()
        tar.addfile(_tar_entry(f"{build_id}/{CHECKSUMS_NAME}", len(data)), io.BytesIO(data))
        for rel, entry in record["files"].items():
            with (path / rel).open("rb") as fh:
                tar.addfile(_tar_entry(f"{build_id}/{rel}", int(entry["bytes"])), fh)
    return record


def _tar_entry(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, int(time.time())
    return info


def import_build(
    index_dir: Path,
    source: BinaryIO,
    *,
    chroma_host: str | None = None,
    chroma_port: int = 8000,
    embedder: str | None = None,
    label: str = "the export",
) -> tuple[str, bool]:
    """Install the build exported in `source` and make it current; (build id, whether
    CURRENT moved). Refused (ImportRefused, nothing changes) when any file does not match
    its checksum, the tar is cut short or holds anything else, the manifest's counts do not
    hold, or the build was embedded by another model than `embedder` (this replica's)."""
    try:
        return _import(index_dir, source, chroma_host, chroma_port, embedder, label)
    except OSError as exc:  # this disk, not the file: said in one line, nothing installed
        where = f" ({exc.filename})" if exc.filename else ""
        raise BuildError(f"{label} not imported, the current build is unchanged: {exc.strerror or exc}{where}") from exc


def _import(
    index_dir: Path, source: BinaryIO, chroma_host: str | None, chroma_port: int, embedder: str | None, label: str
) -> tuple[str, bool]:
    incoming = index_dir / INCOMING_DIR
    _sweep_incoming(incoming)
    staging = incoming / f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        build_id, path = _unpack(source, staging, label)
        manifest = _verify(path, build_id, label, embedder)
        if current_build_id(index_dir) == build_id:
            return build_id, False
        _vector_store(path, build_id, manifest, chroma_host, chroma_port)
        with locked(index_dir):
            dest = build_path(index_dir, build_id)
            if (dest / "manifest.json").is_file():
                read_build(index_dir, build_id)  # already here: served only if still whole
            else:
                shutil.rmtree(dest, ignore_errors=True)  # a leftover that was never sealed
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.rename(path, dest)
                _fsync_dir(dest.parent)
            set_current(index_dir, build_id)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    drop_collections(cleanup(index_dir), chroma_host, chroma_port)
    return build_id, True


def _refused(label: str, why: str) -> ImportRefused:
    return ImportRefused(f"{label} refused, the current build is unchanged: {why}")


def _unpack(source: BinaryIO, staging: Path, label: str) -> tuple[str, Path]:
    """Extract the tar's regular files under `staging`, nothing outside it; (build id, its folder)."""
    top: str | None = None
    total = 0
    try:
        with tarfile.open(fileobj=source, mode="r|*") as tar:
            for member in tar:
                parts = PurePosixPath(member.name).parts
                if not parts or parts[0] in ("/", "..") or ".." in parts or not _BUILD_ID.match(parts[0]):
                    raise _refused(label, f"{member.name!r} is not a path inside a build")
                if top is None:
                    top = parts[0]
                elif parts[0] != top:
                    raise _refused(label, f"it holds more than one build ({top}, {parts[0]})")
                if member.isdir():
                    continue
                if not member.isfile() or len(parts) < 2:
                    raise _refused(label, f"{member.name!r} is not a regular file of a build")
                total += member.size
                if total > MAX_IMPORT_BYTES:
                    raise _refused(label, f"it is larger than {MAX_IMPORT_BYTES >> 20} MB")
                target = staging.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                data = tar.extractfile(member)
                assert data is not None  # a regular file
                with target.open("wb") as fh:
                    shutil.copyfileobj(data, fh, 1 << 20)
                if target.stat().st_size != member.size:
                    raise _refused(label, f"{'/'.join(parts[1:])} is cut short (the file is truncated)")
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, tarfile.TarError) and exc.errno is not None:
            raise  # the disk here, not the file: said as an OSError by the caller
        raise _refused(label, f"it is truncated or not a build export ({exc or type(exc).__name__})") from exc
    if top is None:
        raise _refused(label, "it holds no build")
    return top, staging / top


def _verify(path: Path, build_id: str, label: str, embedder: str | None) -> Manifest:
    try:
        record = json.loads((path / CHECKSUMS_NAME).read_text(encoding="utf-8"))
        files: dict[str, dict[str, Any]] = record["files"]
        if record.get("format") != EXPORT_FORMAT or record.get("build_id") != build_id or not isinstance(files, dict):
            raise ValueError("not this build's checksums")
        if not all(isinstance(entry, dict) for entry in files.values()):
            raise TypeError("an entry is no {sha256, bytes}")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _refused(label, f"{CHECKSUMS_NAME} is missing or unreadable ({type(exc).__name__})") from exc
    # Every file unpacked, the ones an export never carries too (a Chroma store, dot files).
    present = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {CHECKSUMS_NAME}
    if extra := sorted(present - set(files)):
        raise _refused(label, f"{extra[0]} is not in {CHECKSUMS_NAME} (added to the build)")
    for rel, entry in sorted(files.items()):
        file = path / rel
        if rel not in present:
            raise _refused(label, f"{rel} is missing (the file is truncated or was cut)")
        if file.stat().st_size != entry.get("bytes") or _sha256(file) != entry.get("sha256"):
            raise _refused(label, f"{rel} does not match its checksum (the file is damaged or was altered)")
    if "manifest.json" not in files:
        raise _refused(label, "it has no manifest.json (not a sealed build)")
    try:
        manifest = read_manifest(path)
        facts = read_jsonl(path / "facts.jsonl", Fact)
        chunks = read_jsonl(path / "chunks.jsonl", Chunk)
    except BuildError as exc:
        raise _refused(label, exc.reason) from exc
    if manifest.build_id != build_id:
        raise _refused(label, f"its manifest is of build {manifest.build_id}, not {build_id}")
    counts = manifest.counts
    vectors = read_vectors(path)
    if counts.get("facts") != len(facts) or counts.get("chunks") != len(chunks) or len(vectors) != len(chunks):
        raise _refused(label, f"build {build_id} does not hold what its manifest counts")
    if embedder is not None and manifest.embedder != embedder:
        raise _refused(
            label,
            f"build {build_id} was embedded by {manifest.embedder}; this replica embeds questions with "
            f"{embedder} (HAKB_EMBEDDER_DIR must name the same model)",
        )
    return manifest


def _vector_store(path: Path, build_id: str, manifest: Manifest, host: str | None, port: int) -> None:
    """The build's Chroma collection, filled from vectors.npy: in the build's folder, or on
    the Chroma server (where a primary sharing that server may have made it already)."""
    from hakb.ingest.vectors import ChunkVectorStore, VectorStoreError, open_chroma_client

    chunks = read_jsonl(path / "chunks.jsonl", Chunk)
    by_id = read_vectors(path)
    client = open_chroma_client(path / "chroma", host, port)
    try:
        store = ChunkVectorStore(client, collection_name(build_id), metadata={"embedder": manifest.embedder})
        if store.count() != len(chunks):
            dim = next(iter(by_id.values())).shape[0] if by_id else 0
            vectors = np.stack([by_id[c.chunk_id] for c in chunks]) if chunks else np.zeros((0, dim), np.float32)
            store.add(chunks, vectors)
    except VectorStoreError as exc:
        raise BuildError(f"build {build_id}: its vectors could not be stored ({exc})") from exc
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()


def drop_collections(build_ids: Iterable[str], chroma_host: str | None, chroma_port: int) -> None:
    """With a Chroma server, the collections of builds no longer kept go too (an embedded
    store goes with its build's folder). Best effort: a leftover costs space, not answers;
    one already gone (another host sharing the server dropped it) is skipped."""
    removed = list(build_ids)
    if chroma_host is None or not removed:
        return
    from hakb.ingest.vectors import open_chroma_client

    try:
        client = open_chroma_client(None, chroma_host, chroma_port)
    except Exception as exc:  # chromadb's and httpx's errors alike: said, then left
        log.warning("the collections of removed builds %s stay on Chroma: %s", ", ".join(removed), exc)
        return
    try:
        for build_id in removed:
            try:
                client.delete_collection(collection_name(build_id))
            except Exception:  # gone already
                log.debug("no collection of build %s to drop", build_id, exc_info=True)
    finally:
        close = getattr(client, "close", None)
        if callable(close):
            close()


def _sweep_incoming(incoming: Path) -> None:
    """Remove what imports killed half-way left (their pid, first in the name, is gone)."""
    if not incoming.is_dir():
        return
    for p in incoming.iterdir():
        try:
            pid = int(p.name.split("-", 1)[0])
            os.kill(pid, 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(p, ignore_errors=True)
        except PermissionError:
            pass
