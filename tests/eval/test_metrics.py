"""How one answer is judged and how a ranking is scored (no index needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hakb.eval.metrics import (
    LIST_CATEGORIES,
    SEALED,
    GoldError,
    GoldItem,
    ItemResult,
    Judgement,
    NegativeFact,
    PairResult,
    VariantResult,
    at_threshold,
    is_relevant,
    judge,
    load_directional,
    load_gold,
    load_negative_facts,
    negative_fact_matches,
    retrieval_scores,
    risk_thresholds,
    summarise,
    summarise_pairs,
    summarise_variants,
    unsupported_numbers,
)

EVAL = Path(__file__).resolve().parents[2] / "eval"


def item(**kw: object) -> GoldItem:
    fields: dict[str, object] = {
        "id": "x1",
        "split": "dev",
        "question": "q?",
        "kind": "fact",
        "must": (),
        "must_not": (),
        "any_of": (),
        "docs": "seed",
        "source_doc": "seed-doc",
        "source_section": "Control Link",
        "category": "port",
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

    summary = summarise(
        [
            result(answerable, "28769", "fact", ["28770"]),
            result(abstain, "The documents do not say.", "abstain"),
            result(answerable, "no idea", "abstain"),
        ]
    )
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
    items = load_gold(EVAL / "gold.jsonl")
    assert len(items) >= 150
    assert {i.split for i in items} == {"dev", "test"}
    assert sum(not i.answerable for i in items) >= 30


def test_the_shipped_sealed_directional_and_negative_files_load() -> None:
    if (EVAL / "sealed.jsonl").is_file():
        sealed = load_gold(EVAL / "sealed.jsonl", split=SEALED)
        gold_ids = {i.id for i in load_gold(EVAL / "gold.jsonl")}
        assert not gold_ids & {i.id for i in sealed}
    if (EVAL / "directional.jsonl").is_file():
        pairs = load_directional(EVAL / "directional.jsonl")
        assert pairs and all(p.a.answerable and p.b.answerable for p in pairs)
    if (EVAL / "negative_facts.jsonl").is_file():
        assert load_negative_facts(EVAL / "negative_facts.jsonl")


def result(gold: GoldItem, answer: str, kind: str, *, score: float | None = None, latency: float = 2.0) -> ItemResult:
    return ItemResult(gold, "hakb", answer, kind, judge(gold, answer, kind), latency, score=score)


def test_the_sealed_file_must_hold_sealed_items_only(tmp_path: Path) -> None:
    path = tmp_path / "sealed.jsonl"
    row = {"id": "s1", "split": "sealed", "question": "q", "kind": "abstain"}
    path.write_text(json.dumps(row) + "\n" + json.dumps(row | {"id": "s2", "split": "test"}) + "\n")
    with pytest.raises(GoldError, match=r"sealed.jsonl:2: split must be 'sealed'"):
        load_gold(path, split=SEALED)


def test_directional_pairs_load_as_two_answerable_items(tmp_path: Path) -> None:
    path = tmp_path / "directional.jsonl"
    pair = {
        "id": "d1",
        "split": "dev",
        "varies": "encryption",
        "a": {"question": "ha1 port encrypted?", "must": ["28"], "must_not": ["28769"], "any_of": []},
        "b": {"question": "ha1 port clear text?", "must": ["28769"], "must_not": ["28"]},
    }
    path.write_text(json.dumps(pair) + "\n")
    [loaded] = load_directional(path)
    assert (loaded.id, loaded.split, loaded.varies) == ("d1", "dev", "encryption")
    assert loaded.a.question == "ha1 port encrypted?" and loaded.b.must == ("28769",) and loaded.b.any_of == ()
    assert judge(loaded.a, "HA1 port: TCP 28 (encrypted)", "fact").correct
    assert not judge(loaded.b, "HA1 port: TCP 28 (encrypted)", "fact").correct
    path.write_text(json.dumps(pair | {"b": {"must": ["1"]}}) + "\n")
    with pytest.raises(GoldError, match="directional.jsonl:1"):
        load_directional(path)


def test_a_pair_fails_on_either_side_and_counts_wrong_answers_not_abstentions() -> None:
    a, b = item(id="a", must=("28",)), item(id="b", must=("28769",))
    from hakb.eval.metrics import DirectionalPair

    pair = DirectionalPair("d1", "dev", "encryption", a, b)
    right = PairResult(pair, result(a, "TCP 28", "fact"), result(b, "TCP 28769", "fact"))
    flipped = PairResult(pair, result(a, "TCP 28", "fact"), result(b, "TCP 28", "fact"))
    withheld = PairResult(pair, result(a, "The documents do not say.", "abstain"), result(b, "TCP 28769", "fact"))
    assert right.ok and not flipped.ok and not withheld.ok
    summary = summarise_pairs([right, flipped, withheld])
    assert summary == {"pairs": 3, "both_right": 1, "pair_accuracy": pytest.approx(1 / 3), "wrong": 1, "abstained": 1}


def test_a_negative_fact_matches_a_row_by_normalised_names_and_whole_values() -> None:
    neg = NegativeFact("HA1", "port", "29281")
    assert negative_fact_matches(neg, "HA1", "port", "29281")
    assert negative_fact_matches(neg, "ha1", "Port", "UDP 29,281")
    assert negative_fact_matches(neg, "HA1", "port", "29281", "UDP", None)
    assert not negative_fact_matches(neg, "HA2", "port", "29281")
    assert not negative_fact_matches(neg, "HA1", "ip-protocol", "29281")
    assert not negative_fact_matches(NegativeFact("HA1", "port", "28"), "HA1", "port", "28769")
    assert negative_fact_matches(
        NegativeFact("heartbeat-backup", "ip protocol", "Layer 3"), "Heartbeat Backup", "ip_protocol", "layer 3"
    )
    assert not negative_fact_matches(NegativeFact("HA1", "port", ""), "HA1", "port", "28")


def test_negative_facts_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "negative_facts.jsonl"
    path.write_text(
        json.dumps({"subject": "HA1", "attribute": "port", "value": "99", "why": "HA2"}) + '\n{"subject": "x"}\n'
    )
    with pytest.raises(GoldError, match=r"negative_facts.jsonl:2"):
        load_negative_facts(path)


def test_unsupported_numbers_need_a_whole_token_in_a_quote_or_the_question() -> None:
    quotes = ["HA1 uses TCP port 28769 and 28,260 > Control Link"]
    assert unsupported_numbers("HA1 port: 28769, 28260", quotes) == []
    assert unsupported_numbers("HA1 port: 2876", quotes) == ["2876"]
    assert unsupported_numbers("PA-440 has none", [], "do PA-440s have HA ports?") == []
    assert unsupported_numbers("0x7261 on PA-3260", quotes) == ["0x7261", "PA-3260"]


def test_median_answer_length_counts_only_answers_given() -> None:
    gold = item(must=("28",))
    summary = summarise(
        [result(gold, "x" * 10, "fact"), result(gold, "x" * 30, "fact"), result(gold, "nothing here", "abstain")]
    )
    assert summary["answer_chars"] == 20.0


def test_risk_coverage_withholds_answers_under_the_threshold() -> None:
    right, abstain = item(id="a", must=("28",)), item(id="b", kind="abstain", source_doc=None)
    rs = [
        result(right, "TCP 28", "fact", score=0.9),
        result(right, "TCP 29", "fact", score=0.4),  # wrong, low score
        result(abstain, "HA5 is 28", "fact", score=0.3),  # should have abstained
        result(abstain, "The documents do not say.", "abstain", score=0.1),
    ]
    as_is = at_threshold(rs, None)
    assert as_is["coverage"] == 0.75 and as_is["answered_accuracy"] == pytest.approx(1 / 3)
    assert as_is["abstain_precision"] == 1.0 and as_is["abstain_recall"] == 0.5
    strict = at_threshold(rs, 0.5)
    assert strict["coverage"] == 0.25 and strict["answered_accuracy"] == 1.0
    assert strict["abstain_precision"] == pytest.approx(2 / 3) and strict["abstain_recall"] == 1.0
    cuts = risk_thresholds(rs)
    assert cuts == sorted(set(cuts)) and cuts[0] == 0.3 and max(cuts) <= 0.9


def test_variant_invariance_counts_kept_variants_and_wrong_answers_apart() -> None:
    gold, abstain = item(id="a", must=("28",)), item(id="b", kind="abstain", source_doc=None)
    base = [result(gold, "TCP 28", "fact"), result(abstain, "The documents do not say.", "abstain")]

    def variant(r: ItemResult, kind: str, answer: str, answer_kind: str) -> VariantResult:
        return VariantResult(r, kind, "q", answer, answer_kind, judge(r.item, answer, answer_kind))

    variants = [
        variant(base[0], "typo", "TCP 28", "fact"),
        variant(base[0], "synonym", "TCP 28769", "fact"),  # wrong
        variant(base[0], "filler", "The documents do not say.", "abstain"),  # not wrong, not kept
        variant(base[1], "casing", "HA5 uses 28", "fact"),  # answered an abstain item: wrong
    ]
    summary = summarise_variants(variants, base)
    assert summary["variants"] == 4 and summary["kept"] == 1 and summary["invariance"] == 0.25
    assert summary["wrong"] == 2 and summary["abstained"] == 1
    assert summary["by_kind"] == {"casing": 0.0, "filler": 0.0, "synonym": 0.0, "typo": 1.0}


def test_list_categories_are_the_three_of_issue_10() -> None:
    assert set(LIST_CATEGORIES) == {"list", "reason", "procedure"}
