"""`hakb docs remove DOC`: a new sealed build without one document, made by the ingest
pipeline from the others (nothing embedded again), and the document's file out of the
docs directory; an unknown document is refused and nothing changes. Over a small data dir
of its own: the seed doc and one more page, both in docs/."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hakb.admin import remove_document
from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.settings import Settings
from tests.conftest import CountingEmbedder, ingest, make_data_dir, run_hakb

PAGE = Path(__file__).parent / "fixtures" / "html" / "ports.html"
PAGE_ID = "ports"
SEED_ID = "ha-links-and-backup-links"


@pytest.fixture
def data_dir(tmp_path: Path, onnx_embedder: OnnxEmbedder) -> Path:
    data = make_data_dir(tmp_path / "data")
    shutil.copy(PAGE, data / "docs")
    manifest = data / "docs" / "manifest.json"
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    entries[PAGE.name] = {"title": "Ports Used Between Peers", "url": "https://docs.example.com/ports"}
    manifest.write_text(json.dumps(entries, indent=2), encoding="utf-8")
    result = ingest(data, [data / "docs"], onnx_embedder, replace=True)
    assert result.ok and result.counts["documents"] == 2
    return data


def _facts(data_dir: Path) -> list[tuple[str, str]]:
    index = data_dir / "index"
    _, contents = builds.read_build(index, builds.current_build_id(index) or "")
    return [(f.doc_id, f.value) for f in contents.facts]


def test_remove_makes_a_build_without_the_document_and_embeds_nothing(
    data_dir: Path, onnx_embedder: OnnxEmbedder
) -> None:
    before = builds.current_build_id(data_dir / "index")
    assert (PAGE_ID, "28922") in _facts(data_dir)
    counting = CountingEmbedder(onnx_embedder)

    done = remove_document(Settings(HAKB_DATA_DIR=data_dir), PAGE_ID, counting)

    assert counting.texts == []  # the seed's passages kept their vectors
    assert done.previous == before and done.build_id == builds.current_build_id(data_dir / "index") != before
    facts = _facts(data_dir)
    assert all(doc != PAGE_ID for doc, _ in facts) and (SEED_ID, "28769") in facts
    assert done.counts["documents"] == 1 and not done.notes
    # The docs directory's truth: the file and its manifest line are gone, so an ingest of
    # the docs directory finds nothing new and the document stays out.
    assert not (data_dir / "docs" / PAGE.name).exists() and done.deleted
    assert PAGE.name not in json.loads((data_dir / "docs" / "manifest.json").read_text(encoding="utf-8"))
    again = ingest(data_dir, [data_dir / "docs"], counting, replace=True)
    assert again.ok and not again.changed and again.build_id == done.build_id
    # The build it was in is kept: a rollback brings the document back.
    assert before in builds.finished_builds(data_dir / "index")


def test_remove_from_the_command_line_and_its_refusals(data_dir: Path) -> None:
    index = data_dir / "index"
    before = builds.current_build_id(index)

    unknown = run_hakb("docs", "remove", "portz", data_dir=data_dir)
    assert unknown.returncode == 2, unknown.stderr
    assert unknown.stderr.strip() == (
        f"hakb: no document 'portz' in build {before} (`hakb docs list` shows its 2); did you mean ports?"
    )
    assert builds.current_build_id(index) == before and (data_dir / "docs" / PAGE.name).exists()

    done = run_hakb("docs", "remove", "--json", PAGE_ID, data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["doc_id"] == PAGE_ID and report["previous"] == before
    assert report["build_id"] == builds.current_build_id(index) != before
    listed = run_hakb("docs", "list", "--json", data_dir=data_dir)
    assert [d["doc_id"] for d in json.loads(listed.stdout)["documents"]] == [SEED_ID]

    last = run_hakb("docs", "remove", SEED_ID, data_dir=data_dir)
    assert last.returncode == 2 and "the only document" in last.stderr, last.stderr
    assert "Traceback" not in last.stderr and builds.current_build_id(index) == report["build_id"]
