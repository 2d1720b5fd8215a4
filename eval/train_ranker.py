"""Fit the ranker's weights on the dev split, and choose its abstain threshold.

Every dev question is asked of the engine's sources (facts and passages, all of
them searched), each candidate is labelled by whether it alone holds the gold
answer, and a logistic regression learns how much each feature is worth. The
abstain threshold is then read off the dev split's risk-coverage curve: the top
score below which abstaining is right more often than answering. Only dev items
are read; test and sealed items never are.

    hakb train-ranker            # writes service/ranking/weights.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from hakb.eval.metrics import GoldItem, contains, first_word, judge, load_gold, normalise
from hakb.service import rules
from hakb.service.engine import Engine, Ranking
from hakb.service.ranking.evidence import FEATURES, Evidence
from hakb.service.ranking.ranker import WEIGHTS_PATH, scoring_weights
from hakb.settings import Settings

_YES_NO = {"yes", "no"}


@dataclass
class Example:
    item: GoldItem
    evidence: list[Evidence]
    labels: list[int]


def candidate_text(e: Evidence) -> str:
    """What the composer would say with this candidate alone."""
    if e.bundle:
        return e.rendered or ""
    if e.fact is not None:
        f = e.fact
        return f"{f.subject} {rules.label(f.attribute)}: {f.value} {f.qualifier or ''}"
    return " ".join([e.text, *e.items])


def label(item: GoldItem, e: Evidence, answer_of: Callable[[Evidence], str] | None = None) -> int:
    """1 when this candidate alone answers the item: it holds the values asked and, for
    a yes/no item, the answer it would give (`answer_of`) says the right yes or no. A
    yes/no item asks for no value: without its verdict every candidate of it would be a
    0, and the ranker would learn that yes/no questions are never answered."""
    if not item.answerable:
        return 0
    if e.bundle:
        # The rules' whole answer is judged as the answer it would be.
        return int(judge(item, e.rendered or "", "fact").correct)
    verdict = [v.lower() for v in item.must if v.lower() in _YES_NO]
    if verdict and (answer_of is None or first_word(answer_of(e)) != verdict[0]):
        return 0
    text = normalise(candidate_text(e))
    if any(contains(text, v) for v in item.must_not):
        return 0
    wanted = [v for v in item.must if v.lower() not in _YES_NO]
    if wanted:
        hit = sum(1 for v in wanted if contains(text, v))
        if hit == 0 or hit < min(2, len(wanted)) and len(wanted) > 1 and e.fact is None:
            return 0
        return 1
    if item.any_of:
        return int(any(contains(text, v) for v in item.any_of))
    return int(bool(verdict))


def collect(engine: Engine, items: list[GoldItem]) -> list[Example]:
    out = []
    for item in items:
        ranking = engine.ranking(item.question)

        def answer_of(e: Evidence, ranking: Ranking = ranking) -> str:
            return engine.answer_from(ranking, e).answer

        out.append(Example(item, ranking.evidence, [label(item, e, answer_of) for e in ranking.evidence]))
    return out


def fit(examples: list[Example], c: float = 1.0) -> tuple[list[float], float]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rows, ys, weights = [], [], []
    for ex in examples:
        if not ex.evidence:
            continue
        n = len(ex.evidence)
        for e, y in zip(ex.evidence, ex.labels, strict=True):
            rows.append(e.vector())
            ys.append(y)
            weights.append(1.0 / n)  # every question counts once, however many candidates it has
    x = np.asarray(rows, dtype=float)
    y = np.asarray(ys, dtype=int)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, solver="lbfgs")
    model.fit(x, y, sample_weight=np.asarray(weights) * len(examples))
    return [float(w) for w in model.coef_[0]], float(model.intercept_[0])


def _sigmoid(z: float) -> float:
    import math

    return 1.0 / (1.0 + math.exp(-z))


def rescore(examples: list[Example], weights: list[float], bias: float) -> None:
    """Score as the engine will: the fit-only features do not count."""
    weights = list(scoring_weights(weights))
    for ex in examples:
        for e in ex.evidence:
            e.score = _sigmoid(bias + sum(w * v for w, v in zip(weights, e.vector(), strict=True)))
        order = sorted(range(len(ex.evidence)), key=lambda i: -ex.evidence[i].score)
        ex.evidence = [ex.evidence[i] for i in order]
        ex.labels = [ex.labels[i] for i in order]


def risk_coverage(examples: list[Example]) -> list[tuple[float, float, float]]:
    """(threshold, coverage, accuracy over all items) for thresholds on the top score."""
    points = []
    for t in [i / 100 for i in range(5, 100)]:
        correct = answered = 0
        for ex in examples:
            top = ex.evidence[0].score if ex.evidence else 0.0
            if top < t:
                correct += 0 if ex.item.answerable else 1
            else:
                answered += 1
                correct += ex.labels[0] if ex.evidence else 0
        n = max(len(examples), 1)
        points.append((t, answered / n, correct / n))
    return points


def choose_threshold(points: list[tuple[float, float, float]]) -> float:
    best = max(acc for _, _, acc in points)
    plateau = [t for t, _, acc in points if acc >= best - 1e-9]
    return plateau[len(plateau) // 2]  # the middle of the best plateau: least fragile


def choose_fast(examples: list[Example]) -> float:
    """The lowest fact score above which no dev question had a passage beat the fact:
    above it, searching passages would not have changed the answer."""
    worst = 0.0
    for ex in examples:
        facts = [e for e in ex.evidence if e.source == "fact"]
        passages = [e for e in ex.evidence if e.source == "passage"]
        if facts and passages and passages[0].score > facts[0].score:
            worst = max(worst, facts[0].score)
    return min(0.99, max(0.6, worst + 0.01))


def pair_items(path: Path) -> list[GoldItem]:
    """Both sides of every dev directional pair, as gold items: the questions whose
    answer turns on one word are what teaches the ranker to respect qualifiers."""
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        if raw.get("split") != "dev":
            continue
        for side in ("a", "b"):
            s = raw[side]
            out.append(
                GoldItem(
                    id=f"{raw['id']}{side}",
                    split="dev",
                    question=s["question"],
                    kind="fact",
                    must=tuple(s.get("must", [])),
                    must_not=tuple(s.get("must_not", [])),
                    any_of=tuple(s.get("any_of", [])),
                    docs="corpus",
                    source_doc=None,
                    source_section=None,
                    category="directional",
                )
            )
    return out


def run_train(settings: Settings, corpus: list[Path], work_dir: Path | None = None, gold: Path | None = None) -> int:
    """`hakb train-ranker`: build the bundled docs and the corpus (the eval's build), then fit."""
    from hakb.eval.harness import BUNDLED_DOCS, DEFAULT_GOLD
    from hakb.ingest.embedder import OnnxEmbedder
    from hakb.ingest.pipeline import IngestOptions, Pipeline

    missing = [str(c) for c in corpus if not c.is_dir()]
    if missing:
        print(f"hakb train-ranker: corpus directory not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    index_dir = (work_dir or settings.data_dir / "train-cache") / "index"
    options = IngestOptions.from_settings(settings, index_dir=index_dir, replace=True)
    result = Pipeline(options, OnnxEmbedder.from_settings(settings)).run([str(BUNDLED_DOCS), *map(str, corpus)])
    if result.build_id is None:
        print(f"hakb train-ranker: could not build: {result.error}", file=sys.stderr)
        return 1
    engine = Engine.from_settings(settings, index_dir=index_dir)
    engine.holder.refresh()
    train(engine, gold or DEFAULT_GOLD)
    return 0


def _accuracy(examples: list[Example], threshold: float) -> float:
    right = 0
    for ex in examples:
        top = ex.evidence[0].score if ex.evidence else 0.0
        if top < threshold:
            right += 0 if ex.item.answerable else 1
        else:
            right += ex.labels[0] if ex.evidence else 0
    return right / max(len(examples), 1)


def choose_c(
    examples: list[Example], folds: int = 5, grid: tuple[float, ...] = (0.03, 0.1, 0.3, 1.0, 3.0)
) -> tuple[float, float]:
    """The regularisation that generalises best across folds of the dev split (threshold
    chosen on each training fold, accuracy read on the held-out one), and that held-out
    accuracy: the estimate of a change to the features that dev accuracy, fitted on the
    same items, overstates."""
    import copy

    best_c, best = grid[0], -1.0
    for c in grid:
        total = 0.0
        for k in range(folds):
            held = [copy.copy(ex) for i, ex in enumerate(examples) if i % folds == k]
            kept = [copy.copy(ex) for i, ex in enumerate(examples) if i % folds != k]
            weights, bias = fit(kept, c)
            rescore(kept, weights, bias)
            threshold = choose_threshold(risk_coverage(kept))
            rescore(held, weights, bias)
            total += _accuracy(held, threshold) * len(held)
        score = total / len(examples)
        if score > best + 1e-9:
            best_c, best = c, score
    return best_c, best


def train(engine: Engine, gold: Path, out: Path = WEIGHTS_PATH, stream: TextIO | None = None) -> dict:  # type: ignore[type-arg]
    stream = stream or sys.stdout
    items = [i for i in load_gold(gold) if i.split == "dev"] + pair_items(gold.with_name("directional.jsonl"))
    examples = collect(engine, items)
    c, held_out = choose_c(examples)
    weights, bias = fit(examples, c)
    rescore(examples, weights, bias)
    points = risk_coverage(examples)
    threshold = choose_threshold(points)
    fast = choose_fast(examples)
    print("threshold  coverage  accuracy (dev)", file=stream)
    for t, cov, acc in points[::5]:
        print(f"  {t:.2f}     {cov:.3f}     {acc:.3f}", file=stream)
    saved = {
        "features": list(FEATURES),
        "weights": {name: round(w, 5) for name, w in zip(FEATURES, weights, strict=True)},
        "bias": round(bias, 5),
        "threshold": threshold,
        "fast": round(fast, 4),
        "fitted_on": f"{gold.name} dev split and dev directional pairs, {len(items)} questions",
        "C": c,
        "cv_accuracy": round(held_out, 4),
        "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
    acc = max(a for _, _, a in points)
    print(
        f"weights: {out} (C {c} by 5-fold CV on dev: held-out accuracy {held_out:.3f}; threshold {threshold:.2f}, fast {fast:.2f}, dev top-1 accuracy {acc:.3f})",
        file=stream,
    )
    return saved
