"""`run_eval` end to end on a tiny gold file: seed doc + one small corpus page.

The eval index starts as a copy of the session's seed build, so only the small
page is embedded here; the later runs reuse everything (index and both peers).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from hakb.eval.harness import build_report, render_markdown, run_eval
from hakb.eval.metrics import GoldItem, ItemResult, Judgement
from hakb.settings import Settings
from tests.conftest import copy_data_dir

DRILL_PAGE = """---
url: https://example.test/drills/failover-drill
---

# Failover Drill Clear

## Schedule

The failover drill for the HA pair runs quarterly, during the maintenance window, and the
on-call engineer records the time each firewall takes to become active.
"""

GOLD = [
    {
        "id": "t1",
        "split": "test",
        "question": "what port does ha1 use?",
        "kind": "fact",
        "must": ["28769"],
        "must_not": ["28770"],
        "docs": "seed",
        "source_doc": "ha-links-and-backup-links",
        "source_section": "Control Link",
        "category": "port",
    },
    {
        "id": "t2",
        "split": "test",
        "question": "what port does HA5 use?",
        "kind": "abstain",
        "docs": "corpus",
        "source_doc": None,
        "source_section": None,
        "category": "abstain",
    },
    {
        "id": "d1",
        "split": "dev",
        "question": "ha1 port?",
        "kind": "fact",
        "must": ["99999"],
        "docs": "seed",
        "source_doc": "ha-links-and-backup-links",
        "source_section": "Control Link",
        "category": "port",
    },
    {
        "id": "d2",
        "split": "dev",
        "question": "how often is the failover drill run?",
        "kind": "passage",
        "must": ["quarterly"],
        "docs": "corpus",
        "source_doc": "drills__failover-drill",
        "source_section": "Schedule",
        "category": "other",
    },
]


# The sealed split: its questions, expected values and answers must appear nowhere.
SEALED = [
    {
        "id": "s1",
        "split": "sealed",
        "question": "zebra-sealed: which tcp port does ha1 use in clear text?",
        "kind": "fact",
        "must": ["28769"],
        "docs": "seed",
        "source_doc": "ha-links-and-backup-links",
        "source_section": "Control Link",
        "category": "port",
    },
    {
        "id": "s2",
        "split": "sealed",
        "question": "okapi-sealed: what port does HA9 use on the moon?",
        "kind": "abstain",
        "docs": "corpus",
        "source_doc": None,
        "source_section": None,
        "category": "abstain",
    },
    {
        "id": "s3",
        "split": "sealed",
        "question": "quokka-sealed drill cadence for the failover drill?",
        "kind": "passage",
        "must": ["quarterly", "quokka-expected"],
        "docs": "corpus",
        "source_doc": "drills__failover-drill",
        "source_section": "Schedule",
        "category": "list",
    },
]
SEALED_MARKERS = ("zebra", "okapi", "quokka", "HA9")
PAIRS = [
    {
        "id": "p1",
        "split": "dev",
        "varies": "encryption",
        "a": {"question": "ha1 port with encryption?", "must": ["28"], "must_not": ["28769"], "any_of": []},
        "b": {"question": "ha1 port in clear text?", "must": ["28769"], "must_not": [], "any_of": []},
    },
    {
        "id": "p2",
        "split": "test",
        "varies": "link",
        "a": {"question": "what port does ha1 use?", "must": ["28769"], "must_not": [], "any_of": []},
        "b": {"question": "what port does ha1 use?", "must": ["99999"], "must_not": [], "any_of": []},
    },
]
NEGATIVE = [
    {"subject": "HA1", "attribute": "port", "value": "99999", "why": "not a port of anything"},
    {"subject": "HA2", "attribute": "port", "value": "28769", "why": "28769 is HA1"},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def eval_dirs(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("eval")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "drills__failover-drill.md").write_text(DRILL_PAGE)
    thresholds = root / "thresholds.json"
    thresholds.write_text(json.dumps({"test_accuracy_min": 1.0, "seed_test_accuracy_min": 0.95, "unsupported_max": 0}))
    return {
        "root": root,
        "work": copy_data_dir(seed_data_dir, root / "work"),
        "corpus": corpus,
        "thresholds": thresholds,
        "gold": write_jsonl(root / "gold.jsonl", GOLD),
        "sealed": write_jsonl(root / "sealed.jsonl", SEALED),
        "directional": write_jsonl(root / "directional.jsonl", PAIRS),
        "negative": write_jsonl(root / "negative_facts.jsonl", NEGATIVE),
    }


def evaluate(
    dirs: dict[str, Path],
    gold: Path,
    out: Path,
    *,
    baseline: bool,
    strong: bool = False,
    thresholds: Path | None = None,
    extras: bool = False,
    **kwargs: Any,
) -> tuple[int, str, dict[str, Any]]:
    """`extras`: with the sealed split, the directional pairs and the negative facts.
    The output is the report stream and anything else written to stdout."""
    stream, stdout = io.StringIO(), io.StringIO()
    if extras:
        kwargs = {
            "sealed": dirs["sealed"],
            "directional": dirs["directional"],
            "negative_facts": dirs["negative"],
        } | kwargs
    else:
        kwargs = {"sealed": None, "directional": None, "negative_facts": None} | kwargs
    with contextlib.redirect_stdout(stdout):
        code = run_eval(
            Settings(data_dir=dirs["root"]),
            gold=gold,
            out=out,
            corpus=kwargs.pop("corpus", dirs["corpus"]),
            baseline=baseline,
            strong=strong,
            work_dir=dirs["work"],
            thresholds=thresholds or dirs["thresholds"],
            stream=stream,
            **kwargs,
        )
    report = json.loads(out.read_text()) if out.exists() else {}
    return code, stream.getvalue() + stdout.getvalue(), report


@pytest.fixture(scope="module")
def first_run(eval_dirs: dict[str, Path]) -> tuple[int, str, dict[str, Any]]:
    return evaluate(
        eval_dirs,
        eval_dirs["gold"],
        eval_dirs["root"] / "results" / "latest.json",
        baseline=True,
        strong=True,
        extras=True,
    )


def strong_available() -> bool:
    try:
        import hakb.eval.strong_peer  # noqa: F401
    except ImportError:
        return False
    return True


def test_passing_test_split_exits_zero_and_writes_both_files(
    first_run: tuple[int, str, dict[str, Any]], eval_dirs: dict[str, Path]
) -> None:
    code, output, report = first_run
    assert code == 0, output
    assert (eval_dirs["root"] / "results" / "latest.md").read_text().startswith("### hakb eval")
    assert [c["ok"] for c in report["checks"]] == [True, True, True]
    assert report["summary"]["hakb"]["test"]["accuracy"] == 1.0


def test_table_puts_both_peers_beside_hakb(first_run: tuple[int, str, dict[str, Any]]) -> None:
    _, output, report = first_run
    if strong_available():
        assert "hakb / strong / naive" in output
        assert report["summary"]["strong"]["all"]["n"] == len(GOLD)
        assert report["systems"]["strong"]["threshold"] is not None  # fitted on the dev items
    else:
        assert "hakb / naive" in output and "strong peer skipped" in output
    assert report["summary"]["naive"]["all"]["n"] == len(GOLD)
    for system in report["summary"]:
        row = report["summary"][system]["test"]
        assert {"accuracy", "abstain_precision", "abstain_recall", "answer_chars", "p50_ms"} <= set(row)
        assert report["systems"][system]["build_seconds"] is not None
    # The naive pipeline never abstains, so it misses the abstain item.
    assert report["summary"]["naive"]["test · abstain"]["abstain_recall"] == 0.0
    assert report["summary"]["hakb"]["all"]["unsupported"] == 0


def test_expected_sections_are_found_by_retrieval(first_run: tuple[int, str, dict[str, Any]]) -> None:
    _, _, report = first_run
    dev = {i["id"]: i for i in report["items"]["hakb"] if i["split"] == "dev"}
    assert dev["d1"]["retrieval"]["hit@5"] == 1.0  # the Control Link row of the seed
    assert dev["d2"]["retrieval"]["hit@5"] == 1.0  # the small corpus page


def test_dev_failures_are_listed_and_test_answers_are_not(first_run: tuple[int, str, dict[str, Any]]) -> None:
    _, output, report = first_run
    failures = output.split("### failing dev items")[1]
    assert "d1" in failures and "missing '99999'" in failures
    assert "t1" not in failures
    test_items = [i for i in report["items"]["hakb"] if i["split"] == "test"]
    assert test_items and all("answer" not in i for i in test_items)


def test_a_wrong_test_answer_fails_the_run(first_run: object, eval_dirs: dict[str, Path]) -> None:
    wrong = [g | {"must": ["99999"]} if g["id"] == "t1" else g for g in GOLD]
    gold = write_jsonl(eval_dirs["root"] / "wrong.jsonl", wrong)
    code, output, report = evaluate(eval_dirs, gold, eval_dirs["root"] / "wrong" / "latest.json", baseline=False)
    assert code == 1
    assert "FAIL test accuracy: 0.500" in output
    assert "FAIL seed test accuracy" in output
    assert "naive" not in report["summary"]


def test_sealed_items_are_scored_but_never_shown(
    first_run: tuple[int, str, dict[str, Any]], eval_dirs: dict[str, Path]
) -> None:
    _, output, report = first_run
    assert report["summary"]["hakb"]["sealed"]["n"] == len(SEALED)
    assert report["summary"]["hakb"]["sealed"]["abstain_recall"] is not None
    assert "| sealed | 3 |" in output
    results = eval_dirs["root"] / "results"
    written = [output, (results / "latest.json").read_text(), (results / "latest.md").read_text()]
    for text in written:
        for marker in [*(r["question"] for r in SEALED), *SEALED_MARKERS, "quokka-expected", "moon"]:
            assert marker not in text, marker
    ids = [i["id"] for rs in report["items"].values() for i in rs]
    assert not {"s1", "s2", "s3"} & set(ids)
    assert not any(k.endswith("· sealed") for k in report["categories"]["hakb"])


def test_variants_pairs_negative_facts_and_risk_coverage_are_reported(
    first_run: tuple[int, str, dict[str, Any]],
) -> None:
    _, output, report = first_run
    robustness = report["robustness"]["hakb"]["all"]
    assert robustness["variants"] > 0 and robustness["invariance"] is not None
    assert robustness["variants"] <= 2 * robustness["correct_items"]
    assert "#### robustness" in output
    pairs = report["directional"]["hakb"]
    assert pairs["all"]["pairs"] == 2 and pairs["test"]["pairs"] == 1
    assert pairs["test"]["both_right"] == 0  # the 99999 side cannot be right
    assert "### failing dev directional pairs" in output
    assert "p2" not in output.split("### failing dev directional pairs")[1].split("###")[0]  # test pairs stay hidden
    negative = report["negative_facts"]
    assert negative["checked"] == 2 and negative["count"] == 0 and negative["facts"] > 0
    risk = report["risk_coverage"]
    assert risk["rows"][0]["threshold"] is None and risk["rows"][0]["dev"]["coverage"] is not None
    assert "#### risk-coverage" in output
    assert report["run"]["engine_calls"]["variants"] == robustness["variants"]


def test_new_checks_gate_the_run(first_run: object, eval_dirs: dict[str, Path]) -> None:
    thresholds = eval_dirs["root"] / "strict.json"
    thresholds.write_text(
        json.dumps(
            {
                "test_accuracy_min": 0.0,
                "negative_facts_max": 0,
                "directional_wrong_max": 0,
                "variant_invariance_min": 0.0,
                "sealed_accuracy_min": 0.0,
                "lists_accuracy_min": 0.0,
            }
        )
    )
    # A triple the seed does state: HA1 port 28769.
    negative = write_jsonl(
        eval_dirs["root"] / "neg.jsonl", [{"subject": "HA1", "attribute": "port", "value": "28769", "why": "test"}]
    )
    code, output, report = evaluate(
        eval_dirs,
        eval_dirs["gold"],
        eval_dirs["root"] / "strict" / "latest.json",
        baseline=False,
        extras=True,
        thresholds=thresholds,
        negative_facts=negative,
        variants=1,
    )
    checks = {c["name"]: c for c in report["checks"]}
    assert (
        checks["negative facts in the facts table"]["value"] == 1
        and not checks["negative facts in the facts table"]["ok"]
    )
    assert checks["wrong answers on directional pairs"]["value"] >= 1  # the 99999 side answers, wrongly
    assert checks["sealed accuracy"]["ok"] and checks["variant invariance (dev+test)"]["ok"]
    assert code == 1 and "FAIL negative facts" in output and "HA1 port: 28769" in output


def test_without_the_corpus_corpus_floors_are_skipped_not_failed(first_run: object, eval_dirs: dict[str, Path]) -> None:
    # A clone with no ../shared beside it: the sealed, list and directional floors were set
    # on corpus questions, so they are shown as skipped; the seed floor still gates.
    thresholds = eval_dirs["root"] / "corpus-floors.json"
    thresholds.write_text(
        json.dumps(
            {
                "test_accuracy_min": 0.99,
                "seed_test_accuracy_min": 0.0,
                "unsupported_max": 0,
                "sealed_accuracy_min": 0.99,
                "lists_accuracy_min": 0.99,
                "directional_wrong_max": 0,
            }
        )
    )
    code, output, report = evaluate(
        eval_dirs,
        eval_dirs["gold"],
        eval_dirs["root"] / "no-corpus" / "latest.json",
        baseline=False,
        extras=True,
        thresholds=thresholds,
        corpus=[],
        variants=0,
    )
    checks = {c["name"]: c for c in report["checks"]}
    for name in ("sealed accuracy", "list/reason/procedure accuracy (dev+test)", "wrong answers on directional pairs"):
        assert checks[name]["ok"] is None, checks[name]
    assert "test accuracy" not in checks
    assert code == 0, output


def test_an_ablated_run_is_labelled_and_not_gated(first_run: object, eval_dirs: dict[str, Path]) -> None:
    out = eval_dirs["root"] / "ablated" / "latest.json"
    wrong = write_jsonl(
        eval_dirs["root"] / "wrong-ablate.jsonl", [g | {"must": ["99999"]} if g["id"] == "t1" else g for g in GOLD]
    )
    code, output, report = evaluate(eval_dirs, wrong, out, baseline=False, ablate=["ranker"], variants=0)
    assert code == 0, output
    assert report["run"]["ablate"] == ["ranker"]
    assert "ABLATED: engine without ranker" in output and "not gated" in output
    assert "FAIL test accuracy" in output


def test_missing_inputs_are_usage_errors(eval_dirs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = eval_dirs["root"] / "never" / "latest.json"
    code, _, _ = evaluate(eval_dirs, eval_dirs["root"] / "no-such-gold.jsonl", out, baseline=False)
    assert code == 2 and "no-such-gold.jsonl" in capsys.readouterr().err
    assert not out.exists()


def test_a_source_document_merged_into_another_copy_is_found_there() -> None:
    from hakb.eval.harness import _located
    from hakb.eval.metrics import GoldItem

    item = GoldItem("x", "dev", "q", "fact", ("1",), (), (), "seed", "seed-copy", "Control Link", "port")
    assert _located(item, {"seed-copy": "corpus-copy"}).source_doc == "corpus-copy"
    assert _located(item, {}) is item


def _scored(item_id: str, split: str, category: str, correct: bool) -> ItemResult:
    item = GoldItem(item_id, split, f"question {item_id}", "fact", ("28769",), (), (), "corpus", None, None, category)
    return ItemResult(item, "hakb", "28769" if correct else "", "fact", Judgement(correct, True), 1.0)


def test_scope_items_get_their_own_rows_and_a_floor_on_their_test_half() -> None:
    results = [
        _scored("s1", "test", "scope", True),
        _scored("s2", "test", "scope", False),
        _scored("s3", "dev", "scope", False),
        _scored("p1", "test", "port", True),
    ]
    floors = {"test_accuracy_min": 0.0, "seed_test_accuracy_min": 0.0, "unsupported_max": 0}
    report = build_report([r.item for r in results], {"hakb": results}, floors | {"scope_test_accuracy_min": 0.6})
    summary = report["summary"]["hakb"]
    assert summary["test · scope"]["n"] == 2 and summary["test · scope"]["accuracy"] == 0.5
    assert summary["dev · scope"]["n"] == 1
    assert "| test · scope | 2 |" in render_markdown(report)
    check = {c["name"]: c for c in report["checks"]}["scope test accuracy"]
    assert check["value"] == 0.5 and check["ok"] is False
    # Without the key there is no check; without the corpus the figure is skipped.
    assert "scope test accuracy" not in {c["name"] for c in build_report([], {"hakb": results}, floors)["checks"]}
    skipped = build_report([], {"hakb": results}, floors | {"scope_test_accuracy_min": 0.6}, complete=False)
    assert {c["name"]: c for c in skipped["checks"]}["scope test accuracy"]["ok"] is None


def test_the_seed_items_asked_of_a_seed_only_build_get_their_rows_and_a_floor() -> None:
    # The default deployment serves the bundled documents alone: what it answers of the
    # seed's questions is a row and a gate of its own, beside the full build's.
    full = [_scored("a", "test", "port", True), _scored("b", "test", "port", True)]
    alone = [_scored("a", "test", "port", True), _scored("b", "test", "port", False), _scored("c", "dev", "port", True)]
    floors = {"test_accuracy_min": 0.0, "seed_test_accuracy_min": 0.0, "unsupported_max": 0}
    report = build_report(
        [r.item for r in full], {"hakb": full}, floors | {"seed_only_test_accuracy_min": 0.9}, seed_only=alone
    )
    summary = report["summary"]["hakb"]
    assert summary["test · seed, seed-only build"]["accuracy"] == 0.5
    assert summary["dev · seed, seed-only build"]["n"] == 1
    assert "| test · seed, seed-only build | 2 |" in render_markdown(report)
    check = {c["name"]: c for c in report["checks"]}["seed test accuracy on the seed-only build"]
    assert check["value"] == 0.5 and check["ok"] is False
