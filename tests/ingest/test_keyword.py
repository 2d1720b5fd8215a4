"""BM25 keyword search: exact identifiers, ports and models are found."""

from __future__ import annotations

from pathlib import Path

import pytest

from hakb.ingest.keyword import KeywordIndex, KeywordIndexError, tokenize
from hakb.ingest.models import Chunk
from tests.ingest.conftest import make_chunks


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    return make_chunks()


@pytest.fixture(scope="module")
def index(chunks: list[Chunk]) -> KeywordIndex:
    return KeywordIndex.from_texts([c.chunk_id for c in chunks], [c.text for c in chunks])


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("HA1-backup", ["ha1-backup", "ha1", "backup"]),
        ("PA-3260", ["pa-3260", "pa", "3260"]),
        ("ether type 0x7261", ["ether", "type", "0x7261"]),
        ("port 28769.", ["port", "28769"]),
        ("What is the port of the HA2 link?", ["port", "ha2", "link"]),
        ("PAN-OS 10.2, ethernet1/3", ["pan-os", "pan", "os", "10.2", "10", "2", "ethernet1/3", "ethernet1", "3"]),
    ],
)
def test_tokenize_keeps_identifiers_whole_and_split(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("28771", "hb-backup"),
        ("What uses port 28771?", "hb-backup"),
        ("PA-3260", "pa-3260-ports"),
        ("dedicated HA ports on the pa-3260", "pa-3260-ports"),
        ("0x7261", "ha2-data"),
        ("HA1-backup", "hb-backup"),
    ],
)
def test_exact_identifiers_are_the_top_hit(index: KeywordIndex, question: str, expected: str) -> None:
    hits = index.query(question, top_k=5)
    assert hits[0][0] == expected
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)


def test_only_chunks_sharing_a_token_are_returned(index: KeywordIndex) -> None:
    assert [h for h, _ in index.query("28771", top_k=50)] == ["hb-backup"]
    assert index.query("the of which is", top_k=5) == []
    assert index.query("zebra", top_k=5) == []
    assert index.query("", top_k=5) == []
    assert len(index.query("HA1", top_k=7)) == 7


def test_results_are_deterministic_and_survive_save_and_load(
    index: KeywordIndex, chunks: list[Chunk], tmp_path: Path
) -> None:
    questions = ["HA2 session synchronisation", "port 28769 clear text", "PA-3260", "HA4 backup"]
    again = KeywordIndex.from_texts([c.chunk_id for c in chunks], [c.text for c in chunks])
    index.save(tmp_path / "bm25")
    loaded = KeywordIndex.load(tmp_path / "bm25")
    assert len(loaded) == len(chunks)
    for q in questions:
        assert index.query(q, 10) == again.query(q, 10) == loaded.query(q, 10)


def test_ties_keep_build_order() -> None:
    idx = KeywordIndex.from_texts(["b", "a", "c"], ["HA3 link", "HA3 link", "HA3 link"])
    assert [h for h, _ in idx.query("HA3", 3)] == ["b", "a", "c"]


def test_an_empty_index_answers_nothing(tmp_path: Path) -> None:
    empty = KeywordIndex.from_texts([], [])
    assert empty.query("HA1", 5) == []
    empty.save(tmp_path / "empty")
    assert KeywordIndex.load(tmp_path / "empty").query("HA1", 5) == []


def test_bad_input_and_missing_files() -> None:
    with pytest.raises(ValueError):
        KeywordIndex.from_texts(["a"], ["x", "y"])
    with pytest.raises(ValueError, match="unique"):
        KeywordIndex.from_texts(["a", "a"], ["x", "y"])
    with pytest.raises(KeywordIndexError, match="no-such-dir"):
        KeywordIndex.load(Path("/nonexistent/no-such-dir"))
