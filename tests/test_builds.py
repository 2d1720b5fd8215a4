"""Builds are atomic and incremental.

* Nothing changed: no new build, nothing embedded.
* One document changed: only its new passages are embedded.
* A build killed half-way (SIGKILL, several moments) leaves the previous one current
  and loadable, and the next ingest succeeds.
* A damaged build is refused with a message that says what is wrong.

The embedder here is the real ONNX one, wrapped to count what it is asked to embed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.index import BuildHolder, NotReady, load_build
from tests.conftest import (
    CORPUS_PAGES,
    SEED_DOC,
    CountingEmbedder,
    clean_env,
    copy_data_dir,
    hakb_command,
    ingest,
    run_hakb,
)

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _build_dirs(data_dir: Path) -> set[str]:
    root = builds.builds_root(data_dir / "index")
    return {p.name for p in root.iterdir()} if root.is_dir() else set()


def _current(data_dir: Path) -> str:
    build_id = builds.current_build_id(data_dir / "index")
    assert build_id
    return build_id


# -- incremental -----------------------------------------------------------------


def test_unchanged_reingest_makes_no_build_and_embeds_nothing(
    seed_data_dir: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    before, dirs = _current(data_dir), _build_dirs(data_dir)
    counting = CountingEmbedder(onnx_embedder)
    result = ingest(data_dir, [data_dir / "docs"], counting, replace=True)
    assert result.ok and not result.changed
    assert result.build_id == before == _current(data_dir)
    assert counting.texts == []
    assert _build_dirs(data_dir) == dirs
    assert all(r.reused for r in result.reports)
    assert result.counts["facts"] > 0  # the summary still describes what is served


def test_one_changed_document_reembeds_only_its_passages(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "docs").mkdir(parents=True)
    shutil.copy(SEED_DOC, data_dir / "docs")
    shutil.copy(SEED_DOC.parent / "manifest.json", data_dir / "docs")
    shutil.copy(FIXTURES / "ports.html", data_dir / "docs")

    first = CountingEmbedder(onnx_embedder)
    result = ingest(data_dir, [data_dir / "docs"], first, replace=True)
    assert result.ok and result.counts["documents"] == 2
    assert len(first.texts) == result.counts["chunks"]  # a first build embeds everything
    old_id = result.build_id or ""
    old_vectors = builds.read_vectors(builds.build_path(data_dir / "index", old_id))

    page = data_dir / "docs" / "ports.html"
    page.write_text(page.read_text(encoding="utf-8").replace("28922", "28923"), encoding="utf-8")
    second = CountingEmbedder(onnx_embedder)
    result = ingest(data_dir, [data_dir / "docs"], second, replace=True)
    assert result.ok and result.changed and result.build_id != old_id

    _, contents = builds.read_build(data_dir / "index", result.build_id or "")
    new_chunks = [c for c in contents.chunks if c.chunk_id not in old_vectors]
    assert new_chunks and {c.doc_id for c in new_chunks} == {"ports"}
    # Exactly the passages that changed were embedded, and all come from the page.
    assert len(second.texts) == len(new_chunks) < len(first.texts)
    assert all("28923" in t or "Ports Used Between Peers" in t for t in second.texts)
    # The seed's vectors were carried over unchanged.
    new_vectors = builds.read_vectors(builds.build_path(data_dir / "index", result.build_id or ""))
    seed_ids = [c.chunk_id for c in contents.chunks if c.doc_id == "ha-links-and-backup-links"]
    assert seed_ids and all(np.array_equal(new_vectors[i], old_vectors[i]) for i in seed_ids)
    assert any(f.value == "28923" for f in contents.facts)


# -- killed builds ---------------------------------------------------------------


def _new_build_dir(data_dir: Path, known: set[str]) -> Path | None:
    fresh = _build_dirs(data_dir) - known
    return builds.builds_root(data_dir / "index") / sorted(fresh)[0] if fresh else None


def _kill_when(
    data_dir: Path, sources: list[str], known: set[str], moment: Callable[[float, Path | None], bool]
) -> subprocess.Popen[bytes]:
    """Run `hakb ingest` and SIGKILL it at the first poll where `moment(elapsed, new_dir)`."""
    process = subprocess.Popen(
        [hakb_command(), "ingest", *sources],
        env=clean_env({"HAKB_DATA_DIR": str(data_dir)}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    try:
        while process.poll() is None and time.monotonic() - started < 300:
            if moment(time.monotonic() - started, _new_build_dir(data_dir, known)):
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.02)
    finally:
        if process.poll() is None and time.monotonic() - started >= 300:
            process.kill()
        process.wait(timeout=30)
    return process


def _after(seconds: float) -> Callable[[float, Path | None], bool]:
    return lambda elapsed, new_dir: elapsed >= seconds


def _dir_age(seconds: float) -> Callable[[float, Path | None], bool]:
    """The new build's folder has existed for `seconds` (0: kill as soon as it appears)."""
    appeared: float | None = None

    def moment(elapsed: float, new_dir: Path | None) -> bool:
        nonlocal appeared
        if new_dir is None:
            return False
        if appeared is None:
            appeared = elapsed
        return elapsed - appeared >= seconds

    return moment


