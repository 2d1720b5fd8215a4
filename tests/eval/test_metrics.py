"""How one answer is judged and how a ranking is scored (no index needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hakb.eval.metrics import (
    GoldError,
    GoldItem,
    ItemResult,
    Judgement,
    is_relevant,
    judge,
    load_gold,
    retrieval_scores,
    summarise,
)


def item(**kw: object) -> GoldItem:
    fields: dict[str, object] = {
        "id": "x1", "split": "dev", "question": "q?", "kind": "fact", "must": (), "must_not": (), "any_of": (),
        "docs": "seed", "source_doc": "seed-doc", "source_section": "Control Link", "category": "port",
    }
    fields.update(kw)
    return GoldItem(**fields)  # type: ignore[arg-type]


def test_every_must_value_is_needed_in_any_case_and_spacing() -> None:
    gold = item(must=("28769", "28260", "clear  text"))
    assert judge(gold, "HA1 port: TCP 28769, 28260 (CLEAR text).", "fact").correct
    missing = judge(gold, "HA1 port: TCP 28769 (clear text).", "fact")
    assert not missing.correct and "28260" in missing.why


def test_thousands_separators_do_not_matter() -> None:
    assert judge(item(any_of=("1,500",)), "The limit is 1500 bytes.", "fact").correct
    assert judge(item(must=("60000",)), "range is 0 to 60,000 ms", "fact").correct


def test_a_port_is_not_found_inside_a_longer_number() -> None:
    gold = item(must=("28",))
    assert not judge(gold, "TCP 28769 and 28260", "fact").correct
    assert judge(gold, "port 28 for encrypted communication", "fact").correct


def test_a_forbidden_value_makes_the_answer_wrong() -> None:
    gold = item(must=("28771",), must_not=("28770",))
    result = judge(gold, "Heartbeat backup uses 28771; HA1 backup uses 28770.", "fact")
    assert not result.correct and "28770" in result.why


def test_at_least_one_alternative_is_needed() -> None:
    gold = item(must=("28771",), any_of=("MGT", "management"))
    assert judge(gold, "28771 on the management interface", "fact").correct
    assert not judge(gold, "28771 on an in-band port", "fact").correct


def test_yes_or_no_must_come_first() -> None:
    gold = item(must=("no", "aggregate"))
    assert judge(gold, "No. HA3 cannot use an aggregate group here.", "fact").correct
    late = judge(gold, "HA3 on an aggregate: no, it is not supported.", "passage")
    assert not late.correct and "start with 'no'" in late.why


def test_answerable_items_fail_on_abstain_and_abstain_items_need_one() -> None:
    assert not judge(item(must=("28769",)), "The documents do not say 28769.", "abstain").correct
    gold = item(kind="abstain", source_doc=None, source_section=None)
    assert judge(gold, "The documents do not say.", "abstain") == Judgement(True, True, "")
    assert not judge(gold, "HA5 uses port 28769.", "fact").correct


def test_kind_accuracy_is_reported_apart_from_correctness() -> None:
    result = judge(item(kind="passage", must=("heartbeat",)), "HA1 carries heartbeats.", "fact")
    assert result.correct and not result.kind_ok


def test_relevance_needs_the_document_and_the_section_name() -> None:
    gold = item(source_doc="ports", source_section="28770")
    assert is_relevant(gold, "ports", "Ports Used for HA > 28770", "Listening port for HA1 backup links.")
    assert is_relevant(gold, "ports", "Ports Used for HA", "28770 TCP: listening port")
    assert not is_relevant(gold, "other", "Ports Used for HA > 28770", "28770")
    assert is_relevant(item(source_doc="ports", source_section=None), "ports", "anything", "")


def test_ranking_scores_dedupe_and_follow_the_first_relevant_rank() -> None:
    scores = retrieval_scores(
        {"q1": ["a", "a", "b", "c"], "q2": ["x", "y"], "q3": ["z"]},
        {"q1": {"b"}, "q2": {"x", "w"}, "q3": set()},
    )
    # q1: "a" counted once, so "b" is at rank 2.
    assert scores["q1"]["mrr@10"] == pytest.approx(0.5)
    assert scores["q1"]["recall@5"] == 1.0
    assert scores["q1"]["ndcg@10"] == pytest.approx(1 / 1.5849625, rel=1e-5)
    # q2: one of its two relevant units found, at rank 1.
    assert scores["q2"]["recall@5"] == pytest.approx(0.5)
    assert scores["q2"]["hit@5"] == 1.0
    # q3: nothing relevant exists in the index: a miss, not a skipped query.
    assert scores["q3"] == {"recall@5": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0, "hit@5": 0.0}


def test_group_summary_counts_abstention_and_unsupported_numbers() -> None:
    answerable, abstain = item(id="a", must=("28769",)), item(id="b", kind="abstain", source_doc=None)

    def result(gold: GoldItem, answer: str, kind: str, unsupported: list[str] | None = None) -> ItemResult:
        return ItemResult(gold, "hakb", answer, kind, judge(gold, answer, kind), 2.0, unsupported or [])

    summary = summarise([
        result(answerable, "28769", "fact", ["28770"]),
        result(abstain, "The documents do not say.", "abstain"),
        result(answerable, "no idea", "abstain"),
    ])
    assert summary["accuracy"] == pytest.approx(2 / 3)
    assert summary["abstain_precision"] == pytest.approx(0.5)  # one of two abstentions was right
    assert summary["abstain_recall"] == 1.0
    assert summary["unsupported"] == 1
    assert summary["p50_ms"] == 2.0


def test_gold_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    good = {"id": "g1", "split": "dev", "question": "q", "kind": "fact", "must": ["1"]}
    path.write_text(json.dumps(good) + "\n" + json.dumps(good | {"kind": "maybe", "id": "g2"}) + "\n")
    with pytest.raises(GoldError, match=r"gold.jsonl:2: kind"):
        load_gold(path)
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(GoldError, match="duplicate id g1"):
        load_gold(path)


def test_the_shipped_gold_set_loads() -> None:
    items = load_gold(Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl")
    assert len(items) >= 150
    assert {i.split for i in items} == {"dev", "test"}
    assert sum(not i.answerable for i in items) >= 30
