"""Ingest end to end: documents in, a build whose facts and answers follow the documents.

Nothing in the answer path names a port: change the document and the fact, the
answer and its quote change with it.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import Fact
from hakb.service.engine import Engine
from hakb.service.index import BuildHolder
from tests.conftest import SEED_DOC, copy_data_dir, ingest

FIXTURES = Path(__file__).parent / "fixtures" / "html"
SEED_NAME = SEED_DOC.name


def _current_facts(data_dir: Path) -> list[Fact]:
    index = data_dir / "index"
    build_id = builds.current_build_id(index)
    assert build_id
    return builds.read_build(index, build_id)[1].facts


def _ha1_ports(facts: list[Fact]) -> dict[str, Fact]:
    return {f.value: f for f in facts if f.subject == "HA1" and f.attribute == "port"}


@pytest.fixture(scope="module")
def edited_data_dir(
    seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, onnx_embedder: OnnxEmbedder
) -> tuple[Path, str, str]:
    """A copy of the seed data dir whose document now says 28799 where it said 28769,
    re-ingested: (data dir, build before, build after)."""
    data_dir = copy_data_dir(seed_data_dir, tmp_path_factory.mktemp("edited") / "data")
    before = builds.current_build_id(data_dir / "index")
    doc = data_dir / "docs" / SEED_NAME
    text = doc.read_text(encoding="utf-8")
    assert text.count("28769") == 1
    doc.write_text(text.replace("28769", "28799"), encoding="utf-8")
    result = ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True)
    assert result.ok and result.changed, result
    assert before
    return data_dir, before, result.build_id or ""


def test_edited_port_becomes_the_fact_and_the_old_one_is_gone(edited_data_dir: tuple[Path, str, str]) -> None:
    data_dir, before, after = edited_data_dir
    assert after != before
    ports = _ha1_ports(_current_facts(data_dir))
    assert "28799" in ports and "28769" not in ports
    fact = ports["28799"]
    assert "28799" in fact.quote and "28769" not in fact.quote
    assert fact.qualifier == "clear text" and fact.protocol == "TCP"
    assert "28260" in ports  # the rest of the sentence is still read the same way


def test_answer_follows_the_edited_document(
    edited_data_dir: tuple[Path, str, str], onnx_embedder: OnnxEmbedder
) -> None:
    data_dir, _, after = edited_data_dir
    holder = BuildHolder(data_dir / "index")
    assert holder.refresh()
    engine = Engine(holder, onnx_embedder)
    answer = engine.ask("what port does ha1 use?")
    assert answer.build_id == after
    assert "28799" in answer.answer and "28769" not in answer.answer
    assert any("28799" in c.quote for c in answer.citations)
    reverse = engine.ask("what uses port 28799?")
    assert reverse.kind == "fact" and "HA1" in reverse.answer
    assert engine.ask("what uses port 28769?").kind == "abstain"


def test_previous_build_is_untouched_by_the_edit(edited_data_dir: tuple[Path, str, str]) -> None:
    data_dir, before, _ = edited_data_dir
    old_facts = builds.read_build(data_dir / "index", before)[1].facts
    assert "28769" in _ha1_ports(old_facts)


def test_summary_counts_describe_the_build(seed_data_dir: Path) -> None:
    index = seed_data_dir / "index"
    manifest = builds.read_manifest(builds.build_path(index, builds.current_build_id(index) or ""))
    counts = manifest.counts
    assert counts["documents"] == 1
    assert counts["sections"] >= 5 and counts["facts"] >= 50 and counts["chunks"] >= 5
    assert counts["conflicts"] == 0
    (doc,) = manifest.documents
    assert doc.doc_id == "ha-links-and-backup-links"
    assert doc.sha256 == hashlib.sha256(SEED_DOC.read_bytes()).hexdigest()


# -- a page fetched from a URL joins the build ----------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    """Serves tests/fixtures/html on a free 127.0.0.1 port (a stand-in for the docs site)."""
    handler = partial(_QuietHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_url_document_is_added_and_earlier_documents_keep_serving(
    seed_data_dir: Path, tmp_path: Path, html_server: str, onnx_embedder: OnnxEmbedder
) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    url = f"{html_server}/ports.html"
    result = ingest(data_dir, [url], onnx_embedder)
    assert result.ok and result.changed, result
    assert result.counts["documents"] == 2
    facts = _current_facts(data_dir)
    from_url = [f for f in facts if f.url == url]
    assert {"28901", "28902", "28922"} <= {f.value for f in from_url if f.attribute == "port"}
    for f in from_url:
        assert f.value in f.quote
        assert "Previous" not in f.quote and "Home" not in f.quote  # page chrome dropped
    # The seed was not named again, yet it is still in the build, unchanged.
    assert "28769" in _ha1_ports(facts)


def test_replace_drops_documents_not_named(seed_data_dir: Path, tmp_path: Path, onnx_embedder: OnnxEmbedder) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    result = ingest(data_dir, [FIXTURES / "ports.html"], onnx_embedder, replace=True)
    assert result.ok and result.counts["documents"] == 1
    assert "28769" not in _ha1_ports(_current_facts(data_dir))
