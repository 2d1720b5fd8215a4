"""The dense half of passage search is a part: Chroma asked for ids and distances, or the
same collection through llama-index's vector store. Either way a user gets the same passages
and the same answer; `HAKB_DENSE_SEARCH` picks one, and a wrong value is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from hakb.settings import Settings

QUESTIONS = [
    "which port does the HA1 backup link use?",
    "what does the data link synchronize?",
    "can I use a data port as the HA1 link on a firewall without dedicated HA ports?",
]


def _engine(data_dir: Path, dense: str):  # type: ignore[no-untyped-def]
    from hakb.service.engine import Engine

    settings = Settings(HAKB_DATA_DIR=data_dir, CHROMA_HOST=None, HAKB_EMBEDDER_DIR=None, HAKB_DENSE_SEARCH=dense)
    engine = Engine.from_settings(settings)
    assert engine.holder.refresh(), engine.holder.problem
    return engine


def test_both_dense_searches_find_the_same_passages_and_answers(seed_data_dir: Path) -> None:
    chroma, llama = _engine(seed_data_dir, "chroma"), _engine(seed_data_dir, "llama-index")
    assert (chroma.retriever.dense.name, llama.retriever.dense.name) == ("chroma", "llama-index")
    build = chroma.holder.current
    for question in QUESTIONS:
        vector = chroma.retriever.embed_query(question)
        a = chroma.retriever.dense.nearest(build, vector, 12)
        b = llama.retriever.dense.nearest(llama.holder.current, vector, 12)
        assert [cid for cid, _ in a] == [cid for cid, _ in b], question
        assert [round(c, 4) for _, c in a] == [round(c, 4) for _, c in b], question
        assert a and all(-1.0 <= c <= 1.0 for _, c in a)
        one, other = chroma.ask(question), llama.ask(question)
        assert (one.kind, one.answer) == (other.kind, other.answer), question


def test_an_unknown_dense_search_is_refused_with_the_choices() -> None:
    with pytest.raises(ValidationError) as err:
        Settings(HAKB_DENSE_SEARCH="faiss")
    assert "chroma" in str(err.value) and "llama-index" in str(err.value)


def test_a_small_scope_is_searched_deep_enough_to_find_its_own_passages() -> None:
    """A view of a few chunks among many keeps only its own of what the shared indexes
    return: when the usual depth kept too few, the search goes as much deeper as the view
    is smaller, and never deeper than the whole index."""
    from types import SimpleNamespace

    from hakb.service.retrieval import _depth

    def view(held: int, total: int) -> object:
        return SimpleNamespace(keyword=[None] * total, chunks=dict.fromkeys(range(held)))

    assert _depth(view(1000, 1000), 24) == 24  # the whole build: as deep as asked
    assert _depth(view(30, 1200), 24) == 960  # 40 times smaller: 40 times deeper
    assert _depth(view(1, 1200), 24) == 1200  # never past the whole index
