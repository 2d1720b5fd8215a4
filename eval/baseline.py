"""The naive pipeline hakb is measured against.

A plain llama-index `VectorStoreIndex` (in memory) over the same documents as a
hakb build, chunked by llama-index's default `SentenceSplitter` (1,024 tokens,
200 overlap), embedded with the same ONNX model, top-1 retrieval, and the answer
is the top chunk's text. It never abstains.

Its text is the *parsed* sections of each document, joined in order with each
new heading written on its own line: the same clean body hakb reads (no
navigation menus from the scrapes), so the comparison is about what each
pipeline does with the text, not about who got cleaner input. Note that the
embedder reads at most 256 tokens, so a default 1,024-token chunk is embedded
from its first quarter: that is part of what "naive" costs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex, load_index_from_storage
from llama_index.core.node_parser import SentenceSplitter

from hakb.ingest import builds
from hakb.ingest.embedder import Embedder
from hakb.ingest.llama_embedding import LlamaIndexEmbedding
from hakb.ingest.models import Citation, DocumentMeta, Section
from hakb.service.models import Answer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BaselineHit:
    doc_id: str
    node_id: str
    text: str
    score: float


def document_text(sections: list[Section]) -> str:
    """Sections in order; a heading line wherever the heading path changes."""
    lines: list[str] = []
    path: tuple[str, ...] = ()
    for s in sorted(sections, key=lambda s: s.order):
        if s.path != path:
            common = 0
            while common < min(len(path), len(s.path)) and path[common] == s.path[common]:
                common += 1
            lines.extend(s.path[common:])
            path = s.path
        if s.kind != "heading" and s.text.strip():
            lines.append(s.text.strip())
    return "\n\n".join(lines)


class NaiveBaseline:
    """`cache_dir`: where the embedded index is kept between runs, under a key of the
    documents' hashes and the embedder (re-embedding costs tens of seconds)."""

    def __init__(
        self, embedder: Embedder, documents: list[tuple[DocumentMeta, list[Section]]], cache_dir: Path | None = None
    ) -> None:
        # With no LLM set, llama-index would look for OpenAI; None selects its MockLLM,
        # and the retriever below never calls it. It announces that on stdout: keep
        # stdout for our own table.
        with contextlib.redirect_stdout(io.StringIO()):
            Settings.llm = None
        self.metas = {meta.doc_id: meta for meta, _ in documents}
        embed_model = LlamaIndexEmbedding(embedder)
        started = time.perf_counter()
        store = cache_dir / _cache_key(embedder, documents) if cache_dir is not None else None
        self.cached = store is not None and (store / "docstore.json").is_file()
        if self.cached:
            assert store is not None
            context = StorageContext.from_defaults(persist_dir=str(store))
            self.index = load_index_from_storage(context, embed_model=embed_model)
        else:
            self.index = self._build(embed_model, documents)
            if store is not None:
                shutil.rmtree(store, ignore_errors=True)
                self.index.storage_context.persist(persist_dir=str(store))
        self.build_seconds = time.perf_counter() - started
        log.info(
            "baseline: %d nodes in %.1f s%s",
            len(self.index.docstore.docs),
            self.build_seconds,
            " (cached)" if self.cached else "",
        )
        self.nodes = {n.node_id: n for n in self.index.docstore.docs.values()}
        self._top1 = self.index.as_retriever(similarity_top_k=1)
        self._top10 = self.index.as_retriever(similarity_top_k=10)

    @staticmethod
    def _build(
        embed_model: LlamaIndexEmbedding, documents: list[tuple[DocumentMeta, list[Section]]]
    ) -> VectorStoreIndex:
        docs = [
            Document(
                text=document_text(sections),
                metadata={"doc_id": meta.doc_id, "title": meta.title},
                # The title helps the embedding as it would in any default setup; the
                # slug id is bookkeeping.
                excluded_embed_metadata_keys=["doc_id"],
                excluded_llm_metadata_keys=["doc_id"],
            )
            for meta, sections in documents
        ]
        return VectorStoreIndex.from_documents(docs, embed_model=embed_model, transformations=[SentenceSplitter()])

    @classmethod
    def from_build(
        cls, embedder: Embedder, index_dir: Path, build_id: str, cache_dir: Path | None = None
    ) -> NaiveBaseline:
        """Over exactly the documents (and parsed sections) of a hakb build."""
        path, contents = builds.read_build(index_dir, build_id)
        by_doc: dict[str, list[Section]] = {}
        for s in builds.read_sections(path):
            by_doc.setdefault(s.doc_id, []).append(s)
        return cls(embedder, [(m, by_doc.get(m.doc_id, [])) for m in contents.manifest.documents], cache_dir)

    def search(self, question: str, top_k: int = 10) -> list[BaselineHit]:
        retriever = self._top1 if top_k == 1 else self._top10
        nodes = retriever.retrieve(question)
        return [
            BaselineHit(
                doc_id=n.node.metadata["doc_id"],
                node_id=n.node.node_id,
                text=n.node.get_content(),
                score=n.score or 0.0,
            )
            for n in nodes[:top_k]
        ]

    def ask(self, question: str) -> Answer:
        started = time.perf_counter()
        hits = self.search(question, top_k=1)
        if not hits:  # only with an empty index
            return Answer(question=question, answer="", kind="abstain", confidence=0.0)
        top = hits[0]
        meta = self.metas[top.doc_id]
        citation = Citation(
            doc_id=top.doc_id, title=meta.title, url=meta.url, section=meta.title, quote=top.text, version=meta.version
        )
        return Answer(
            question=question,
            answer=top.text,
            kind="passage",
            confidence=max(0.0, min(1.0, top.score)),
            citations=[citation],
            timing_ms=round((time.perf_counter() - started) * 1000, 3),
        )

    def node_text(self, node_id: str) -> str:
        return str(self.nodes[node_id].get_content())

    def __len__(self) -> int:
        return len(self.nodes)


def _cache_key(embedder: Embedder, documents: list[tuple[DocumentMeta, list[Section]]]) -> str:
    digest = hashlib.sha1(embedder.name.encode())
    for meta, sections in sorted(documents, key=lambda d: d[0].doc_id):
        digest.update(f"{meta.doc_id}\x00{meta.title}".encode())
        digest.update(document_text(sections).encode())
    return digest.hexdigest()[:16]
