"""The strong llama-index peer (`eval.strong_peer`) over a small document set.

The seed doc as the session's seed build parsed it, plus one short page made here;
the sentences are embedded once per module (a few seconds), into a cache the last
test reopens.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from hakb.eval.baseline import BaselineHit
from hakb.eval.strong_peer import StrongPeer, clean_question
from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.models import DocumentMeta, Section
from hakb.service.models import Answer

SEED_ID = "ha-links-and-backup-links"
DRILL_TEXT = [
    "The failover drill for the HA pair runs quarterly, during the maintenance window.",
    "The on-call engineer records the time each firewall takes to become active.",
    "Drill results are filed in the change calendar.",
]

Documents = list[tuple[DocumentMeta, list[Section]]]


def drill_document() -> tuple[DocumentMeta, list[Section]]:
    body = "\n".join(DRILL_TEXT)
    meta = DocumentMeta(
        doc_id="drills__failover-drill",
        title="Failover Drill",
        source="test",
        kind="markdown",
        sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
    path = ("Failover Drill", "Schedule")
    sections = [Section(doc_id=meta.doc_id, path=path, kind="heading", text="Schedule", order=0)]
    sections += [Section(doc_id=meta.doc_id, path=path, text=t, order=i) for i, t in enumerate(DRILL_TEXT, 1)]
    return meta, sections


@pytest.fixture(scope="module")
def seed_build(seed_data_dir: Path) -> tuple[Path, str]:
    index_dir = seed_data_dir / "index"
    build_id = builds.current_build_id(index_dir)
    assert build_id is not None
    return index_dir, build_id


@pytest.fixture(scope="module")
def documents(seed_build: tuple[Path, str]) -> Documents:
    """The seed as its build parsed it (what `from_build` reads), and the drill page."""
    path, contents = builds.read_build(*seed_build)
    seed_meta = next(m for m in contents.manifest.documents if m.doc_id == SEED_ID)
    seed_sections = [s for s in builds.read_sections(path) if s.doc_id == SEED_ID]
    return [(seed_meta, seed_sections), drill_document()]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("strong-peer-cache")


@pytest.fixture(scope="module")
def peer(onnx_embedder: OnnxEmbedder, documents: Documents, cache_dir: Path) -> StrongPeer:
    return StrongPeer(onnx_embedder, documents, cache_dir)


def test_built_fresh_with_one_node_per_sentence(peer: StrongPeer) -> None:
    assert not peer.cached
    assert peer.build_seconds > 0
    assert peer.threshold == 0.0  # never abstains until fitted
    drill = [n for n in peer.nodes.values() if n.metadata["doc_id"] == "drills__failover-drill"]
    # Each heading line and each sentence is a node; a window holds two on each side.
    assert [n.metadata["original_text"] for n in drill] == ["Failover Drill", "Schedule", *DRILL_TEXT]
    assert drill[3].metadata["window"] == " ".join(["Schedule", *DRILL_TEXT])
    assert len(peer) == len(peer.nodes) > 20


def test_answers_a_seed_question_with_the_window_around_the_port_sentence(peer: StrongPeer) -> None:
    answer = peer.ask("<@U0ABC123> what port does *ha1* use?")
    assert isinstance(answer, Answer)
    assert answer.kind == "passage"
    assert "Ports used for HA1—TCP port 28769 and 28260 for clear text communication" in answer.answer
    assert answer.citations and answer.citations[0].doc_id == SEED_ID
    assert 0.0 <= answer.confidence <= 1.0 and answer.timing_ms > 0


def test_search_returns_baseline_hits_with_window_text(peer: StrongPeer) -> None:
    hits = peer.search("how often is the failover drill run?", top_k=3)
    assert 1 <= len(hits) <= 3
    assert all(isinstance(h, BaselineHit) for h in hits)
    assert hits[0].doc_id == "drills__failover-drill" and "quarterly" in hits[0].text
    assert hits[0].text == peer.node_text(hits[0].node_id)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_fitted_threshold_makes_an_absent_topic_abstain(peer: StrongPeer) -> None:
    def says(*values: str):  # type: ignore[no-untyped-def]
        return lambda a: a.kind != "abstain" and all(v in a.answer for v in values)

    def abstains(a: Answer) -> bool:
        return a.kind == "abstain"

    dev = [
        ("ha1 port?", says("28769")),
        ("ha2 udp port across subnets", says("29281")),
        ("how often is the failover drill run?", says("quarterly")),
        ("which ether type does the ha2 link use?", says("0x7261")),
        ("what port does HA5 use?", abstains),
        ("max hsci cable length between peers?", abstains),
        ("fortigate vrrp timers?", abstains),
    ]
    threshold = peer.fit_threshold(dev)
    try:
        assert peer.threshold == threshold > 0.0
        assert peer.ask("ospf graceful restart timer for bgp peers?").kind == "abstain"
        assert peer.ask("what port does ha1 use?").kind == "passage"
    finally:
        peer.threshold = 0.0


def test_a_second_construction_reads_the_cache(
    peer: StrongPeer, onnx_embedder: OnnxEmbedder, documents: Documents, cache_dir: Path, seed_build: tuple[Path, str]
) -> None:
    again = StrongPeer(onnx_embedder, documents, cache_dir)
    assert again.cached
    assert sorted(again.nodes) == sorted(peer.nodes)
    question = "what port does ha1 use?"
    assert again.ask(question).answer == peer.ask(question).answer
    # Other documents (the seed alone, through from_build) are another cache entry.
    seed_only = StrongPeer.from_build(onnx_embedder, *seed_build, cache_dir=cache_dir)
    assert not seed_only.cached
    assert {n.metadata["doc_id"] for n in seed_only.nodes.values()} == {SEED_ID}


def test_clean_question_drops_chat_markup() -> None:
    assert clean_question("<@U0ABC123> *hb backup* port? see <https://x.test/a|the docs> &gt; `ha1`") == (
        "hb backup port? see the docs > ha1"
    )
