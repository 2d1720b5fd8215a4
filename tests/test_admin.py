"""`hakb builds list|rollback` and `hakb docs list`, run as a user runs them, over a data dir
with two real builds: the seed, then the seed plus one more page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from tests.conftest import clean_env, copy_data_dir, hakb_command, ingest, run_hakb, wait_until

EXTRA_PAGE = Path(__file__).parent / "fixtures" / "html" / "ports.html"


@pytest.fixture
def two_builds(seed_data_dir: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder) -> tuple[Path, str, str]:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    first = builds.current_build_id(data_dir / "index")
    result = ingest(data_dir, [EXTRA_PAGE], onnx_embedder)
    assert result.ok and result.changed and first and result.build_id
    return data_dir, first, result.build_id


def _docs(data_dir: Path) -> list[str]:
    done = run_hakb("docs", "list", "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    return [d["doc_id"] for d in json.loads(done.stdout)["documents"]]


def test_builds_are_listed_newest_first_with_the_current_one_marked(two_builds: tuple[Path, str, str]) -> None:
    data_dir, first, second = two_builds
    listed = json.loads(run_hakb("builds", "list", "--json", data_dir=data_dir).stdout)
    assert [(b["build_id"], b["current"]) for b in listed] == [(second, True), (first, False)]
    assert listed[0]["documents"] == listed[1]["documents"] + 1
    assert listed[0]["facts"] > listed[1]["facts"] and listed[0]["created_at"]
    text = run_hakb("builds", "list", data_dir=data_dir).stdout
    assert f"* {second}" in text and f"  {first}" in text


def test_a_rollback_serves_the_earlier_build_and_can_be_undone(two_builds: tuple[Path, str, str]) -> None:
    data_dir, first, second = two_builds
    added = set(_docs(data_dir))
    back = run_hakb("builds", "rollback", data_dir=data_dir)
    assert back.returncode == 0, back.stderr
    assert f"build {first} is current (was {second})" in back.stdout
    assert builds.current_build_id(data_dir / "index") == first
    assert len(added - set(_docs(data_dir))) == 1  # the page the later build added is gone
    forward = run_hakb("builds", "rollback", second, data_dir=data_dir)
    assert forward.returncode == 0, forward.stderr
    assert set(_docs(data_dir)) == added


def test_a_rollback_that_cannot_be_done_says_why_and_changes_nothing(two_builds: tuple[Path, str, str]) -> None:
    data_dir, first, second = two_builds
    unknown = run_hakb("builds", "rollback", "b2020", data_dir=data_dir)
    assert (
        unknown.returncode == 2 and f"no sealed build 'b2020'; the builds kept are: {second}, {first}" in unknown.stderr
    )
    same = run_hakb("builds", "rollback", second, data_dir=data_dir)
    assert same.returncode == 2 and "already current" in same.stderr
    facts = builds.build_path(data_dir / "index", first) / "facts.jsonl"
    facts.write_text(facts.read_text().splitlines()[0] + "\n")  # the earlier build is damaged
    damaged = run_hakb("builds", "rollback", data_dir=data_dir)
    assert damaged.returncode == 1 and "damaged" in damaged.stderr and "Traceback" not in damaged.stderr
    assert builds.current_build_id(data_dir / "index") == second  # still served


def _waits_for_the_lock(pid: int, index_dir: Path) -> bool:
    """Whether process `pid` is blocked on the index's lock (a waiter line in /proc/locks)."""
    inode = str((index_dir / builds.LOCK_NAME).stat().st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) > 7 and fields[1] == "->" and fields[5] == str(pid) and fields[6].rsplit(":", 1)[-1] == inode:
            return True
    return False


def test_a_rollback_waits_for_an_ingest_cleanup_and_never_serves_a_removed_build(
    two_builds: tuple[Path, str, str],
) -> None:
    data_dir, first, second = two_builds
    index = data_dir / "index"
    with builds.locked(index):  # an ingest switching builds, about to remove `first`
        rollback = subprocess.Popen(
            [hakb_command(), "builds", "rollback", first],
            env=clean_env({"HAKB_DATA_DIR": str(data_dir)}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def waiting() -> bool:
            assert rollback.poll() is None, f"the rollback did not wait for the ingest: {rollback.communicate()}"
            return _waits_for_the_lock(rollback.pid, index)

        wait_until(waiting, 60, "the rollback to wait for the index lock")
        shutil.rmtree(builds.build_path(index, first))  # the cleanup removes the rollback's target
    out, err = rollback.communicate(timeout=60)
    assert rollback.returncode == 2 and f"no sealed build {first!r}" in err, (out, err)
    assert builds.current_build_id(index) == second  # still served, never a build that is gone


def test_an_ingest_cleanup_waits_for_a_rollback_and_keeps_its_build(two_builds: tuple[Path, str, str]) -> None:
    data_dir, first, second = two_builds
    index = data_dir / "index"
    removed: list[str] = []
    with builds.locked(index):  # a rollback to `first`, between its check and its switch
        cleanup = threading.Thread(target=lambda: removed.extend(builds.cleanup(index, keep=1)))
        cleanup.start()

        def waiting() -> bool:
            assert cleanup.is_alive(), f"the cleanup did not wait for the rollback (removed {removed})"
            return _waits_for_the_lock(os.getpid(), index)

        wait_until(waiting, 60, "the cleanup to wait for the index lock")
        builds.set_current(index, first)
    cleanup.join(60)
    assert first not in removed and builds.read_build(index, first)  # current: kept, whole
    assert builds.finished_builds(index) == [first, second] and builds.current_build_id(index) == first


def test_with_no_build_the_commands_say_so(tmp_path: Path) -> None:
    assert "no builds" in run_hakb("builds", "list", data_dir=tmp_path).stdout
    empty = run_hakb("docs", "list", data_dir=tmp_path)
    assert empty.returncode == 2 and "run `hakb ingest` first" in empty.stderr
    assert run_hakb("builds", "rollback", data_dir=tmp_path).returncode == 2
