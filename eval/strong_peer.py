"""The strong peer: what a competent engineer builds in a day with llama-index alone.

Issue 17. The naive peer (`eval.baseline`) is an easy bar; this one is the honest
comparison. It is made of llama-index-core parts and the libraries hakb already
depends on, and of no hakb answer-engine code (it shares only the parsed documents,
the embedder and the `Answer` type, exactly as the naive peer does):

1. Documents: the parsed sections of each document, as `eval.baseline.document_text`
   writes them (the same clean body the naive peer reads).
2. `SentenceWindowNodeParser`: one node per sentence (Punkt, within each section
   paragraph, so a heading or a table row is a sentence of its own), with a window
   of `window_size` sentences on each side in the node's metadata.
3. Dense retrieval: the sentences embedded with the same MiniLM (`LlamaIndexEmbedding`)
   in an embedded Chroma collection (`ChromaVectorStore`, cosine space).
4. Keyword retrieval: BM25 (bm25s, Lucene scoring) over the sentence and its
   document title, Snowball-stemmed (PyStemmer), NLTK English stop words.
5. `QueryFusionRetriever` in `reciprocal_rerank` mode, `num_queries=1` (no LLM
   writes extra queries: `Settings.llm = None` is llama-index's MockLLM, never called).
6. `SimilarityCoverageReranker` (a `BaseNodePostprocessor`): each candidate is scored
   by the cosine similarity of its sentence to the question and by keyword coverage:
   the share of the question's stemmed content words found in the sentence itself
   (not in the window), each word weighted by its BM25 idf over the sentences, so
   "ha1" counts for more than "port". Weights 0.7 / 0.3.
7. `MetadataReplacementPostProcessor(target_metadata_key="window")`: the answer is
   the top node's window.
8. An abstain threshold on the rerank score, chosen on the dev split only
   (`fit_threshold`); below it the peer abstains. Until fitted it never abstains.

Chat markup (`<@U123>` mentions, `<url|label>` links, `*bold*`, `&gt;`) is removed
from the question with a few regular expressions first: anyone wiring a retriever
to Slack does that on day one.

The embedded collection is cached under `cache_dir` with a key of the documents'
text, the embedder and the parser settings, like `NaiveBaseline` (embedding every
sentence of the corpus takes a minute or two on two cores).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import logging
import math
import re
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bm25s
import chromadb
import numpy as np
import Stemmer
from chromadb.config import Settings as ChromaSettings
from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.node_parser import SentenceWindowNodeParser
from llama_index.core.node_parser.text.utils import split_by_sentence_tokenizer
from llama_index.core.postprocessor import MetadataReplacementPostProcessor
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.retrievers import BaseRetriever, QueryFusionRetriever
from llama_index.core.retrievers.fusion_retriever import FUSION_MODES
from llama_index.core.schema import BaseNode, MetadataMode, NodeWithScore, QueryBundle
from llama_index.core.utils import globals_helper
from llama_index.vector_stores.chroma import ChromaVectorStore

from hakb.eval.baseline import BaselineHit, document_text
from hakb.ingest import builds
from hakb.ingest.embedder import Embedder
from hakb.ingest.llama_embedding import LlamaIndexEmbedding
from hakb.ingest.models import Citation, DocumentMeta, Section
from hakb.service.models import Answer

log = logging.getLogger(__name__)

# Sentences on each side of the hit: 2 makes the five-sentence answers issue 17 describes.
# On the dev split (505-item gold) 1/2/3 gave 0.40/0.44/0.44 accuracy at median
# 290/470/650 characters: 3 (llama-index's default) buys length, not answers.
WINDOW_SIZE = 2
CANDIDATES = 20  # per retriever, and after fusion (10 and 40 did no better on dev)
# rerank score = w * cosine + (1 - w) * idf-weighted coverage; 0.7 was the best of
# 0.0-1.0 on the dev split (0.5: two points lower; cosine or coverage alone: 4-6 lower).
SIMILARITY_WEIGHT = 0.7
PARSER_VERSION = "1"  # part of the cache key: bump when the node parsing changes
_COMPLETE = "complete"  # written into a cache entry once it is whole


# -- question cleaning and words ------------------------------------------------

_MENTION = re.compile(r"<[@#!][^>|]*(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^>|]+)(?:\|([^>]*))?>")
_EMPHASIS = re.compile(r"[*_~`]+")
_WORD = r"(?u)\b\w\w+\b"  # bm25s's default token pattern


def clean_question(text: str) -> str:
    """Slack markup out: mentions dropped (channel names kept), links by their label."""
    text = _MENTION.sub(lambda m: m.group(1) or " ", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = html.unescape(text)
    return " ".join(_EMPHASIS.sub(" ", text).split())


def split_sentences(text: str) -> list[str]:
    """Punkt sentences within each paragraph: `document_text` puts every section
    (heading, paragraph, table row, list item) on its own line, and Punkt alone would
    glue a heading or a table row to the sentence that follows."""
    punkt = split_by_sentence_tokenizer()
    sentences: list[str] = []
    for paragraph in text.split("\n"):
        if paragraph.strip():
            sentences.extend(s.strip() for s in punkt(paragraph) if s.strip())
    return sentences


class Words:
    """Lower-cased `\\w\\w+` tokens, NLTK English stop words out, Snowball stems."""

    def __init__(self) -> None:
        self.stopwords = sorted(set(globals_helper.stopwords))  # bundled with llama-index-core
        self._stopset = frozenset(self.stopwords)
        self.stemmer = Stemmer.Stemmer("english")
        self._pattern = re.compile(_WORD)

    def content_stems(self, text: str) -> list[str]:
        words = [w for w in self._pattern.findall(text.lower()) if w not in self._stopset]
        return list(dict.fromkeys(self.stemmer.stemWords(words)))


# -- retrievers and postprocessors ---------------------------------------------


class BM25SentenceRetriever(BaseRetriever):
    """BM25 (bm25s) over the nodes' text plus their title (llama-index's `MetadataMode.EMBED`,
    as its own `BM25Retriever` indexes). That package pins PyStemmer < 3, so it cannot
    install beside hakb's PyStemmer 3.1; this is the same thing in forty lines."""

    def __init__(self, nodes: Sequence[BaseNode], words: Words, similarity_top_k: int = CANDIDATES) -> None:
        super().__init__()
        self._nodes = list(nodes)
        self._words = words
        self._top_k = similarity_top_k
        tokens = bm25s.tokenize(
            [n.get_content(metadata_mode=MetadataMode.EMBED) for n in self._nodes],
            stopwords=words.stopwords,
            stemmer=words.stemmer,
            show_progress=False,
        )
        self._bm25 = bm25s.BM25()
        self._bm25.index(tokens, show_progress=False)
        self._vocab = set(self._bm25.vocab_dict)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = bm25s.tokenize(
            [query_bundle.query_str],
            stopwords=self._words.stopwords,
            stemmer=self._words.stemmer,
            return_ids=False,
            show_progress=False,
        )[0]
        query = [t for t in query if t in self._vocab]
        if not query or not self._nodes:
            return []
        scores = self._bm25.get_scores(query)
        k = min(self._top_k, len(self._nodes))
        top = np.argsort(-scores, kind="stable")[:k]
        # Copies: a postprocessor downstream (the window replacement) rewrites node text.
        return [
            NodeWithScore(node=self._nodes[i].model_copy(deep=True), score=float(scores[i]))
            for i in top
            if scores[i] > 0
        ]


