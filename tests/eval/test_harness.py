"""`run_eval` end to end on a tiny gold file: seed doc + one small corpus page.

The eval index starts as a copy of the session's seed build, so only the small
page is embedded here; the second run reuses everything (index and baseline).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from hakb.eval.harness import run_eval
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
    {"id": "t1", "split": "test", "question": "what port does ha1 use?", "kind": "fact",
     "must": ["28769"], "must_not": ["28770"], "docs": "seed",
     "source_doc": "ha-links-and-backup-links", "source_section": "Control Link", "category": "port"},
    {"id": "t2", "split": "test", "question": "what port does HA5 use?", "kind": "abstain",
     "docs": "corpus", "source_doc": None, "source_section": None, "category": "abstain"},
    {"id": "d1", "split": "dev", "question": "ha1 port?", "kind": "fact", "must": ["99999"],
     "docs": "seed", "source_doc": "ha-links-and-backup-links", "source_section": "Control Link", "category": "port"},
    {"id": "d2", "split": "dev", "question": "how often is the failover drill run?", "kind": "passage",
     "must": ["quarterly"], "docs": "corpus", "source_doc": "drills__failover-drill",
     "source_section": "Schedule", "category": "other"},
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
    }


def evaluate(dirs: dict[str, Path], gold: Path, out: Path, *, baseline: bool) -> tuple[int, str, dict[str, Any]]:
    stream = io.StringIO()
    code = run_eval(
        Settings(data_dir=dirs["root"]), gold=gold, out=out, corpus=dirs["corpus"], baseline=baseline,
        work_dir=dirs["work"], thresholds=dirs["thresholds"], stream=stream,
    )
    report = json.loads(out.read_text()) if out.exists() else {}
    return code, stream.getvalue(), report


@pytest.fixture(scope="module")
def first_run(eval_dirs: dict[str, Path]) -> tuple[int, str, dict[str, Any]]:
    return evaluate(eval_dirs, eval_dirs["gold"], eval_dirs["root"] / "results" / "latest.json", baseline=True)


def test_passing_test_split_exits_zero_and_writes_both_files(first_run: tuple[int, str, dict[str, Any]], eval_dirs: dict[str, Path]) -> None:
    code, output, report = first_run
    assert code == 0, output
    assert (eval_dirs["root"] / "results" / "latest.md").read_text().startswith("### hakb eval")
    assert [c["ok"] for c in report["checks"]] == [True, True, True]
    assert report["summary"]["hakb"]["test"]["accuracy"] == 1.0


def test_table_puts_the_baseline_beside_hakb(first_run: tuple[int, str, dict[str, Any]]) -> None:
    _, output, report = first_run
    assert "hakb / naive" in output
    assert report["summary"]["naive"]["all"]["n"] == len(GOLD)
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


def test_missing_inputs_are_usage_errors(eval_dirs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = eval_dirs["root"] / "never" / "latest.json"
    code, _, _ = evaluate(eval_dirs, eval_dirs["root"] / "no-such-gold.jsonl", out, baseline=False)
    assert code == 2 and "no-such-gold.jsonl" in capsys.readouterr().err
    assert not out.exists()
