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

Besides the gold items, this module reads the other eval files:

* `directional.jsonl`: pairs of questions whose answer must change with one word;
  each side is judged like an answerable gold item (`load_directional`);
* `negative_facts.jsonl`: (subject, attribute, value) triples that must never be
  in a build's facts table (`load_negative_facts`, `negative_fact_matches`);
* `sealed.jsonl`: gold items with split "sealed", scored but reported only as
  aggregate figures.

`unsupported_numbers` is the eval's own copy of the rule "every number and
identifier in an answer stands in one of its quotes": the engine under test does
not get to define the check it is gated on.
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


SEALED = "sealed"  # the split that is scored but never shown item by item
LIST_CATEGORIES = ("list", "reason", "procedure")  # scored on the items or the reason


def _rows(path: Path) -> Iterable[tuple[int, dict]]:  # type: ignore[type-arg]
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    raw = json.loads(line)
                except ValueError as exc:
                    raise GoldError(f"{path}:{number}: not JSON ({exc})") from exc
                if not isinstance(raw, dict):
                    raise GoldError(f"{path}:{number}: not a JSON object")
                yield number, raw


def _strings(raw: dict, key: str) -> tuple[str, ...]:  # type: ignore[type-arg]
    value = raw.get(key) or ()
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise TypeError(f"{key} must be a list of strings")
    return tuple(value)


