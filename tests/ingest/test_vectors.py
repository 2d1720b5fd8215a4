"""Chunk vectors in Chroma: embedded and server mode, reopened, copied, via llama-index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hakb.ingest.embedder import LlamaIndexEmbedding, OnnxEmbedder
from hakb.ingest.models import Chunk
from hakb.ingest.vectors import (
    ChunkVectorStore,
    VectorStoreError,
    VectorStoreUnavailableError,
    open_chroma_client,
)
from tests.ingest.conftest import ChromaServer

REPO = Path(__file__).resolve().parents[2]
Corpus = tuple[list[Chunk], np.ndarray]


@pytest.fixture
def store(tmp_path: Path, corpus: Corpus) -> Iterator[ChunkVectorStore]:
    chunks, vectors = corpus
    client = open_chroma_client(tmp_path / "chroma")
    s = ChunkVectorStore(client, "chunks", metadata={"embedder": "test"})
    s.add(chunks, vectors)
    yield s
    client.close()


def top_hits(store: ChunkVectorStore, queries: np.ndarray, k: int = 1) -> list[str]:
    return [store.query(q, top_k=k)[0][0] for q in queries]


def test_each_chunk_is_the_top_hit_for_its_own_text(
    store: ChunkVectorStore, corpus: Corpus, embedder: OnnxEmbedder
) -> None:
    chunks, _ = corpus
    queries = embedder.embed([c.text for c in reversed(chunks)])[::-1]  # embedded anew
    assert store.count() == len(chunks) >= 300
    assert top_hits(store, queries) == [c.chunk_id for c in chunks]
    best = store.query(queries[0], top_k=5)
    assert best[0][1] == pytest.approx(1.0, abs=1e-4)  # cosine similarity, not distance
    assert [s for _, s in best] == sorted((s for _, s in best), reverse=True)


def test_a_reopened_store_answers_the_same_in_a_new_process(
    store: ChunkVectorStore, corpus: Corpus, tmp_path: Path
) -> None:
    chunks, _ = corpus
    store.client.close()
    script = """
import json, sys
from pathlib import Path
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.vectors import ChunkVectorStore, open_chroma_client
texts = json.loads(Path(sys.argv[2]).read_text())
store = ChunkVectorStore(open_chroma_client(Path(sys.argv[1])), "chunks", create=False)
vectors = OnnxEmbedder().embed(texts)
print(json.dumps({"count": store.count(), "metadata": store.metadata,
                  "top": [store.query(v, top_k=1)[0][0] for v in vectors]}))