def _assert_previous_serves(data_dir: Path, previous: str) -> None:
    index = data_dir / "index"
    assert builds.current_build_id(index) == previous
    build = load_build(index, previous, None, 8000)
    assert any(f.value == "28769" for f in build.facts.query(subject="HA1", attribute="port"))
    holder = BuildHolder(index)
    assert holder.refresh() and holder.current.build_id == previous


@pytest.mark.skipif(not CORPUS_PAGES.is_dir(), reason=f"the corpus is absent ({CORPUS_PAGES})")
def test_killed_ingest_leaves_the_previous_build_serving(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    previous = _current(data_dir)
    sources = [str(data_dir / "docs"), str(CORPUS_PAGES)]
    moments = {
        "1.5 s after start": _after(1.5),
        "as the new build folder appears": _dir_age(0.0),
        "2 s into writing the new build": _dir_age(2.0),
    }
    for label, moment in moments.items():
        known = _build_dirs(data_dir)
        process = _kill_when(data_dir, sources, known, moment)
        assert process.returncode == -signal.SIGKILL, f"ingest finished before it could be killed {label}"
        _assert_previous_serves(data_dir, previous)
        leftover = _new_build_dir(data_dir, known)
        if leftover is not None:  # a half-written build is never sealed
            assert not (leftover / "manifest.json").exists(), label

    # The next ingest succeeds and sweeps the half-written builds of dead writers away.
    pages = sorted(CORPUS_PAGES.glob("*.md"))[:2]
    done = run_hakb("ingest", *map(str, pages), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    new = _current(data_dir)
    assert new != previous
    build = load_build(data_dir / "index", new, None, 8000)
    assert len(build.manifest.documents) == 3  # the seed carried over, two pages added
    root = builds.builds_root(data_dir / "index")
    assert all((p / "manifest.json").is_file() for p in root.iterdir() if not p.name.startswith("."))


# -- damaged builds --------------------------------------------------------------


def _refused(index: Path) -> str:
    holder = BuildHolder(index)
    assert holder.refresh() is False
    with pytest.raises(NotReady) as info:
        holder.current  # noqa: B018  # the property raises
    return str(info.value)


def test_build_without_manifest_is_refused_as_incomplete(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    build_id = _current(data_dir)
    (builds.build_path(data_dir / "index", build_id) / "manifest.json").unlink()
    message = _refused(data_dir / "index")
    assert build_id in message and "manifest.json is missing" in message


def test_build_with_truncated_facts_is_refused_as_damaged(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    build_id = _current(data_dir)
    facts = builds.build_path(data_dir / "index", build_id) / "facts.jsonl"
    lines = facts.read_text(encoding="utf-8").splitlines(keepends=True)
    facts.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    message = _refused(data_dir / "index")
    assert build_id in message and "damaged" in message and "facts" in message


def test_build_with_a_line_cut_mid_record_is_refused(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    build_id = _current(data_dir)
    facts = builds.build_path(data_dir / "index", build_id) / "facts.jsonl"
    data = facts.read_bytes()
    facts.write_bytes(data[: len(data) // 2])  # a crash in the middle of a write
    message = _refused(data_dir / "index")
    assert "facts.jsonl is damaged" in message


def test_holder_keeps_the_good_build_when_a_damaged_one_becomes_current(seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    index = data_dir / "index"
    good = _current(data_dir)
    holder = BuildHolder(index)
    assert holder.refresh()

    bad = builds.new_build_id()
    shutil.copytree(builds.build_path(index, good), builds.build_path(index, bad))
    (builds.build_path(index, bad) / "chunks.jsonl").write_text("", encoding="utf-8")
    builds.set_current(index, bad)

    assert holder.refresh() is False
    assert holder.current.build_id == good
    assert holder.current.facts.query(subject="HA1", attribute="port")