def load_gold(path: Path, *, split: str | None = None) -> list[GoldItem]:
    """`split`, when given, is the split every item of the file must have (the sealed file)."""
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, raw in _rows(path):
        try:
            item = GoldItem(
                id=str(raw["id"]),
                split=str(raw["split"]),
                question=str(raw["question"]),
                kind=raw["kind"],
                must=_strings(raw, "must"),
                must_not=_strings(raw, "must_not"),
                any_of=_strings(raw, "any_of"),
                docs=str(raw.get("docs") or "seed"),
                source_doc=raw.get("source_doc"),
                source_section=raw.get("source_section"),
                category=str(raw.get("category") or "other"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise GoldError(f"{path}:{number}: not a gold item ({exc})") from exc
        if item.kind not in ("fact", "passage", "abstain"):
            raise GoldError(f"{path}:{number}: kind must be fact, passage or abstain, not {item.kind!r}")
        if split is not None and item.split != split:
            raise GoldError(f"{path}:{number}: split must be {split!r}, not {item.split!r}")
        if item.id in seen:
            raise GoldError(f"{path}:{number}: duplicate id {item.id}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise GoldError(f"{path}: no gold items")
    return items


@dataclass(frozen=True)
class DirectionalPair:
    """Two questions that differ in one word (`varies`) and must get different answers."""

    id: str
    split: str
    varies: str
    a: GoldItem
    b: GoldItem


def load_directional(path: Path) -> list[DirectionalPair]:
    pairs: list[DirectionalPair] = []
    seen: set[str] = set()
    for number, raw in _rows(path):
        try:
            pair_id, split, varies = str(raw["id"]), str(raw["split"]), str(raw.get("varies") or "other")
            sides = []
            for side in ("a", "b"):
                s = raw[side]
                # Each side is an answerable item: the pair exists because both have an answer.
                sides.append(
                    GoldItem(
                        id=f"{pair_id}{side}",
                        split=split,
                        question=str(s["question"]),
                        kind="fact",
                        must=_strings(s, "must"),
                        must_not=_strings(s, "must_not"),
                        any_of=_strings(s, "any_of"),
                        docs="corpus",
                        source_doc=None,
                        source_section=None,
                        category=f"directional: {varies}",
                    )
                )
        except (KeyError, TypeError) as exc:
            raise GoldError(f"{path}:{number}: not a directional pair ({exc})") from exc
        if pair_id in seen:
            raise GoldError(f"{path}:{number}: duplicate id {pair_id}")
        seen.add(pair_id)
        pairs.append(DirectionalPair(pair_id, split, varies, sides[0], sides[1]))
    return pairs


@dataclass(frozen=True)
class NegativeFact:
    """A (subject, attribute, value) triple that must not be in any build's facts table."""

    subject: str
    attribute: str
    value: str
    why: str = ""

    def __str__(self) -> str:
        return f"{self.subject} {self.attribute}: {self.value}"


def load_negative_facts(path: Path) -> list[NegativeFact]:
    out: list[NegativeFact] = []
    for number, raw in _rows(path):
        try:
            out.append(
                NegativeFact(str(raw["subject"]), str(raw["attribute"]), str(raw["value"]), str(raw.get("why") or ""))
            )
        except KeyError as exc:
            raise GoldError(f"{path}:{number}: not a negative fact (missing {exc})") from exc
    return out


def _name(text: str) -> str:
    """Subject and attribute names compare without case, spaces, hyphens or underscores."""
    return re.sub(r"[\s_-]+", "", text.lower())


def negative_fact_matches(negative: NegativeFact, subject: str, attribute: str, value: str, *extra: str | None) -> bool:
    """True when a facts-table row states `negative`. The value is compared normalised
    (case, spaces, thousands separators) as whole words inside the row's value read
    with its protocol and qualifier ("29281" matches "29281", "UDP 29281" and
    "29281 (UDP)"; "28" does not match "28769")."""
    if _name(subject) != _name(negative.subject) or _name(attribute) != _name(negative.attribute):
        return False
    wanted = normalise(negative.value)
    if not wanted:
        return False
    stated = normalise(" ".join([value, *(e for e in extra if e)]))
    return re.search(rf"(?<![\w.]){re.escape(wanted)}(?![\w])", stated) is not None


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
        return Judgement(
            kind == "abstain", kind_ok, "" if kind == "abstain" else f"answered ({kind}) instead of abstaining"
        )
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


_CHECKED = re.compile(r"\b0x[0-9a-f]+\b|\bpa-\d{2,4}[a-z]*\b|(?<![\w.])\d[\d,]*\d(?![\w])", re.IGNORECASE)


def unsupported_numbers(answer: str, quotes: Iterable[str], question: str = "") -> list[str]:
    """Numbers (two digits or more), hex values and PA- model names in `answer` that
    neither a quote (with the section it sits in) nor the question contains, as whole
    tokens: a quote saying 28769 does not vouch for 2876."""
    sources = (" ".join(quotes) + " " + question).lower()
    compact = sources.replace(",", "")
    out = []
    for m in _CHECKED.finditer(answer):
        token = m.group(0).lower()
        if _stands_in(token, sources) or _stands_in(token.replace(",", ""), compact):
            continue
        out.append(m.group(0))
    return out


def _stands_in(token: str, text: str) -> bool:
    # A plural "s" still names the token: "PA-440s" in a question vouches for PA-440.
    return re.search(rf"(?<![0-9a-z]){re.escape(token)}s?(?![0-9a-z])", text) is not None


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


def retrieval_scores(rankings: dict[str, Sequence[str]], relevant: dict[str, set[str]]) -> dict[str, dict[str, float]]:
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
    score: float | None = None  # Answer.score (top evidence before the guard), else its confidence
    score_source: str = ""  # "score" or "confidence": which of the two `score` is

    @property
    def answered(self) -> bool:
        return self.kind != "abstain"


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
    lengths = [len(r.answer) for r in results if r.answered]
    summary: dict[str, float | int | None] = {
        "n": n,
        "accuracy": _ratio(sum(r.judgement.correct for r in results), n),
        "answerable_accuracy": _ratio(sum(r.judgement.correct for r in answerable), len(answerable)),
        "kind_accuracy": _ratio(sum(r.judgement.kind_ok for r in results), n),
        "abstain_precision": _ratio(len(true_abstain), len(abstained)),
        "abstain_recall": _ratio(len(true_abstain), len(abstain_items)),
        "unsupported": sum(len(r.unsupported) for r in results if r.kind != "abstain"),
        "retrieval_n": len(scored),
        "answer_chars": percentile(lengths, 50),  # median length of the answers given
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
    }
    for name in RETRIEVAL_MEASURES:
        summary[name] = float(np.mean([s[name] for s in scored])) if scored else None
    return summary


def group_by(results: Sequence[ItemResult], key: Callable[[ItemResult], str | None]) -> dict[str, list[ItemResult]]:
    groups: dict[str, list[ItemResult]] = {}
    for r in results:
        k = key(r)
        if k is not None:
            groups.setdefault(k, []).append(r)
    return groups


# -- risk and coverage -----------------------------------------------------------


def at_threshold(results: Sequence[ItemResult], threshold: float | None) -> dict[str, float | int | None]:
    """What the group would score if everything with a score under `threshold` abstained
    as well (None: as answered). Coverage is the share answered; accuracy is over the
    answered items (an answered abstain item is wrong); abstain P/R over all items."""

    def answered(r: ItemResult) -> bool:
        return r.answered and (threshold is None or (r.score is not None and r.score >= threshold))

    given = [r for r in results if answered(r)]
    held = [r for r in results if not answered(r)]
    abstain_items = [r for r in results if not r.item.answerable]
    true_held = [r for r in held if not r.item.answerable]
    return {
        "threshold": threshold,
        "n": len(results),
        "coverage": _ratio(len(given), len(results)),
        "answered_accuracy": _ratio(sum(r.item.answerable and r.judgement.correct for r in given), len(given)),
        "abstain_precision": _ratio(len(true_held), len(held)),
        "abstain_recall": _ratio(len(true_held), len(abstain_items)),
    }


def risk_thresholds(results: Sequence[ItemResult], steps: int = 10) -> list[float]:
    """Cut points at the deciles of the scores of the answers given: each step
    withholds about a tenth more of them. Rounded, so the table reads."""
    scores = sorted(r.score for r in results if r.answered and r.score is not None)
    if not scores:
        return []
    cuts = {round(float(np.quantile(scores, q / steps)), 3) for q in range(steps)}
    return sorted(cuts)


# -- robustness ------------------------------------------------------------------


@dataclass
class VariantResult:
    """One reworded copy of a gold item that the system had answered right."""

    base: ItemResult
    kind: str  # eval.variants.KINDS
    question: str
    answer: str
    answer_kind: str
    judgement: Judgement

    @property
    def wrong(self) -> bool:
        """Answered and judged wrong (an abstain is not wrong, but breaks invariance)."""
        return self.answer_kind != "abstain" and not self.judgement.correct


def summarise_variants(variants: Sequence[VariantResult], base: Sequence[ItemResult]) -> dict[str, object]:
    kinds = sorted({v.kind for v in variants})
    return {
        "items": len({v.base.item.id for v in variants}),
        "correct_items": sum(r.judgement.correct for r in base),
        "variants": len(variants),
        "kept": sum(v.judgement.correct for v in variants),
        "invariance": _ratio(sum(v.judgement.correct for v in variants), len(variants)),
        "wrong": sum(v.wrong for v in variants),
        "abstained": sum(v.answer_kind == "abstain" and v.base.item.answerable for v in variants),
        "by_kind": {
            k: _ratio(sum(v.judgement.correct for v in variants if v.kind == k), sum(v.kind == k for v in variants))
            for k in kinds
        },
    }


# -- directional pairs -------------------------------------------------------------


@dataclass
class PairResult:
    pair: DirectionalPair
    a: ItemResult
    b: ItemResult

    @property
    def ok(self) -> bool:
        return self.a.judgement.correct and self.b.judgement.correct

    @property
    def wrong(self) -> int:
        """Sides answered and judged wrong (an abstain fails the pair but is not wrong)."""
        return sum(r.answered and not r.judgement.correct for r in (self.a, self.b))


def summarise_pairs(results: Sequence[PairResult]) -> dict[str, float | int | None]:
    return {
        "pairs": len(results),
        "both_right": sum(p.ok for p in results),
        "pair_accuracy": _ratio(sum(p.ok for p in results), len(results)),
        "wrong": sum(p.wrong for p in results),
        "abstained": sum((not p.a.answered) + (not p.b.answered) for p in results),
    }
