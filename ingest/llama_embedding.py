"""An `Embedder` as a llama-index embedding model.

Retrievers built on `VectorStoreIndex.from_vector_store(...)` embed questions with the
same model that embedded the chunks, instead of reaching for OpenAI. Kept apart from
`ingest.embedder` so that only code that uses llama-index imports it.

The dependency runs one way: this adapter knows the `Embedder` interface only as a
type, so `ingest.embedder` (which offers `LlamaIndexEmbedding` lazily) and this
module never import each other at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

if TYPE_CHECKING:
    from hakb.ingest.embedder import Embedder


class LlamaIndexEmbedding(BaseEmbedding):
    """An `Embedder` seen through llama-index's `BaseEmbedding` interface.

    Pass it explicitly (`embed_model=LlamaIndexEmbedding(embedder)`): with no embed
    model, llama-index falls back to OpenAI.
    """

    _embedder: Embedder = PrivateAttr()

    def __init__(self, embedder: Embedder, **kwargs: Any) -> None:
        kwargs.setdefault("model_name", embedder.name)
        super().__init__(**kwargs)
        self._embedder = embedder

    @classmethod
    def class_name(cls) -> str:
        return "HakbEmbedding"

    @property
    def embedder(self) -> Embedder:
        return self._embedder

    def _get_query_embedding(self, query: str) -> list[float]:
        vector: list[float] = self._embedder.embed([query])[0].tolist()
        return vector

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        vector: list[float] = self._embedder.embed([text])[0].tolist()
        return vector

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = self._embedder.embed(texts).tolist()
        return vectors
