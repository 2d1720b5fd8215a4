"""A full disk during ingest: a clear error, a non-zero exit, the old build intact and loadable.

The data dir lives on a small tmpfs; a filler file leaves only a little room, at
several levels, so the ingest runs out of space at different stages (JSON lines,
vectors, keyword index, Chroma's SQLite, the manifest). Needs root to mount;
skipped cleanly where mounting is not permitted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.index import load_build
from tests.conftest import SEED_DOCS, ingest, run_hakb

TMPFS_BYTES = 8 * 1024 * 1024
# Free bytes left when the ingest starts: each level fails at a different stage.
FREE_LEVELS = [k * 1024 for k in (8, 48, 96, 160, 240, 320, 400, 480)]


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    mount_point = tmp_path_factory.mktemp("small-disk")
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _changed_docs(root: Path) -> Path:
    """The seed docs with one changed sentence: a new build must be written."""
    docs = root / "changed-docs"
    shutil.copytree(SEED_DOCS, docs)
    page = docs / "ha-links-and-backup-links.txt"
    page.write_text(
        page.read_text(encoding="utf-8") + "\nThe HA1 link carries full-disk test traffic.\n", encoding="utf-8"
    )
    return docs


def _fill(disk: Path, leave: int) -> Path:
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, max(0, free - leave))
    return filler


def test_full_disk_during_ingest_leaves_the_old_build_serving(
    small_disk: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    data_dir = small_disk / "data"
    data_dir.mkdir()
    assert ingest(data_dir, [SEED_DOCS / "ha-links-and-backup-links.txt"], onnx_embedder).ok
    index = data_dir / "index"
    old_id = builds.current_build_id(index)
    assert old_id is not None
    old_facts = len(load_build(index, old_id, None, 8000).facts)
    changed = _changed_docs(tmp_path) / "ha-links-and-backup-links.txt"

    for i, leave in enumerate(FREE_LEVELS):
        filler = _fill(small_disk, leave)
        try:
            if i == 0:  # once as a user runs it: the command
                done = run_hakb("ingest", str(changed), data_dir=data_dir)
                assert done.returncode != 0, f"ingest with {leave} bytes free succeeded:\n{done.stdout}"
                assert "Traceback" not in done.stderr, done.stderr
                message = done.stderr
            else:  # the other levels in-process (the same pipeline), to save start-up time
                result = ingest(data_dir, [changed], onnx_embedder)
                assert result.error and result.build_id == old_id and not result.changed
                message = result.error
        finally:
            filler.unlink()
        # Said plainly, whichever part ran out of room first (Chroma has its own words for it).
        assert "the disk is nearly full" in message, message
        assert "the current build is unchanged" in message
        # The old build is still current, whole, and loads as before; no half build is left.
        assert builds.current_build_id(index) == old_id
        assert len(load_build(index, old_id, None, 8000).facts) == old_facts
        assert sorted(p.name for p in builds.builds_root(index).iterdir() if not p.name.startswith(".")) == [old_id]

    # With room again, the same ingest succeeds and becomes current.
    assert ingest(data_dir, [changed], onnx_embedder).ok
    new_id = builds.current_build_id(index)
    assert new_id != old_id
    assert any("full-disk test traffic" in c.text for c in load_build(index, new_id, None, 8000).chunks.values())
