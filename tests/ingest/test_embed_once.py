"""Identical passages are embedded once: the same page in two PAN-OS versions costs one
embedding per distinct passage, yet each version keeps its own chunk, found by retrieval."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hakb.ingest import builds
from hakb.ingest.chunks import embedding_text
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import Chunk
from hakb.ingest.pipeline import IngestOptions, Pipeline
from hakb.ingest.vectors import ChunkVectorStore, open_chroma_client
from tests.conftest import CountingEmbedder

SHARED = (
    "The HA1 link is used to exchange hellos, heartbeats, and HA state information. "
    "Ports used for HA1: TCP port 28769 and 28260 for clear text communication; "
    "port 28 for encrypted communication (SSH over TCP)."
)
PAGE = """---
url: https://docs.paloaltonetworks.com/pan-os/{slug}/pan-os-admin/high-availability/ha-links
---

# HA Links

## Control Link

{shared}

## What Changed

{own}
"""


def _write(docs: Path, slug: str, own: str) -> None:
    docs.mkdir(parents=True, exist_ok=True)
    (docs / f"ha-links-{slug}.md").write_text(PAGE.format(slug=slug, shared=SHARED, own=own), encoding="utf-8")


def _chunks(index_dir: Path) -> tuple[str, list[Chunk]]:
    build_id = builds.current_build_id(index_dir)
    assert build_id
    return build_id, builds.read_build(index_dir, build_id)[1].chunks


def test_a_passage_in_two_versions_is_embedded_once_and_both_are_retrieved(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "10-1", "PAN-OS 10.1 adds HA4 backup links for clusters of firewalls.")
    _write(docs, "10-2", "PAN-OS 10.2 adds path monitoring for virtual wires in an HA pair.")
    counting = CountingEmbedder(onnx_embedder)
    index_dir = tmp_path / "index"
    result = Pipeline(IngestOptions(index_dir=index_dir), counting).run([docs])
    assert result.ok and result.changed, result

    build_id, chunks = _chunks(index_dir)
    shared = [c for c in chunks if c.text == SHARED]
    assert len({c.doc_id for c in shared}) == 2  # each version keeps its own chunk
    shared_text = embedding_text(shared[0])
    assert {embedding_text(c) for c in shared} == {shared_text}
    calls = Counter(counting.texts)
    assert calls[shared_text] == 1
    assert len(counting.texts) == len({embedding_text(c) for c in chunks}) == len(chunks) - 1

    client = open_chroma_client(index_dir / "builds" / build_id / "chroma")
    store = ChunkVectorStore(client, builds.collection_name(build_id), create=False)
    assert store.count() == len(chunks)  # one record per chunk, as before
    hits = store.query(onnx_embedder.embed(["Which ports does HA1 use?"])[0], top_k=2)
    assert {cid for cid, _ in hits} == {c.chunk_id for c in shared}
    found = store.get_chunks([cid for cid, _ in hits])
    assert {c.doc_id for c in found.values()} == {c.doc_id for c in shared}


def test_a_later_ingest_reuses_the_vector_of_a_passage_it_already_embedded(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "10-1", "PAN-OS 10.1 adds HA4 backup links for clusters of firewalls.")
    index_dir = tmp_path / "index"
    first = Pipeline(IngestOptions(index_dir=index_dir), onnx_embedder).run([docs])
    assert first.ok and first.changed, first

    # A new version of the page: a new document (new chunk ids), the same control-link passage.
    new_docs = tmp_path / "new"
    _write(new_docs, "11-0", "PAN-OS 11.0 adds HA clustering on the PA-5450 firewall.")
    counting = CountingEmbedder(onnx_embedder)
    second = Pipeline(IngestOptions(index_dir=index_dir), counting).run([new_docs])
    assert second.ok and second.changed, second

    _, chunks = _chunks(index_dir)
    assert len({c.doc_id for c in chunks if c.text == SHARED}) == 2
    assert counting.texts and all("11.0" in text for text in counting.texts)  # only its own passage