class SimilarityCoverageReranker(BaseNodePostprocessor):
    """Score = w * cosine(question, sentence) + (1 - w) * coverage, where coverage is the
    idf-weighted share of the question's stemmed content words that occur in the node's
    own sentence (`original_text`, not the window). Sorted by that score, ties in fused
    order. `sentences`: every node's sentence, for the document frequencies; a word no
    sentence holds gets the highest idf (a question about something absent covers little)."""

    similarity_weight: float = Field(default=SIMILARITY_WEIGHT)
    _vectors: dict[str, np.ndarray] = PrivateAttr()
    _embed_model: Any = PrivateAttr()
    _words: Words = PrivateAttr()
    _df: Counter[str] = PrivateAttr()
    _n: int = PrivateAttr()

    def __init__(
        self, vectors: dict[str, np.ndarray], embed_model: Any, words: Words, sentences: Sequence[str], **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._vectors = vectors
        self._embed_model = embed_model
        self._words = words
        self._df = Counter(stem for s in sentences for stem in words.content_stems(s))
        self._n = len(sentences)

    def idf(self, stem: str) -> float:
        df = self._df[stem]
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    @classmethod
    def class_name(cls) -> str:
        return "SimilarityCoverageReranker"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        if query_bundle is None or not nodes:
            return nodes
        if query_bundle.embedding is None:  # the dense retriever normally set it already
            query_bundle.embedding = self._embed_model.get_query_embedding(query_bundle.query_str)
        q = np.asarray(query_bundle.embedding, dtype=np.float32)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        wanted = {stem: self.idf(stem) for stem in self._words.content_stems(query_bundle.query_str)}
        total = sum(wanted.values())
        w = self.similarity_weight
        for n in nodes:
            vector = self._vectors.get(n.node.node_id)
            similarity = float(vector @ q) if vector is not None else 0.0
            sentence = n.node.metadata.get("original_text") or n.node.get_content()
            have = set(self._words.content_stems(sentence))
            coverage = sum(weight for stem, weight in wanted.items() if stem in have) / total if total else 0.0
            n.score = w * similarity + (1 - w) * coverage
        return sorted(nodes, key=lambda n: n.score or 0.0, reverse=True)


# -- the peer ------------------------------------------------------------------


class StrongPeer:
    """See the module docstring. `threshold`: answers whose rerank score is below it
    abstain; 0.0 (never abstain) until `fit_threshold` sets it from dev items."""

    def __init__(
        self,
        embedder: Embedder,
        documents: list[tuple[DocumentMeta, list[Section]]],
        cache_dir: Path | None = None,
        *,
        window_size: int = WINDOW_SIZE,
        candidates: int = CANDIDATES,
        similarity_weight: float = SIMILARITY_WEIGHT,
    ) -> None:
        # No LLM anywhere: None selects llama-index's MockLLM (the fusion retriever with
        # num_queries=1 never calls it). It announces that on stdout; keep stdout clean.
        with contextlib.redirect_stdout(io.StringIO()):
            Settings.llm = None
        self.metas = {meta.doc_id: meta for meta, _ in documents}
        self.window_size = window_size
        self.threshold = 0.0
        self.embed_model = LlamaIndexEmbedding(embedder)
        started = time.perf_counter()
        key = _cache_key(embedder, documents, window_size)
        store = cache_dir / f"strong-{key}" if cache_dir is not None else None
        self.cached = store is not None and (store / _COMPLETE).is_file()
        settings = ChromaSettings(anonymized_telemetry=False)
        if store is None:
            client = chromadb.EphemeralClient(settings=settings)
            name = f"strong_{key}_{uuid.uuid4().hex[:8]}"  # ephemeral clients share one in-process system
        else:
            if not self.cached:
                shutil.rmtree(store, ignore_errors=True)
            store.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(store / "chroma"), settings=settings)
            name = f"strong_{key}"
        # embedding_function=None: vectors always come from our embedder, and Chroma's
        # default function would fetch a model of its own.
        collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
        self.vector_store = ChromaVectorStore(chroma_collection=collection)
        if self.cached:
            self.index = VectorStoreIndex.from_vector_store(self.vector_store, embed_model=self.embed_model)
        else:
            nodes = self._parse(documents, window_size)
            storage = StorageContext.from_defaults(vector_store=self.vector_store)
            self.index = VectorStoreIndex(nodes, storage_context=storage, embed_model=self.embed_model)
            if store is not None:
                (store / _COMPLETE).write_text(f"{len(nodes)}\n", encoding="utf-8")
        # The nodes as Chroma holds them (the same objects on a fresh build and a cached one).
        stored = collection.get(include=["embeddings"])
        vectors = {i: np.asarray(v, dtype=np.float32) for i, v in zip(stored["ids"], stored["embeddings"], strict=True)}
        all_nodes = sorted(self.vector_store.get_nodes(None), key=lambda n: n.node_id) if vectors else []
        self.nodes: dict[str, BaseNode] = {n.node_id: n for n in all_nodes}

        self.words = Words()
        retrievers: list[BaseRetriever] = [self.index.as_retriever(similarity_top_k=candidates)]
        if self.nodes:
            retrievers.append(BM25SentenceRetriever(all_nodes, self.words, similarity_top_k=candidates))
        self.retriever = QueryFusionRetriever(
            retrievers,
            mode=FUSION_MODES.RECIPROCAL_RANK,
            num_queries=1,  # the question only: no LLM-generated rewrites
            similarity_top_k=candidates,
            use_async=False,
        )
        sentences = [str(n.metadata.get("original_text") or n.get_content()) for n in all_nodes]
        self.reranker = SimilarityCoverageReranker(
            vectors, self.embed_model, self.words, sentences, similarity_weight=similarity_weight
        )
        self.window = MetadataReplacementPostProcessor(target_metadata_key="window")
        self.build_seconds = time.perf_counter() - started  # embedding (or cache read) and BM25
        log.info(
            "strong peer: %d nodes in %.1f s%s", len(self.nodes), self.build_seconds, " (cached)" if self.cached else ""
        )

    @staticmethod
    def _parse(documents: list[tuple[DocumentMeta, list[Section]]], window_size: int) -> list[BaseNode]:
        docs = [
            Document(
                text=document_text(sections),
                id_=meta.doc_id,
                metadata={"doc_id": meta.doc_id, "title": meta.title},
                excluded_embed_metadata_keys=["doc_id"],
                excluded_llm_metadata_keys=["doc_id"],
            )
            for meta, sections in documents
        ]
        parser = SentenceWindowNodeParser.from_defaults(
            sentence_splitter=split_sentences,
            window_size=window_size,
            # Readable ids that sort in document order: "<doc_id>#00012".
            id_func=lambda i, doc: f"{doc.doc_id}#{i:05d}",
        )
        return parser.get_nodes_from_documents(docs)

    @classmethod
    def from_build(
        cls, embedder: Embedder, index_dir: Path, build_id: str, cache_dir: Path | None = None
    ) -> StrongPeer:
        """Over exactly the documents (and parsed sections) of a hakb build."""
        path, contents = builds.read_build(index_dir, build_id)
        by_doc: dict[str, list[Section]] = {}
        for s in builds.read_sections(path):
            by_doc.setdefault(s.doc_id, []).append(s)
        return cls(embedder, [(m, by_doc.get(m.doc_id, [])) for m in contents.manifest.documents], cache_dir)

    # -- asking ----------------------------------------------------------------

    def ranked(self, question: str) -> list[NodeWithScore]:
        """Fused candidates, reranked, each node's text replaced by its window."""
        if not self.nodes:
            return []
        query = clean_question(question) or question
        bundle = QueryBundle(query)
        fused = self.retriever.retrieve(bundle)
        reranked = self.reranker.postprocess_nodes(fused, query_bundle=bundle)
        return self.window.postprocess_nodes(reranked, query_bundle=bundle)

    def search(self, question: str, top_k: int = 10) -> list[BaselineHit]:
        return [
            BaselineHit(
                doc_id=n.node.metadata["doc_id"],
                node_id=n.node.node_id,
                text=n.node.get_content(),
                score=n.score or 0.0,
            )
            for n in self.ranked(question)[:top_k]
        ]

    def ask(self, question: str) -> Answer:
        started = time.perf_counter()
        answer = self._answer(question, self.ranked(question), self.threshold)
        answer.timing_ms = round((time.perf_counter() - started) * 1000, 3)
        return answer

    def _answer(self, question: str, ranked: list[NodeWithScore], threshold: float) -> Answer:
        if not ranked:
            return Answer(question=question, answer="", kind="abstain", confidence=0.0)
        top = ranked[0]
        score = top.score or 0.0
        confidence = max(0.0, min(1.0, score))
        if score < threshold:
            return Answer(question=question, answer="", kind="abstain", confidence=confidence)
        doc_id = top.node.metadata["doc_id"]
        meta = self.metas.get(doc_id)
        text = top.node.get_content()
        citations = (
            []
            if meta is None
            else [
                Citation(
                    doc_id=doc_id, title=meta.title, url=meta.url, section=meta.title, quote=text, version=meta.version
                )
            ]
        )
        return Answer(question=question, answer=text, kind="passage", confidence=confidence, citations=citations)

    def fit_threshold(self, items: list[tuple[str, Callable[[Answer], bool]]]) -> float:
        """Pick the abstain threshold that maximises accuracy over `items` (dev only!):
        each is (question, is_correct(answer)); the callable judges both the passage and
        the abstention, so it alone knows which items are answerable. The threshold is
        set midway between the two top scores that bound the best range (the lowest such
        range when several tie: answering is preferred), stored and returned."""
        scored: list[tuple[float, bool, bool]] = []  # (score, passage right, abstain right)
        for question, is_correct in items:
            ranked = self.ranked(question)
            score = (ranked[0].score or 0.0) if ranked else -math.inf
            passage = self._answer(question, ranked, -math.inf)
            abstain = Answer(question=question, answer="", kind="abstain", confidence=0.0)
            scored.append((score, passage.kind != "abstain" and is_correct(passage), is_correct(abstain)))
        if not scored:
            return self.threshold
        cuts = sorted({s for s, _, _ in scored if math.isfinite(s)})
        # Candidate thresholds: below every score (never abstain), between each pair,
        # above every score (always abstain).
        candidates = [cuts[0] - 1e-6] if cuts else [0.0]
        candidates += [(a + b) / 2 for a, b in zip(cuts, cuts[1:], strict=False)]
        if cuts:
            candidates.append(cuts[-1] + 1e-6)
        best, best_correct = candidates[0], -1
        for t in candidates:
            correct = sum(p if s >= t else a for s, p, a in scored)
            if correct > best_correct:
                best, best_correct = t, correct
        self.threshold = float(best)
        log.info("strong peer: threshold %.4f, %d/%d dev items right", self.threshold, best_correct, len(scored))
        return self.threshold

    def node_text(self, node_id: str) -> str:
        """The node's window: what the peer answers with when this node ranks first."""
        node = self.nodes[node_id]
        return str(node.metadata.get("window") or node.get_content())

    def __len__(self) -> int:
        return len(self.nodes)


def _cache_key(embedder: Embedder, documents: list[tuple[DocumentMeta, list[Section]]], window_size: int) -> str:
    digest = hashlib.sha1(f"{embedder.name}\x00{window_size}\x00{PARSER_VERSION}".encode())
    for meta, sections in sorted(documents, key=lambda d: d[0].doc_id):
        digest.update(f"{meta.doc_id}\x00{meta.title}".encode())
        digest.update(document_text(sections).encode())
    return digest.hexdigest()[:16]
