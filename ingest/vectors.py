"""Chunk vectors in Chroma: an embedded persistent store, or a Chroma server.

`open_chroma_client` picks the mode (a server when a host is given, else a
directory on disk); `ChunkVectorStore` keeps one collection of chunk vectors.
Vectors are always computed by hakb's own embedder and passed in: Chroma's
default embedding function downloads a model, and a collection registered with
a custom one cannot be reopened without it.

Every chromadb, httpx or sqlite error is translated here into `VectorStoreError`
(`VectorStoreUnavailableError` when the server cannot be reached), with a message
that says what was being done and where.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, NotFoundError

from hakb.errors import Unavailable
from hakb.ingest.models import Chunk, Scope
from hakb.ingest.scope import scopes_of_text

if TYPE_CHECKING:
    from llama_index.vector_stores.chroma import ChromaVectorStore

log = logging.getLogger(__name__)

# Cosine space, and HNSW settings that found every exact-match chunk in tests where
# Chroma's defaults missed about 2% (see OFFLINE-NOTES pitfall 3).
HNSW_CONFIGURATION: dict[str, Any] = {
    "hnsw": {"space": "cosine", "ef_search": 500, "ef_construction": 200, "max_neighbors": 32}
}
MIN_NAME_LENGTH = 3  # Chroma rejects shorter collection names
_ADD_BATCH = 1000
_SQLITE_FILE = "chroma.sqlite3"


class VectorStoreError(Unavailable):
    """A vector-store operation failed; the message says which and where."""


class VectorStoreUnavailableError(VectorStoreError):
    """The Chroma server could not be reached."""


def _unavailable(exc: BaseException) -> bool:
    if isinstance(exc, httpx.TransportError):  # connect, read, timeout, protocol errors
        return True
    return isinstance(exc, ValueError) and "could not connect" in str(exc).lower()


@contextmanager
def _translated(action: str, where: str) -> Iterator[None]:
    """Turn the errors of chromadb and the libraries under it into VectorStoreError."""
    try:
        yield
    except VectorStoreError:
        raise
    except (ChromaError, httpx.HTTPError, ValueError, TypeError, OSError) as exc:
        if _unavailable(exc):
            raise VectorStoreUnavailableError(f"{action} failed: Chroma server unreachable at {where} ({exc})") from exc
        raise VectorStoreError(f"{action} failed ({where}): {type(exc).__name__}: {exc}") from exc


def _chroma_settings(allow_reset: bool) -> ChromaSettings:
    return ChromaSettings(anonymized_telemetry=False, allow_reset=allow_reset)


def _forget_deleted_store(path: Path) -> None:
    """Drop chromadb's in-process cache entry for a directory that no longer holds a store.

    chromadb keeps one system per persist directory for the life of the process; if
    the directory was deleted meanwhile, reopening it would hand back the stale system
    (whose database is gone, so writes fail as "readonly database").
    """
    identifier = str(path)
    if (path / _SQLITE_FILE).exists():
        return
    system = SharedSystemClient._identifier_to_system.pop(identifier, None)
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    if system is not None:
        log.debug("forgetting cached Chroma system for deleted %s", path)
        try:
            system.stop()
        except Exception:  # the store under it is gone; nothing left to release
            log.debug("stopping stale Chroma system failed", exc_info=True)


def open_chroma_client(
    path: Path | None, host: str | None = None, port: int = 8000, *, allow_reset: bool = False
) -> ClientAPI:
    """A Chroma client: embedded in `path` when `host` is None, else the server at host:port.

    With a server, `path` is ignored: name collections after the build so builds do not
    collide. Callers that are done with a client should `close()` it.
    """
    settings = _chroma_settings(allow_reset)
    if host is None:
        if path is None:
            raise ValueError("an embedded Chroma store needs a path (or give a server host)")
        path = Path(path).resolve()
        with _translated("opening Chroma store", str(path)):
            path.mkdir(parents=True, exist_ok=True)
            _forget_deleted_store(path)
            return chromadb.PersistentClient(path=path, settings=settings)
    with _translated("connecting to Chroma", f"http://{host}:{port}"):
        return chromadb.HttpClient(host=host, port=port, settings=settings)


def _describe(client: ClientAPI) -> str:
    try:
        s = client.get_settings()
    except Exception:  # only used for messages
        return "Chroma"
    if s.is_persistent and s.persist_directory:
        return str(s.persist_directory)
    if s.chroma_server_host:
        return f"http://{s.chroma_server_host}:{s.chroma_server_http_port}"
    return "in-memory Chroma"


# A chunk's scope in Chroma metadata: one key per field, so retrieval can filter with
# `where` (see `scope_where`). Lists stay lists (Chroma matches them with "$contains").
SCOPE_PREFIX = "scope_"
_SCOPE_LISTS = ("versions", "platforms")

MetadataValue = str | int | float | bool | list[str | int | float | bool]


def chunk_metadata(chunk: Chunk) -> dict[str, MetadataValue]:
    """The chunk's fields as Chroma metadata: text excluded (stored as the document),
    None and empty lists dropped, `subjects` joined with ",", the scope flattened to
    `scope_product`, `scope_deployment`, `scope_versions` (a list), `scope_since`,
    `scope_latest`, `scope_doc_type`, `scope_platforms` (a list), ..., and `scope_open`
    when the page is not pinned to the versions it lists (current docs, "X.Y & later",
    or versions unknown)."""
    meta: dict[str, MetadataValue] = {}
    for key, value in chunk.model_dump(exclude={"text", "scope"}).items():
        if value is None or value == []:
            continue
        meta[key] = ",".join(str(v) for v in value) if isinstance(value, list) else value
    if chunk.scope is not None:
        meta[f"{SCOPE_PREFIX}known"] = True
        meta[f"{SCOPE_PREFIX}open"] = not chunk.scope.versions
        for key, value in chunk.scope.model_dump().items():
            if value is None or value == () or value is False:
                continue
            meta[SCOPE_PREFIX + key] = list(value) if isinstance(value, tuple) else value
        # The products and deployments its sentences hold for: the page's, and any one names
        # for itself ("On the VM-Series firewall in AWS, ..."), for `scope_where`.
        named = scopes_of_text(chunk.scope, chunk.text)
        for key, field in ((f"{SCOPE_PREFIX}products", "product"), (f"{SCOPE_PREFIX}deployments", "deployment")):
            values = sorted({v for s in named if (v := getattr(s, field))})
            if values:
                meta[key] = list(values)
    return meta


def scope_from_metadata(meta: Mapping[str, Any]) -> Scope | None:
    """The scope `chunk_metadata` flattened, back; None for a chunk stored without one."""
    if not meta.get(f"{SCOPE_PREFIX}known"):
        return None
    fields = {k[len(SCOPE_PREFIX) :]: v for k, v in meta.items() if k.startswith(SCOPE_PREFIX)}
    for derived in ("known", "open", "products", "deployments"):
        fields.pop(derived, None)
    for key in _SCOPE_LISTS:
        value = fields.get(key)
        fields[key] = tuple(value) if isinstance(value, list | tuple) else ()
    return Scope.model_validate(fields)


def scope_where(
    *, product: str | None = None, deployment: str | None = None, version: str | None = None
) -> dict[str, Any] | None:
    """A Chroma `where` keeping the chunks of a scope: of `product` (key, as in
    `Scope.product`; a chunk of another product's page with a sentence naming this one
    counts), of `deployment`, and documenting PAN-OS `version` ("10.2"): pages of
    that version, plus those not pinned to versions (current documentation, "X.Y & later",
    which Chroma cannot compare: check `Scope.covers_version` on what comes back).
    None when nothing is asked."""
    clauses: list[dict[str, Any]] = []
    if product:
        clauses.append({f"{SCOPE_PREFIX}products": {"$contains": product}})
    if deployment:
        clauses.append({f"{SCOPE_PREFIX}deployments": {"$contains": deployment}})
    if version:
        parts = version.split(".")
        minor = ".".join(parts[:2])
        clauses.append(
            {
                "$or": [
                    {f"{SCOPE_PREFIX}versions": {"$contains": minor}},
                    {f"{SCOPE_PREFIX}open": True},
                ]
            }
        )
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def chunk_from_record(chunk_id: str, document: str | None, meta: Mapping[str, Any]) -> Chunk:
    """Rebuild a Chunk from what `ChunkVectorStore.add` stored."""
    subjects = meta.get("subjects")
    return Chunk(
        chunk_id=chunk_id,
        doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")),
        url=meta.get("url"),
        section=str(meta.get("section", "")),
        version=meta.get("version"),
        scope=scope_from_metadata(meta),
        text=document or "",
        subjects=str(subjects).split(",") if subjects else [],
    )


class ChunkVectorStore:
    """One Chroma collection of chunk vectors (cosine).

    Args:
        client: from `open_chroma_client`.
        name: collection name (3+ characters).
        create: create the collection if it does not exist; False (for readers)
            raises VectorStoreError when it is missing.
        metadata: collection metadata set on creation, e.g. {"embedder": name}.
    """

    def __init__(
        self,
        client: ClientAPI,
        name: str,
        *,
        create: bool = True,
        metadata: Mapping[str, str | int | float | bool] | None = None,
    ) -> None:
        if len(name) < MIN_NAME_LENGTH:
            raise ValueError(f"collection name must have {MIN_NAME_LENGTH}+ characters: {name!r}")
        self.client = client
        self.name = name
        self.where = f"{_describe(client)} collection {name!r}"
        with self._translated("opening collection"):
            if create:
                self._collection: Collection = client.get_or_create_collection(
                    name,
                    configuration=HNSW_CONFIGURATION,  # type: ignore[arg-type]  # a plain dict of Chroma's TypedDict shape
                    metadata=dict(metadata) if metadata else None,
                    embedding_function=None,
                )
            else:
                try:
                    self._collection = client.get_collection(name, embedding_function=None)
                except NotFoundError as exc:
                    raise VectorStoreError(f"no collection {self.where}") from exc

    def __repr__(self) -> str:
        return f"ChunkVectorStore({self.where})"

    def _translated(self, action: str) -> AbstractContextManager[None]:
        return _translated(action, self.where)

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self._collection.metadata or {})

    def add(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Store chunks with their precomputed vectors (one row per chunk).

        A chunk id already present is replaced.
        """
        vectors = np.asarray(embeddings, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(chunks):
            raise ValueError(f"need one vector per chunk: {len(chunks)} chunks, embeddings shape {vectors.shape}")
        ids = [c.chunk_id for c in chunks]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate chunk ids in one add()")
        with self._translated(f"adding {len(chunks)} chunks"):
            for start in range(0, len(chunks), _ADD_BATCH):
                batch = chunks[start : start + _ADD_BATCH]
                self._collection.upsert(
                    ids=ids[start : start + _ADD_BATCH],
                    embeddings=vectors[start : start + _ADD_BATCH],
                    documents=[c.text for c in batch],
                    metadatas=[chunk_metadata(c) for c in batch],
                )

    def get_embeddings(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by chunk id; ids not in the collection are left out."""
        if not chunk_ids:
            return {}
        with self._translated(f"reading {len(chunk_ids)} embeddings"):
            got = self._collection.get(ids=list(chunk_ids), include=["embeddings"])
        vectors = got["embeddings"]
        if vectors is None:
            return {}
        return {cid: np.asarray(vec, dtype=np.float32) for cid, vec in zip(got["ids"], vectors, strict=True)}

    def get_chunks(self, chunk_ids: Sequence[str]) -> dict[str, Chunk]:
        """Stored chunks by id; ids not in the collection are left out."""
        if not chunk_ids:
            return {}
        with self._translated(f"reading {len(chunk_ids)} chunks"):
            got = self._collection.get(ids=list(chunk_ids), include=["documents", "metadatas"])
        docs: list[str | None] = list(got["documents"] or [])
        docs = docs or [None] * len(got["ids"])
        metas = got["metadatas"] or [{}] * len(got["ids"])
        return {
            cid: chunk_from_record(cid, doc, meta or {}) for cid, doc, meta in zip(got["ids"], docs, metas, strict=True)
        }

    def query(
        self, embedding: np.ndarray, top_k: int = 5, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """The `top_k` nearest chunks as (chunk_id, cosine similarity), best first."""
        queries = np.asarray(embedding, dtype=np.float32).reshape(1, -1)  # one query
        if top_k < 1:
            return []
        with self._translated("querying"):
            got = self._collection.query(
                query_embeddings=queries,
                n_results=top_k,
                where=where,
                include=["distances"],
            )
        distances = (got["distances"] or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(got["ids"][0], distances, strict=True)]

    def count(self) -> int:
        with self._translated("counting"):
            return self._collection.count()

    def delete_collection(self) -> None:
        with self._translated("deleting collection"):
            self.client.delete_collection(self.name)

    def as_llamaindex_store(self) -> ChromaVectorStore:
        """The same collection as a llama-index vector store, for
        `VectorStoreIndex.from_vector_store(store, embed_model=LlamaIndexEmbedding(...))`.

        Its nodes carry the chunk text and the chunk fields as metadata (node id = chunk
        id). llama-index reports exp(-distance) as the score, not `query`'s cosine.
        """
        from llama_index.vector_stores.chroma import ChromaVectorStore

        return ChromaVectorStore(chroma_collection=self._collection)
