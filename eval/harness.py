"""`hakb eval`: every gold question through the engine and the naive baseline.

    hakb eval [--gold eval/gold.jsonl] [--corpus DIR] [--work-dir DIR] [--out FILE] [--no-baseline]

1. Ingest the bundled docs plus the corpus (default `../shared/corpus/pages`) into
   `<work-dir>/index` (default `$HAKB_DATA_DIR/eval-cache`). An unchanged set of
   documents reuses the build there, so a second run starts in about a second.
2. Ask every question in process (`Engine.ask`) and rank passages with the
   engine's own retriever; the same for `eval.baseline.NaiveBaseline`.
3. Print one table (each cell: hakb / naive), the dev items that fail, and the
   checks; write `eval/results/latest.json` and `latest.md`.

Exit codes: 0 every check passed, 1 a check failed (test accuracy under the floor
in `eval/thresholds.json`, seed test accuracy under 95 %, an unsupported number),
2 the run could not start (no gold file, no documents, build failed).

Failures are listed for the dev split only: the test split is for measuring, and
its per-item answers stay out of the printed output.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from hakb.eval.baseline import NaiveBaseline
from hakb.eval.metrics import GoldError, GoldItem, ItemResult, group_by, is_relevant, judge, load_gold, retrieval_scores, summarise
from hakb.settings import Settings
from hakb.ingest.embedder import Embedder, OnnxEmbedder
from hakb.ingest.pipeline import IngestOptions, Pipeline
from hakb.service.engine import Engine, EngineError, unsupported_tokens
from hakb.service.index import BuildHolder, LoadedBuild, NotReady
from hakb.service.models import Answer
from hakb.service.question import clean_chat

log = logging.getLogger(__name__)

EVAL_DIR = Path(__file__).resolve().parent
REPO_DIR = EVAL_DIR.parent
BUNDLED_DOCS = REPO_DIR / "data" / "docs"
DEFAULT_CORPUS = REPO_DIR.parent / "shared" / "corpus" / "pages"
DEFAULT_GOLD = EVAL_DIR / "gold.jsonl"
DEFAULT_THRESHOLDS = EVAL_DIR / "thresholds.json"
DEFAULT_OUT = EVAL_DIR / "results" / "latest.json"
SEED_FLOOR = 0.95  # the floor for seed questions; thresholds.json may only raise it
RANK_DEPTH = 10
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SYSTEMS = ("hakb", "naive")


class EvalSetupError(Exception):
    """The evaluation cannot run; the message says why."""


@dataclass
class Prepared:
    build_id: str
    index_dir: Path
    engine: Engine
    embedder: Embedder
    sources: list[str]


def run_eval(
    settings: Settings,
    gold: Path | None = None,
    out: Path | None = None,
    corpus: Path | None = None,
    baseline: bool = True,
    *,
    work_dir: Path | None = None,
    thresholds: Path | None = None,
    stream: TextIO | None = None,
) -> int:
    stream = stream or sys.stdout
    out = out or DEFAULT_OUT
    work_dir = work_dir or settings.data_dir / "eval-cache"
    try:
        items = load_gold(gold or DEFAULT_GOLD)
        floors = load_thresholds(thresholds or DEFAULT_THRESHOLDS)
        corpus_dir = _corpus(corpus)
        if corpus_dir is None:
            skipped = [i for i in items if i.docs != "seed"]
            items = [i for i in items if i.docs == "seed"]
            print(f"warning: no corpus at {DEFAULT_CORPUS}; scoring the {len(items)} seed items only, "
                  f"{len(skipped)} corpus items skipped", file=stream)
            if not items:
                raise EvalSetupError("no seed items to score without the corpus")
        prepared = prepare(settings, work_dir, corpus_dir)
    except (GoldError, EvalSetupError, OSError, ValueError) as exc:
        print(f"hakb eval: {exc}", file=sys.stderr)
        return EXIT_USAGE

    started = time.perf_counter()
    results = {"hakb": score_engine(prepared, items)}
    naive: NaiveBaseline | None = None
    if baseline:
        naive = NaiveBaseline.from_build(prepared.embedder, prepared.index_dir, prepared.build_id, work_dir / "baseline")
        results["naive"] = score_baseline(naive, items)
    seconds = time.perf_counter() - started

    report = build_report(items, results, floors, complete=corpus_dir is not None)
    report["run"] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_id": prepared.build_id,
        "sources": prepared.sources,
        "gold": str(gold or DEFAULT_GOLD),
        "seconds": round(seconds, 1),
        "baseline": None if naive is None else {
            "nodes": len(naive), "chunking": "SentenceSplitter() defaults (1024 tokens, 200 overlap)",
            "build_seconds": round(naive.build_seconds, 1), "cached": naive.cached,
        },
    }
    markdown = render_markdown(report)
    print(markdown, file=stream)
    print(render_failures(results["hakb"], split="dev"), file=stream)
    print(render_checks(report["checks"]), file=stream)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(markdown + "\n", encoding="utf-8")
    print(f"results: {out} and {out.with_suffix('.md')}", file=stream)
    return EXIT_OK if all(c["ok"] for c in report["checks"]) else EXIT_FAILED


def load_thresholds(path: Path) -> dict[str, float]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            "test_accuracy_min": float(raw["test_accuracy_min"]),
            "seed_test_accuracy_min": max(SEED_FLOOR, float(raw.get("seed_test_accuracy_min", SEED_FLOOR))),
            "unsupported_max": float(raw.get("unsupported_max", 0)),
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvalSetupError(f"cannot read thresholds {path}: {exc}") from exc


def _corpus(corpus: Path | None) -> Path | None:
    if corpus is not None:
        if not corpus.is_dir():
            raise EvalSetupError(f"corpus directory not found: {corpus}")
        return corpus
    return DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else None


def prepare(settings: Settings, work_dir: Path, corpus: Path | None) -> Prepared:
    """Build (or reuse) the eval index and open an engine on it."""
    sources = [str(BUNDLED_DOCS)] + ([str(corpus)] if corpus is not None else [])
    index_dir = work_dir / "index"
    embedder = OnnxEmbedder(settings.embedder_dir)
    options = IngestOptions(
        index_dir=index_dir,
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
        replace=True,  # exactly these documents, whatever an earlier run held
        embedder_dir=settings.embedder_dir,
    )
    result = Pipeline(options, embedder).run(sources)
    for report in result.failed:
        log.warning("eval ingest: %s", report.error)
    if result.build_id is None:
        raise EvalSetupError(f"could not build the eval index: {result.error}")
    log.info("eval index %s (%s) in %.1f s", result.build_id, "new" if result.changed else "unchanged", result.seconds)
    holder = BuildHolder(index_dir, settings.chroma_host, settings.chroma_port)
    holder.refresh()
    try:
        build = holder.current
    except NotReady as exc:
        raise EvalSetupError(str(exc)) from exc
    engine = Engine(holder, embedder)
    engine.warm_up()
    return Prepared(build.build_id, index_dir, engine, embedder, sources)


# -- scoring -------------------------------------------------------------------


def _key(item: GoldItem, doc_id: str, section: str) -> str:
    # Items that name no section are judged at the level of the document.
    return f"{doc_id}\x1f{section}" if item.source_section else doc_id


def score_engine(prepared: Prepared, items: Sequence[GoldItem]) -> list[ItemResult]:
    engine = prepared.engine
    build = engine.build
    # Each (document, section) unit, with all its text: a unit is relevant if its
    # heading or any of its passages holds the expected section name.
    units: dict[tuple[str, str], list[str]] = {}
    for chunk in build.chunks.values():
        units.setdefault((chunk.doc_id, chunk.section), []).append(chunk.text)
    results: list[ItemResult] = []
    rankings: dict[str, list[str]] = {}
    relevant: dict[str, set[str]] = {}
    for item in items:
        started = time.perf_counter()
        try:
            answer = engine.ask(item.question)
        except EngineError as exc:
            answer = Answer(question=item.question, answer=f"error: {exc}", kind="abstain", confidence=0.0)
        latency = (time.perf_counter() - started) * 1000
        results.append(_result(item, "hakb", answer, latency))
        if item.source_doc is not None:
            rankings[item.id] = _engine_ranking(engine, build, item)
            relevant[item.id] = {
                _key(item, doc, section)
                for (doc, section), texts in units.items()
                if is_relevant(item, doc, section, "\n".join(texts))
            }
    _attach_retrieval(results, rankings, relevant)
    return results


def _engine_ranking(engine: Engine, build: LoadedBuild, item: GoldItem) -> list[str]:
    # The engine searches the question without Slack markup; so does this ranking.
    hits = engine.retriever.search(build, clean_chat(item.question), top_k=3 * RANK_DEPTH)
    keys = list(dict.fromkeys(_key(item, h.chunk.doc_id, h.chunk.section) for h in hits))
    return keys[:RANK_DEPTH]


def score_baseline(naive: NaiveBaseline, items: Sequence[GoldItem]) -> list[ItemResult]:
    results: list[ItemResult] = []
    rankings: dict[str, list[str]] = {}
    relevant: dict[str, set[str]] = {}
    nodes = [(n.node_id, n.metadata["doc_id"], naive.node_text(n.node_id)) for n in naive.nodes.values()]
    for item in items:
        started = time.perf_counter()
        answer = naive.ask(item.question)  # the raw chat message: it is naive
        latency = (time.perf_counter() - started) * 1000
        results.append(_result(item, "naive", answer, latency))
        if item.source_doc is not None:
            hits = naive.search(item.question, top_k=RANK_DEPTH)
            # Baseline chunks have no section of their own: a chunk is its own unit,
            # relevant when its text (headings included) holds the section name.
            rankings[item.id] = list(dict.fromkeys(_key(item, h.doc_id, h.node_id) for h in hits))
            relevant[item.id] = {
                _key(item, doc, node_id) for node_id, doc, text in nodes if is_relevant(item, doc, "", text)
            }
    _attach_retrieval(results, rankings, relevant)
    return results


def _result(item: GoldItem, system: str, answer: Answer, latency_ms: float) -> ItemResult:
    return ItemResult(
        item=item,
        system=system,
        answer=answer.answer,
        kind=answer.kind,
        judgement=judge(item, answer.answer, answer.kind),
        latency_ms=latency_ms,
        unsupported=unsupported_tokens(answer, item.question) if answer.kind != "abstain" else [],
        citations=[f"{c.doc_id} > {c.section.split(' > ')[-1]}" for c in answer.citations],
    )


def _attach_retrieval(results: list[ItemResult], rankings: dict[str, list[str]], relevant: dict[str, set[str]]) -> None:
    scores = retrieval_scores(rankings, relevant)
    for r in results:
        if r.item.id in scores:
            r.retrieval = scores[r.item.id]


# -- report --------------------------------------------------------------------


def summary_groups(results: Sequence[ItemResult]) -> dict[str, list[ItemResult]]:
    groups: dict[str, list[ItemResult]] = {"all": list(results)}
    for split in ("test", "dev"):
        in_split = [r for r in results if r.item.split == split]
        if not in_split:
            continue
        groups[split] = in_split
        for docs, rs in sorted(group_by(in_split, lambda r: r.item.docs).items(), reverse=True):
            groups[f"{split} · {docs}"] = rs
        for kind in ("fact", "passage", "abstain"):
            rs = [r for r in in_split if r.item.kind == kind]
            if rs:
                groups[f"{split} · {kind}"] = rs
    return groups


def build_report(
    items: Sequence[GoldItem], results: dict[str, list[ItemResult]], floors: dict[str, float], *, complete: bool = True
) -> dict:  # type: ignore[type-arg]
    summary = {system: {g: summarise(rs) for g, rs in summary_groups(rs_all).items()} for system, rs_all in results.items()}
    categories = {
        system: {
            f"{cat} · {split}": summarise(rs)
            for cat, by_cat in sorted(group_by(rs_all, lambda r: r.item.category).items())
            for split, rs in sorted(group_by(by_cat, lambda r: r.item.split).items())
        }
        for system, rs_all in results.items()
    }
    hakb = summary["hakb"]
    checks = []
    if complete and "test" in hakb:
        checks.append(_check("test accuracy", hakb["test"]["accuracy"], ">=", floors["test_accuracy_min"]))
    if "test · seed" in hakb:
        checks.append(_check("seed test accuracy", hakb["test · seed"]["accuracy"], ">=", floors["seed_test_accuracy_min"]))
    checks.append(_check("unsupported numbers", hakb["all"]["unsupported"], "<=", floors["unsupported_max"]))
    return {
        "thresholds": floors,
        "checks": checks,
        "summary": summary,
        "categories": categories,
        "items": {system: [_item_json(r) for r in rs] for system, rs in results.items()},
    }


def _check(name: str, value: float | int | None, op: str, limit: float) -> dict:  # type: ignore[type-arg]
    ok = value is not None and (value >= limit if op == ">=" else value <= limit)
    return {"name": name, "value": value, "op": op, "limit": limit, "ok": ok}


def _item_json(r: ItemResult) -> dict:  # type: ignore[type-arg]
    base = {"id": r.item.id, "split": r.item.split, "correct": r.judgement.correct, "kind": r.kind}
    if r.item.split != "dev":
        return base  # test answers stay out of sight: tune on dev only
    return base | {
        "question": r.item.question,
        "expected": r.item.expected(),
        "answer": r.answer,
        "why": r.judgement.why,
        "unsupported": r.unsupported,
        "citations": r.citations,
        "retrieval": r.retrieval,
        "latency_ms": round(r.latency_ms, 3),
    }


def _fmt(value: float | int | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


_COLUMNS = [
    ("accuracy", "accuracy", 2),
    ("kind_accuracy", "kind acc.", 2),
    ("abstain_precision", "abstain P", 2),
    ("abstain_recall", "abstain R", 2),
    ("unsupported", "unsupported", 0),
    ("recall@5", "recall@5", 2),
    ("hit@5", "hit@5", 2),
    ("mrr@10", "MRR@10", 2),
    ("ndcg@10", "nDCG@10", 2),
    ("p50_ms", "p50 ms", 1),
    ("p95_ms", "p95 ms", 1),
]


def render_markdown(report: dict) -> str:  # type: ignore[type-arg]
    summary = report["summary"]
    systems = [s for s in SYSTEMS if s in summary]
    pair = " / ".join(systems)
    lines = [f"### hakb eval: {pair} (each cell: {pair})", ""]
    lines.append("| group | n | " + " | ".join(title for _, title, _ in _COLUMNS) + " |")
    lines.append("|---|---:|" + "---:|" * len(_COLUMNS))
    for group, base in summary["hakb"].items():
        cells = [
            " / ".join(_fmt(summary[s][group][key], digits) for s in systems)
            for key, _, digits in _COLUMNS
        ]
        lines.append(f"| {group} | {base['n']} | " + " | ".join(cells) + " |")
    lines += ["", f"#### accuracy per category ({pair})", ""]
    lines.append("| category | n dev | dev | n test | test |")
    lines.append("|---|---:|---:|---:|---:|")
    cats = report["categories"]
    names = sorted({k.rsplit(" · ", 1)[0] for k in cats["hakb"]})
    for cat in names:
        row = [cat]
        for split in ("dev", "test"):
            key = f"{cat} · {split}"
            if key in cats["hakb"]:
                row += [str(cats["hakb"][key]["n"]), " / ".join(_fmt(cats[s][key]["accuracy"]) for s in systems)]
            else:
                row += ["0", "–"]
        lines.append("| " + " | ".join(row) + " |")
    run = report.get("run", {})
    if run:
        lines += ["", f"build `{run.get('build_id')}`, {run.get('generated_at')}, {run.get('seconds')} s"]
    return "\n".join(lines)


def render_failures(results: Sequence[ItemResult], split: str = "dev") -> str:
    failing = [r for r in results if r.item.split == split and not r.judgement.correct]
    lines = [f"### failing {split} items (hakb): {len(failing)}"]
    for r in failing:
        got = r.answer.replace("\n", " ")
        if len(got) > 200:
            got = got[:197] + "..."
        lines.append(f"- {r.item.id} [{r.item.category}] {r.item.question!r}")
        lines.append(f"    expected {r.item.expected()}")
        lines.append(f"    got      {r.kind}: {got}")
        lines.append(f"    why      {r.judgement.why}")
    return "\n".join(lines)


def render_checks(checks: list[dict]) -> str:  # type: ignore[type-arg]
    lines = ["### checks"]
    for c in checks:
        mark = "PASS" if c["ok"] else "FAIL"
        lines.append(f"- {mark} {c['name']}: {_fmt(c['value'], 3)} (must be {c['op']} {c['limit']})")
    return "\n".join(lines)