"""
    texts_file = tmp_path / "texts.json"
    texts_file.write_text(json.dumps([c.text for c in chunks]))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "chroma"), str(texts_file)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["count"] == len(chunks)
    assert result["metadata"] == {"embedder": "test"}
    assert result["top"] == [c.chunk_id for c in chunks]


def test_embeddings_copy_into_a_new_collection_without_re_embedding(
    store: ChunkVectorStore, corpus: Corpus, tmp_path: Path
) -> None:
    chunks, vectors = corpus
    unchanged = [c for c in chunks if c.doc_id in {"ha-links", "doc-3"}]
    old = store.get_embeddings([c.chunk_id for c in unchanged] + ["no-such-chunk"])
    assert set(old) == {c.chunk_id for c in unchanged}

    new_client = open_chroma_client(tmp_path / "next-build")
    new = ChunkVectorStore(new_client, "chunks")
    new.add(unchanged, np.stack([old[c.chunk_id] for c in unchanged]))
    assert new.count() == len(unchanged)
    index = {c.chunk_id: i for i, c in enumerate(chunks)}
    for chunk in unchanged:
        np.testing.assert_allclose(
            new.get_embeddings([chunk.chunk_id])[chunk.chunk_id],
            vectors[index[chunk.chunk_id]],
            atol=1e-6,
        )
        assert new.query(vectors[index[chunk.chunk_id]], top_k=1)[0][0] == chunk.chunk_id
    new_client.close()


def test_chunks_come_back_with_their_metadata(store: ChunkVectorStore, corpus: Corpus) -> None:
    chunks, _ = corpus
    wanted = {c.chunk_id: c for c in chunks[:10]}
    assert store.get_chunks(list(wanted)) == wanted  # None fields and subject lists survive


def test_query_filters_on_metadata(store: ChunkVectorStore, corpus: Corpus) -> None:
    chunks, vectors = corpus
    hits = store.query(vectors[0], top_k=50, where={"doc_id": "doc-5"})
    assert hits and {h for h, _ in hits} <= {c.chunk_id for c in chunks if c.doc_id == "doc-5"}


def test_adding_the_same_id_replaces_it(store: ChunkVectorStore, corpus: Corpus) -> None:
    chunks, vectors = corpus
    changed = chunks[0].model_copy(update={"text": "replaced"})
    store.add([changed], vectors[1:2])
    assert store.count() == len(chunks)
    assert store.get_chunks([changed.chunk_id])[changed.chunk_id].text == "replaced"


def test_bad_input_is_refused(tmp_path: Path, corpus: Corpus) -> None:
    chunks, vectors = corpus
    client = open_chroma_client(tmp_path / "chroma")
    with pytest.raises(ValueError, match="3"):
        ChunkVectorStore(client, "ab")
    store = ChunkVectorStore(client, "chunks")
    with pytest.raises(ValueError, match="one vector per chunk"):
        store.add(chunks[:3], vectors[:2])
    with pytest.raises(ValueError, match="duplicate"):
        store.add([chunks[0], chunks[0]], vectors[:2])
    store.add(chunks[:1], vectors[:1])
    with pytest.raises(VectorStoreError, match="dimension"):
        store.add(chunks[1:2], vectors[1:2, :10])
    client.close()


def test_deleted_collection_and_deleted_store(tmp_path: Path, corpus: Corpus) -> None:
    chunks, vectors = corpus
    path = tmp_path / "chroma"
    client = open_chroma_client(path)
    store = ChunkVectorStore(client, "chunks")
    store.add(chunks[:5], vectors[:5])
    store.delete_collection()
    with pytest.raises(VectorStoreError, match="no collection"):
        ChunkVectorStore(client, "chunks", create=False)

    # The whole directory goes away (an old build is cleaned up), then is used again.
    store = ChunkVectorStore(client, "chunks")
    store.add(chunks[:5], vectors[:5])
    import shutil

    shutil.rmtree(path)
    again = ChunkVectorStore(open_chroma_client(path), "chunks")
    assert again.count() == 0
    again.add(chunks[:5], vectors[:5])
    assert again.count() == 5


def test_llamaindex_retriever_finds_the_right_chunk(store: ChunkVectorStore, embedder: OnnxEmbedder) -> None:
    from llama_index.core import Settings, VectorStoreIndex

    saved_llm = Settings._llm
    Settings.llm = None  # no LLM: retrievers only, never the OpenAI default
    try:
        index = VectorStoreIndex.from_vector_store(
            store.as_llamaindex_store(), embed_model=LlamaIndexEmbedding(embedder)
        )
        retriever = index.as_retriever(similarity_top_k=3)
        nodes = retriever.retrieve("Which port does heartbeat backup use on the MGT interface?")
    finally:
        Settings._llm = saved_llm
    assert nodes[0].node.node_id == "hb-backup"
    assert "28771" in nodes[0].node.get_content()
    assert nodes[0].node.metadata["title"] == "HA Links and Backup Links"
    assert len(nodes) == 3
    assert "openai" not in sys.modules


def test_chroma_server_mode_and_a_clear_error_when_it_goes_away(chroma_server: ChromaServer, corpus: Corpus) -> None:
    chunks, vectors = corpus
    client = open_chroma_client(None, host=chroma_server.host, port=chroma_server.port)
    store = ChunkVectorStore(client, "build-0001-chunks")
    store.add(chunks, vectors)
    assert store.count() == len(chunks)
    assert top_hits(store, vectors[:50]) == [c.chunk_id for c in chunks[:50]]
    assert store.get_chunks([chunks[0].chunk_id])[chunks[0].chunk_id] == chunks[0]

    chroma_server.stop()
    with pytest.raises(VectorStoreUnavailableError) as caught:
        store.query(vectors[0], top_k=1)
    assert isinstance(caught.value, VectorStoreError)
    assert "unreachable" in str(caught.value) and str(chroma_server.port) in str(caught.value)
    with pytest.raises(VectorStoreUnavailableError, match=str(chroma_server.port)):
        open_chroma_client(None, host=chroma_server.host, port=chroma_server.port)


def test_no_server_at_all_is_a_vector_store_error() -> None:
    from tests.ingest.conftest import free_port

    with pytest.raises(VectorStoreError, match="unreachable"):
        open_chroma_client(None, host="127.0.0.1", port=free_port())
