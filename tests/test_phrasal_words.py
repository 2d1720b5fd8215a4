"""A verb and its particle that the question writes apart ("fails over", "failing over")
are the one word the documents write ("failover"); two nouns side by side are not.

The page is invented for these tests (no gold, test or sealed item).
"""

from __future__ import annotations

from pathlib import Path

from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.ranking import text as tx
from tests.test_ranking import _engine_with_pages

_WORDS = {"failover", "setup", "path", "monitor"}


def test_a_verb_and_its_particle_are_the_noun_the_documents_write_as_one_word() -> None:
    assert tx.joined(tx.tokens("the leader fails over"), _WORDS.__contains__) == {"fails": tx.stem("failover")}
    assert tx.joined(tx.tokens("failing over to the peer"), _WORDS.__contains__) == {"failing": tx.stem("failover")}


def test_two_nouns_and_a_word_the_documents_lack_stay_apart() -> None:
    assert tx.joined(tx.tokens("path monitor ping"), {"pathmonitor", *_WORDS}.__contains__) == {}
    assert tx.joined(tx.tokens("back up the config"), _WORDS.__contains__) == {}  # no "backup" here


def test_a_yes_no_question_worded_with_the_verb_is_decided_by_the_sentence_with_the_noun(
    tmp_path: Path, onnx_embedder: OnnxEmbedder
) -> None:
    body = "\n\n".join(
        [
            "# Gizmo Cluster Leader",
            "## Leader Failover",
            "Upon a gizmo leader node failover, the following gizmo protocols are renegotiated:",
            "Zephyr",
            "Quokka",
            "Marlin",
            "Other gizmo functions keep their state across the nodes.",
            "## Node Faults",
            "A gizmo node fails when its disk fails, and a failed node leaves the cluster.",
        ]
    )
    engine = _engine_with_pages(tmp_path, onnx_embedder, {"gizmo.md": ("ngfw/administration/gizmo-leader", body)})
    answer = engine.ask("does quokka get renegotiated when the leader fails over?")
    assert answer.verdict == "yes", answer.answer
    assert "Quokka" in answer.answer
