"""Scoring: is one answer right, and how good is a whole group of answers.

Answer accuracy follows `eval/GOLD.md`:

* an answerable item is right when the system did not abstain, every `must` value
  is in the answer, at least one `any_of` value is (when there are any), and no
  `must_not` value is; a `yes`/`no` in `must` has to be the answer's first word;
* an abstain item is right when the system abstained.

Matching is case-insensitive with whitespace collapsed and thousands separators
dropped ("1,500" == "1500"). A value that begins or ends with a digit must not
touch another digit there, so port "28" is not found inside "28769".

Retrieval (recall@5, MRR@10, nDCG@10) is computed with `ir-measures` (the
trec_eval measures, maintained, a small wheel): our own formulas would be one
more thing to get subtly wrong. Rankings are deduplicated before scoring.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import ir_measures
import numpy as np
from ir_measures import RR, R, Success, nDCG

Kind = Literal["fact", "passage", "abstain"]
RETRIEVAL_MEASURES = {"recall@5": R @ 5, "mrr@10": RR @ 10, "ndcg@10": nDCG @ 10, "hit@5": Success @ 5}

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_SPACE = re.compile(r"\s+")
_YES_NO = {"yes", "no"}


class GoldError(ValueError):
    """The gold file cannot be read; the message names the line."""


@dataclass(frozen=True)
class GoldItem:
    id: str
    split: str  # dev | test
    question: str
    kind: Kind
    must: tuple[str, ...]
    must_not: tuple[str, ...]
    any_of: tuple[str, ...]
    docs: str  # seed | corpus
    source_doc: str | None
    source_section: str | None
    category: str

    @property
    def answerable(self) -> bool:
        return self.kind != "abstain"

    def expected(self) -> str:
        """One line a person reads in a failure list."""
        if not self.answerable:
            return "abstain"
        parts = [f"{self.kind}: " + ", ".join(self.must)] if self.must else [f"{self.kind}:"]
        if self.any_of:
            parts.append("one of " + " | ".join(self.any_of))
        if self.must_not:
            parts.append("not " + ", ".join(self.must_not))
        return "; ".join(parts)


def load_gold(path: Path) -> list[GoldItem]:
    items: list[GoldItem] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                item = GoldItem(
                    id=str(raw["id"]),
                    split=str(raw["split"]),
                    question=str(raw["question"]),
                    kind=raw["kind"],
                    must=tuple(raw.get("must") or ()),
                    must_not=tuple(raw.get("must_not") or ()),
                    any_of=tuple(raw.get("any_of") or ()),
                    docs=str(raw.get("docs") or "seed"),
                    source_doc=raw.get("source_doc"),
                    source_section=raw.get("source_section"),
                    category=str(raw.get("category") or "other"),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise GoldError(f"{path}:{number}: not a gold item ({exc})") from exc
            if item.kind not in ("fact", "passage", "abstain"):
                raise GoldError(f"{path}:{number}: kind must be fact, passage or abstain, not {item.kind!r}")
            if item.id in seen:
                raise GoldError(f"{path}:{number}: duplicate id {item.id}")
            seen.add(item.id)
            items.append(item)
    if not items:
        raise GoldError(f"{path}: no gold items")
    return items


# -- answers -------------------------------------------------------------------


def normalise(text: str) -> str:
    return _SPACE.sub(" ", _THOUSANDS.sub("", text.lower())).strip()


def contains(normalised_text: str, value: str) -> bool:
    """`value` occurs in an already normalised text (see the module docstring)."""
    wanted = normalise(value)
    if not wanted:
        return True
    pattern = re.escape(wanted)
    if wanted[0].isdigit():
        pattern = r"(?<!\d)" + pattern
    if wanted[-1].isdigit():
        pattern += r"(?!\d)"
    return re.search(pattern, normalised_text) is not None


def first_word(text: str) -> str:
    match = re.match(r"\W*(\w+)", text.lower())
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Judgement:
    correct: bool
    kind_ok: bool  # the system's kind equals the expected kind
    why: str = ""  # why it is wrong, for the failure list


def judge(item: GoldItem, answer: str, kind: str) -> Judgement:
    kind_ok = kind == item.kind
    if not item.answerable:
        return Judgement(kind == "abstain", kind_ok, "" if kind == "abstain" else f"answered ({kind}) instead of abstaining")
    if kind == "abstain":
        return Judgement(False, kind_ok, "abstained")
    text = normalise(answer)
    problems: list[str] = []
    for value in item.must:
        if value.lower() in _YES_NO:
            if first_word(answer) != value.lower():
                problems.append(f"does not start with {value!r}")
        elif not contains(text, value):
            problems.append(f"missing {value!r}")
    if item.any_of and not any(contains(text, v) for v in item.any_of):
        problems.append("none of " + " | ".join(repr(v) for v in item.any_of))
    problems.extend(f"has forbidden {v!r}" for v in item.must_not if contains(text, v))
    return Judgement(not problems, kind_ok, "; ".join(problems))


# -- retrieval -----------------------------------------------------------------


def is_relevant(item: GoldItem, doc_id: str, section: str, text: str) -> bool:
    """A retrieved passage is relevant when it comes from the expected document and,
    if the item names a section, that name is in the passage's heading or its text."""
    if item.source_doc is None or doc_id != item.source_doc:
        return False
    if not item.source_section:
        return True
    wanted = item.source_section.lower()
    return wanted in section.lower() or wanted in text.lower()


