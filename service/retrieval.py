"""Hybrid passage retrieval: BM25 + dense (Chroma), fused by RRF.

Exact identifiers in the question (port numbers, 0x7261, PA-3260, HA1-A) add
weight to the chunks that contain them verbatim: an embedding blurs 28770 and
28771, a support engineer does not.

The dense half is a part of its own (`DenseSearch`): Chroma asked for ids and
distances (the default), or the same collection through llama-index's vector store
(`HAKB_DENSE_SEARCH=llama-index`). Both return the same chunks with the same cosines;
they differ in cost only, which `hakb bench` prints side by side.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from hakb.errors import Unavailable
from hakb.ingest.embedder import Embedder
from hakb.ingest.models import Chunk
from hakb.ingest.vectors import VectorStoreError
from hakb.service.index import LoadedBuild

RRF_K = 60
QUERY_EMBED_WORDS = 32
_IDENT = re.compile(r"\b(?:0x[0-9a-f]{2,4}|\d{2,5}|(?:pa|vm)-\d{2,4}[a-z]?|ha\d(?:-[ab])?|hsci|aux-\d)\b", re.I)


class PassagesUnavailable(Unavailable):
    """Dense search cannot run (the Chroma server is down)."""


@dataclass
class Hit:
    chunk: Chunk
    score: float  # fused
    dense: float  # cosine similarity, 0 when dense did not return it
    keyword: float


class DenseSearch(Protocol):
    """The chunks nearest a question's vector, as (chunk id, cosine similarity), best first."""

    name: str

    def nearest(self, build: LoadedBuild, vector: np.ndarray, k: int) -> list[tuple[str, float]]: ...


class ChromaNearest:
    """Chroma asked for ids and distances only: the chunks' texts are already in the
    build's memory, so fetching them again with their metadata (what a vector store's
    nodes carry) would only cost time: 2.3 ms of a 4 ms query on the corpus."""

    name = "chroma"

    def nearest(self, build: LoadedBuild, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        assert build.vectors is not None
        try:
            return build.vectors.query(vector, top_k=k)
        except VectorStoreError as exc:
            raise PassagesUnavailable(str(exc)) from exc
        except Exception as exc:  # what the store does not translate still means no passages
            raise PassagesUnavailable(f"vector search failed: {exc.__class__.__name__}") from exc


class LlamaIndexNearest:
    """The same search through llama-index's `ChromaVectorStore`, which makes a node of
    every chunk found (its text and metadata fetched from Chroma)."""

    name = "llama-index"

    def __init__(self) -> None:
        self._stores: dict[str, object] = {}  # llama-index is imported on first search
        self._lock = threading.Lock()

    def _store(self, build: LoadedBuild):  # type: ignore[no-untyped-def]
        """Not through a `VectorStoreIndex`: the index brings the settings machinery, a node
        parser and tiktoken's vocabulary (about 40 MB per worker) into a process that only
        looks vectors up."""
        key = f"{build.build_id}:{id(build.vectors)}"
        with self._lock:
            store = self._stores.get(key)
            if store is None:
                assert build.vectors is not None
                store = build.vectors.as_llamaindex_store()
                # Builds come and go: keep the stores of the last few only.
                if len(self._stores) > 8:
                    self._stores.pop(next(iter(self._stores)))
                self._stores[key] = store
            return store

    def nearest(self, build: LoadedBuild, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        store = self._store(build)
        try:
            found = store.query(VectorStoreQuery(query_embedding=vector.tolist(), similarity_top_k=k))
        except VectorStoreError as exc:
            raise PassagesUnavailable(str(exc)) from exc
        except Exception as exc:  # chromadb/httpx errors surface raw through llama-index
            raise PassagesUnavailable(f"vector search failed: {exc.__class__.__name__}") from exc
        # llama-index scores exp(-cosine distance); turn it back into cosine.
        return [
            (cid, 1.0 + math.log(score) if score and score > 0 else 0.0)
            for cid, score in zip(found.ids or [], found.similarities or [], strict=False)
        ]


DENSE_SEARCHES: dict[str, type[ChromaNearest] | type[LlamaIndexNearest]] = {
    ChromaNearest.name: ChromaNearest,
    LlamaIndexNearest.name: LlamaIndexNearest,
}


class Retriever:
    def __init__(self, embedder: Embedder, dense: DenseSearch | None = None) -> None:
        self.embedder = embedder
        self.dense: DenseSearch = dense or ChromaNearest()

    def embed_query(self, text: str) -> np.ndarray:
        # A question is a few dozen words; the model's cost grows with every token, and the
        # words past these add nothing a question means (the keyword search still reads them).
        words = text.split()
        if len(words) > QUERY_EMBED_WORDS:
            text = " ".join(words[:QUERY_EMBED_WORDS])
        vector: np.ndarray = self.embedder.embed([text])[0]
        return vector

    def search(self, build: LoadedBuild, text: str, top_k: int = 8) -> list[Hit]:
        if build.vectors is None:
            raise PassagesUnavailable(build.vector_error or "vector store unavailable")
        depth = max(top_k * 3, 20)
        vector = self.embed_query(text)
        hits = self._masked(build, text, vector, depth)
        deeper = _depth(build, depth)
        if len(hits) < top_k and deeper > depth:
            # A view of a small scope kept too few of what the whole build's indexes found.
            hits = self._masked(build, text, vector, deeper)
        return hits[:top_k]

    def _masked(self, build: LoadedBuild, text: str, vector: np.ndarray, depth: int) -> list[Hit]:
        """The `depth` best of the shared indexes, those the view holds, fused."""
        dense = [(cid, cos) for cid, cos in self.dense.nearest(build, vector, depth) if cid in build.chunks]
        # A version-filtered build keeps the whole keyword index: drop what it filtered out.
        keyword = [(cid, s) for cid, s in build.keyword.query(text, depth) if cid in build.chunks]
        return fuse(build, text, dense, keyword)


def _depth(build: LoadedBuild, depth: int) -> int:
    """How deep to search the shared indexes for `depth` hits of `build`: a view of one
    scope (the 30 chunks of the Panorama pages among a thousand) keeps only its own
    chunks of what the whole build's indexes return, so they are searched as much deeper
    as the view is smaller, up to all of them."""
    total = len(build.keyword)
    held = len(build.chunks)
    if not held or held >= total:
        return depth
    return min(total, math.ceil(depth * total / held))


def fuse(build: LoadedBuild, text: str, dense: list[tuple[str, float]], keyword: list[tuple[str, float]]) -> list[Hit]:
    scores: dict[str, float] = {}
    dense_score = dict(dense)
    keyword_score = dict(keyword)
    for ranking in (dense, keyword):
        for rank, (cid, _) in enumerate(ranking):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    idents = {m.group(0).lower() for m in _IDENT.finditer(text)}
    if idents:
        for cid in list(scores):
            body = build.chunks[cid].text.lower()
            hits = sum(1 for ident in idents if re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w])", body))
            scores[cid] += hits / (RRF_K + 1)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    return [
        Hit(chunk=build.chunks[cid], score=s, dense=dense_score.get(cid, 0.0), keyword=keyword_score.get(cid, 0.0))
        for cid, s in ranked
        if cid in build.chunks
    ]
