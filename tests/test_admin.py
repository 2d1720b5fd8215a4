"""`hakb builds list|rollback` and `hakb docs list`, run as a user runs them, over a data dir
with two real builds: the seed, then the seed plus one more page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from tests.conftest import copy_data_dir, ingest, run_hakb

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


def test_with_no_build_the_commands_say_so(tmp_path: Path) -> None:
    assert "no builds" in run_hakb("builds", "list", data_dir=tmp_path).stdout
    empty = run_hakb("docs", "list", data_dir=tmp_path)
    assert empty.returncode == 2 and "run `hakb ingest` first" in empty.stderr
    assert run_hakb("builds", "rollback", data_dir=tmp_path).returncode == 2