def dedupe(keys: Iterable[str]) -> list[str]:
    """First occurrence wins: several chunks of one section count once, at their best rank."""
    return list(dict.fromkeys(keys))


def retrieval_scores(
    rankings: dict[str, Sequence[str]], relevant: dict[str, set[str]]
) -> dict[str, dict[str, float]]:
    """Per query: recall@5, MRR@10, nDCG@10 and hit@5 of a ranking of unit keys.

    `relevant[q]` is every key in the whole index that answers q (the recall
    denominator). A query with no relevant key anywhere scores 0: the index lost
    what the gold set points at, and that is a retrieval failure too.
    """
    qrels = [ir_measures.Qrel(q, key, 1) for q, keys in relevant.items() for key in keys]
    run = []
    for q, ranking in rankings.items():
        ranked = dedupe(ranking)
        # trec_eval sorts by score and breaks ties by id: give strictly falling scores.
        run.extend(ir_measures.ScoredDoc(q, key, float(len(ranked) - i)) for i, key in enumerate(ranked))
    out = {q: dict.fromkeys(RETRIEVAL_MEASURES, 0.0) for q in rankings}
    names = {m: name for name, m in RETRIEVAL_MEASURES.items()}
    if qrels and run:
        for metric in ir_measures.iter_calc(list(RETRIEVAL_MEASURES.values()), qrels, run):
            if metric.query_id in out:
                out[metric.query_id][names[metric.measure]] = float(metric.value)
    return out


# -- groups --------------------------------------------------------------------


@dataclass
class ItemResult:
    """One gold item as one system answered it."""

    item: GoldItem
    system: str
    answer: str
    kind: str
    judgement: Judgement
    latency_ms: float
    unsupported: list[str] = field(default_factory=list)
    retrieval: dict[str, float] | None = None  # None for abstain items (nothing to find)
    citations: list[str] = field(default_factory=list)  # "doc_id > section", for reading failures


def percentile(values: Sequence[float], q: float) -> float | None:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else None


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def summarise(results: Sequence[ItemResult]) -> dict[str, float | int | None]:
    """The metrics of one group of items answered by one system."""
    n = len(results)
    answerable = [r for r in results if r.item.answerable]
    abstain_items = [r for r in results if not r.item.answerable]
    abstained = [r for r in results if r.kind == "abstain"]
    true_abstain = [r for r in abstained if not r.item.answerable]
    scored = [r.retrieval for r in results if r.retrieval is not None]
    latencies = [r.latency_ms for r in results]
    summary: dict[str, float | int | None] = {
        "n": n,
        "accuracy": _ratio(sum(r.judgement.correct for r in results), n),
        "answerable_accuracy": _ratio(sum(r.judgement.correct for r in answerable), len(answerable)),
        "kind_accuracy": _ratio(sum(r.judgement.kind_ok for r in results), n),
        "abstain_precision": _ratio(len(true_abstain), len(abstained)),
        "abstain_recall": _ratio(len(true_abstain), len(abstain_items)),
        "unsupported": sum(len(r.unsupported) for r in results if r.kind != "abstain"),
        "retrieval_n": len(scored),
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
    }
    for name in RETRIEVAL_MEASURES:
        summary[name] = float(np.mean([s[name] for s in scored])) if scored else None
    return summary


def group_by(
    results: Sequence[ItemResult], key: Callable[[ItemResult], str | None]
) -> dict[str, list[ItemResult]]:
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        k = key(r)
        if k is not None:
            groups.setdefault(k, []).append(r)
    return groups
