"""BM25 over chunk texts: the keyword half of hybrid retrieval.

Dense vectors blur exact identifiers ("28771" and "28769" embed almost alike), so
a keyword index finds them. The tokeniser keeps an identifier whole and also adds
its parts, so "HA1-backup" matches both "HA1-backup" and "HA1", and "PA-3260"
matches "PA-3260", "PA" and "3260":

    >>> tokenize("The HA1-backup link on the PA-3260 uses 0x7261.")
    ['ha1-backup', 'ha1', 'backup', 'link', 'pa-3260', 'pa', '3260', 'uses', '0x7261']

Scores come from bm25s (Lucene BM25); ties are broken by the order chunks were
given to `build`, so results are deterministic.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from hakb.errors import IngestFailed

log = logging.getLogger(__name__)

# A run of letters/digits, optionally joined to more runs by - _ . or /
# ("ha1-backup", "pa-3260", "10.2", "ethernet1/1"); a trailing "." is not joined.
_IDENTIFIER = re.compile(r"[^\W_]+(?:[-_./][^\W_]+)*")
_SEPARATORS = re.compile(r"[-_./]")

STOPWORDS = frozenset(
    """
    a about an and are as at be been being but by can could did do does doing for
    from had has have having he her here his how i if in into is it its itself me
    my no nor not of off on once only or other our out over own s same she should
    so some such t than that the their them then there these they this those
    through to too under until up very was we were what when where which while who
    whom why will with would you your
    """.split()
)

_IDS_FILE = "ids.json"
_FORMAT = 1


def tokenize(text: str) -> list[str]:
    """Lower-cased tokens: each identifier whole, then its parts; stopwords dropped."""
    tokens: list[str] = []
    for match in _IDENTIFIER.finditer(text.lower()):
        word = match.group()
        parts = _SEPARATORS.split(word)
        if len(parts) > 1:
            tokens.append(word)
        tokens.extend(p for p in parts if p not in STOPWORDS)
    return tokens


class KeywordIndexError(IngestFailed):
    """A keyword index could not be saved or loaded."""


class KeywordIndex:
    """BM25 over chunk texts, queried by text, returning (chunk_id, score)."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._bm25: bm25s.BM25 | None = None

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        return f"KeywordIndex({len(self._ids)} chunks)"

    @classmethod
    def from_texts(cls, ids: Sequence[str], texts: Sequence[str]) -> KeywordIndex:
        index = cls()
        index.build(ids, texts)
        return index

    def build(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Index `texts` under `ids` (same length, ids unique), replacing any previous content."""
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        if len(set(ids)) != len(ids):
            raise ValueError("chunk ids must be unique")
        self._ids = list(ids)
        self._bm25 = None
        if not self._ids:
            return
        bm25 = bm25s.BM25()
        bm25.index([tokenize(t) for t in texts], show_progress=False)
        self._bm25 = bm25

    def query(self, text: str, top_k: int = 10) -> list[tuple[str, float]]:
        """Chunks sharing at least one token with `text`, best BM25 score first."""
        if self._bm25 is None or top_k < 1:
            return []
        token_ids = self._bm25.get_tokens_ids(tokenize(text))
        if not token_ids:
            return []
        scores = self._bm25.get_scores(token_ids)
        order = np.argsort(-scores, kind="stable")[:top_k]  # stable: ties keep build order
        return [(self._ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            if self._bm25 is not None:
                self._bm25.save(str(directory), show_progress=False)
            (directory / _IDS_FILE).write_text(json.dumps({"format": _FORMAT, "ids": self._ids}), encoding="utf-8")
        except (OSError, TypeError, ValueError) as exc:
            raise KeywordIndexError(f"cannot save keyword index to {directory}: {exc}") from exc

    @classmethod
    def load(cls, directory: Path) -> KeywordIndex:
        directory = Path(directory)
        index = cls()
        try:
            saved = json.loads((directory / _IDS_FILE).read_text(encoding="utf-8"))
            if saved.get("format") != _FORMAT:
                raise ValueError(f"unknown format {saved.get('format')!r}")
            index._ids = list(saved["ids"])
            if index._ids:
                bm25 = bm25s.BM25.load(str(directory), show_progress=False)
                docs = int(bm25.scores["num_docs"])
                if docs != len(index._ids):
                    raise ValueError(f"{docs} indexed documents but {len(index._ids)} ids")
                index._bm25 = bm25
        except (OSError, KeyError, ValueError) as exc:
            raise KeywordIndexError(f"cannot load keyword index from {directory}: {exc}") from exc
        return index
