"""`hakb bench`: how fast hakb answers, starts, ingests, and how much memory it takes.

    hakb bench [--corpus DIR] [--requests N]

A benchmark, not a test: it prints figures beside their targets and exits 0
whatever they are (2 only when it cannot run). In one run, in a fresh temporary
data directory:

1. `hakb ingest` of the bundled docs plus the corpus (by default
   ../shared/corpus/pages and /scoped), cold (fresh directory), then again
   unchanged. Both as the command a user runs; the pipeline's own time (what
   the targets apply to) and the command's wall time are shown.
2. `hakb serve` on a free port: time from process start to `/readyz` 200.
3. Latency in process (`Engine.ask`) and over HTTP (one httpx client, keep-alive,
   one request at a time), for fact questions and passage questions separately.
   The questions are the gold set's, sorted by the kind of answer hakb gives.
4. Throughput at concurrency 16 (asyncio + httpx), for fact questions and for the
   whole gold mix; then the server's peak RSS (VmHWM): one worker's memory.
   Then `hakb serve --workers 2` under the gold mix: each worker's peak RSS, and
   what the second worker adds (the PSS of all the server's processes, minus the
   one-worker server's: shared pages counted once).
5. The naive llama-index baseline (`eval.baseline`), top-1 retrieval in process
   over the same build, for the same questions: the ratio column is naive/hakb.

The machine's load average is printed at the start and the end: on a shared
two-core machine, other processes move every figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from hakb.devserver import HakbServer, ServerStartError, hakb_argv, start_hakb_serve
from hakb.eval.baseline import NaiveBaseline
from hakb.eval.harness import BUNDLED_DOCS, DEFAULT_CORPORA, DEFAULT_GOLD, EXIT_OK, EXIT_USAGE
from hakb.eval.metrics import load_gold, percentile
from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from hakb.service.engine import Engine
from hakb.service.retrieval import DENSE_SEARCHES
from hakb.service.scope import QuestionScope
from hakb.settings import Settings

CONCURRENCY = 16
READY_TIMEOUT_S = 120.0
# Samples per latency figure: enough for a steady p95, small enough for a ~2 minute run.
SAMPLES = {"fact": 600, "passage": 150}
TARGETS: dict[str, tuple[str, float]] = {
    "fact_inproc_p50": ("<=", 1.0),
    "fact_http_p50": ("<=", 5.0),
    "passage_http_p50": ("<=", 15.0),
    "throughput_fact": (">=", 300.0),
    "ready_s": ("<=", 2.0),
    "rss_mb": ("<=", 400.0),
    "extra_worker_mb": ("<=", 250.0),
    "ingest_cold_s": ("<", 15.0),
    "ingest_unchanged_s": ("<", 1.0),
    "scope_overhead_product": ("<=", 1.0),
    "scope_overhead_version": ("<=", 1.0),
}


class BenchError(Exception):
    """The benchmark cannot run; the message says why."""


@dataclass
class Row:
    key: str
    label: str
    hakb: float | None
    naive: float | None = None
    unit: str = "ms"
    note: str = ""


@dataclass
class Bench:
    rows: list[Row] = field(default_factory=list)
    info: dict[str, object] = field(default_factory=dict)

    def add(
        self, key: str, label: str, hakb: float | None, naive: float | None = None, unit: str = "ms", note: str = ""
    ) -> None:
        self.rows.append(Row(key, label, hakb, naive, unit, note))


def run_bench(
    settings: Settings, corpus: Path | None = None, requests: int = 2000, *, stream: TextIO | None = None
) -> int:
    stream = stream or sys.stdout
    if corpus is not None and not corpus.is_dir():
        print(f"hakb bench: corpus directory not found: {corpus}", file=sys.stderr)
        return EXIT_USAGE
    corpora = [corpus] if corpus is not None else [c for c in DEFAULT_CORPORA if c.is_dir()]
    if requests < CONCURRENCY:
        print(f"hakb bench: --requests must be at least {CONCURRENCY}", file=sys.stderr)
        return EXIT_USAGE
    bench = Bench()
    bench.info["load_before"] = load_average()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hakb-bench-") as tmp:
        data_dir = Path(tmp)
        try:
            _measure(bench, settings, data_dir, corpora, requests, stream)
        except BenchError as exc:
            print(f"hakb bench: {exc}", file=sys.stderr)
            return EXIT_USAGE
    bench.info["load_after"] = load_average()
    bench.info["seconds"] = round(time.perf_counter() - started, 1)
    print(render(bench), file=stream)
    return EXIT_OK


def _measure(
    bench: Bench, settings: Settings, data_dir: Path, corpora: Sequence[Path], requests: int, stream: TextIO
) -> None:
    env = server_env(data_dir)
    sources = [str(BUNDLED_DOCS)] + [str(c) for c in corpora]
    bench.info["sources"] = sources

    _progress(stream, "cold ingest")
    cold, cold_wall = run_ingest(sources, env)
    bench.add(
        "ingest_cold_s", "full ingest, cold (pipeline)", cold["seconds"], unit="s", note=f"command {cold_wall:.1f} s"
    )
    warm, warm_wall = run_ingest(sources, env)
    if warm.get("changed"):
        # The ingest code itself changed in between (its fingerprint is part of a
        # build's identity: a shared working tree); the next run is the unchanged one.
        warm, warm_wall = run_ingest(sources, env)
        if warm.get("changed"):
            raise BenchError("a re-ingest of the same documents made a new build twice")
    bench.add(
        "ingest_unchanged_s",
        "re-ingest, unchanged (pipeline)",
        warm["seconds"],
        unit="s",
        note=f"command {warm_wall:.1f} s",
    )
    bench.info["build"] = {k: cold["counts"].get(k) for k in ("documents", "sections", "facts", "chunks")}

    questions = [item.question for item in load_gold(DEFAULT_GOLD)]
    _progress(stream, "server start")
    server_log = data_dir / "server.log"
    with serve(data_dir, server_log, env, poll_s=0.01) as server:
        bench.add("ready_s", "start to /readyz 200", server.ready_s, unit="s")

        _progress(stream, "in-process latency")
        index_dir = data_dir / "index"
        engine = Engine.from_settings(settings, index_dir=index_dir)
        engine.holder.refresh()
        engine.warm_up()
        by_kind: dict[str, list[str]] = {"fact": [], "passage": [], "abstain": []}
        for q in questions:
            by_kind[engine.ask(q).kind].append(q)
        bench.info["questions"] = {k: len(v) for k, v in by_kind.items()}
        if not by_kind["fact"] or not by_kind["passage"]:
            raise BenchError(f"need both fact and passage answers to time, got {bench.info['questions']}")
        inproc_cpu: dict[str, list[float]] = {"fact": [], "passage": []}
        inproc = {
            kind: _latencies(engine.ask, by_kind[kind], SAMPLES[kind], inproc_cpu[kind]) for kind in ("fact", "passage")
        }
        _progress(stream, "scoped latency")
        _scope_overhead(bench, engine, by_kind["fact"])
        _dense_search_cost(bench, engine, by_kind["passage"])

        _progress(stream, "HTTP latency")
        with httpx.Client(base_url=server.url, timeout=30) as client:

            def ask_http(q: str) -> object:
                response = client.post("/v1/ask", json={"question": q})
                response.raise_for_status()
                return response

            ask_http(questions[0])
            http = {kind: _latencies(ask_http, by_kind[kind], SAMPLES[kind]) for kind in ("fact", "passage")}

        _progress(stream, f"throughput, concurrency {CONCURRENCY}")
        fact_rps, fact_errors = asyncio.run(_throughput(server.url, by_kind["fact"], requests))
        mixed_rps, mixed_errors = asyncio.run(_throughput(server.url, questions, requests))
        rss_mb = server.peak_rss_mb()
        one_worker_pss = _pss_mb(_process_tree(server.pid))

    _progress(stream, "memory, --workers 2")
    with serve(data_dir, data_dir / "server-2.log", env, workers=2) as server:
        asyncio.run(_throughput(server.url, questions, min(requests, 1000)))
        worker_peaks = [_status_mb(pid, "VmHWM") for pid in server.worker_pids()]
        two_workers_pss = _pss_mb(_process_tree(server.pid))

    _progress(stream, "naive baseline")
    build_id = builds.current_build_id(index_dir)
    assert build_id is not None
    # The baseline gets its own copy of the model: it shares nothing with hakb's engine.
    embedder = OnnxEmbedder.from_settings(settings)
    naive = NaiveBaseline.from_build(embedder, index_dir, build_id, settings.data_dir / "eval-cache" / "baseline")
    naive.ask(questions[0])
    naive_cpu: dict[str, list[float]] = {"fact": [], "passage": []}
    naive_lat = {
        kind: _latencies(naive.ask, by_kind[kind], SAMPLES["passage"], naive_cpu[kind]) for kind in ("fact", "passage")
    }

    for kind in ("fact", "passage"):
        for q in (50, 95):
            bench.add(
                f"{kind}_inproc_p{q}",
                f"{kind} answer, in process, p{q}",
                percentile(inproc[kind], q),
                percentile(naive_lat[kind], q),
            )
        bench.add(
            f"{kind}_inproc_cpu_p50",
            f"{kind} answer, in process, p50 CPU time",
            percentile(inproc_cpu[kind], 50),
            percentile(naive_cpu[kind], 50),
        )
    for kind in ("fact", "passage"):
        for q in (50, 95):
            bench.add(f"{kind}_http_p{q}", f"{kind} answer, HTTP, p{q}", percentile(http[kind], q))
    bench.add(
        "throughput_fact",
        f"throughput, fact questions, c={CONCURRENCY}",
        fact_rps,
        unit="req/s",
        note=f"{requests} requests" + (f", {fact_errors} errors" if fact_errors else ""),
    )
    bench.add(
        "throughput_mixed",
        f"throughput, whole gold mix, c={CONCURRENCY}",
        mixed_rps,
        unit="req/s",
        note=f"{requests} requests" + (f", {mixed_errors} errors" if mixed_errors else ""),
    )
    bench.add("rss_mb", "one worker (--workers 1): peak RSS", rss_mb, unit="MB")
    for i, peak in enumerate(worker_peaks, 1):
        bench.add(f"rss_worker{i}_mb", f"--workers 2, worker {i}: peak RSS", peak, unit="MB")
    extra = two_workers_pss - one_worker_pss if two_workers_pss and one_worker_pss else None
    bench.add(
        "extra_worker_mb",
        "each extra worker: PSS with --workers 2 minus --workers 1",
        extra,
        unit="MB",
        note=f"{one_worker_pss:.0f} → {two_workers_pss:.0f} MB, supervisor included",
    )
    bench.info["samples"] = {"in process / HTTP": SAMPLES, "naive": SAMPLES["passage"]}
    bench.info["baseline_nodes"] = len(naive)


# -- pieces --------------------------------------------------------------------


def _scope_overhead(bench: Bench, engine: Engine, questions: Sequence[str]) -> None:
    """What asking in a scope adds to a fact answer, in process: each question asked without
    and then with an explicit scope (as `POST /v1/ask` takes it), back to back, and the
    median of the differences; pairs, because two separate runs drift apart by more than
    the millisecond measured. Two scopes: the build's own product (most documents) and its
    newest PAN-OS version (a few)."""
    build = engine.holder.current
    versions = sorted(
        {v for s in build.scope_vocabulary.scopes for v in s.versions},
        key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()),
    )
    scopes = {
        "product": QuestionScope(product=build.main_product) if build.main_product else None,
        "version": QuestionScope(versions=(versions[-1],)) if versions else None,
    }
    for name, scope in scopes.items():
        if scope is None:
            continue
        plain: list[float] = []
        scoped: list[float] = []
        for i in range(SAMPLES["fact"]):
            q = questions[i % len(questions)]
            plain += _latencies(engine.ask, [q], 1)
            scoped += _latencies(lambda q, scope=scope: engine.ask(q, scope=scope), [q], 1)
        added = percentile([b - a for a, b in zip(plain, scoped, strict=True)], 50)
        if added is None:
            continue
        bench.add(
            f"scope_overhead_{name}",
            f"scope filter overhead ({name}: {scope.product or ', '.join(scope.versions)}), fact, median of pairs",
            added,
            note=f"scoped p50 {percentile(scoped, 50):.2f} ms, unscoped p50 {percentile(plain, 50):.2f} ms",
        )


def _dense_search_cost(bench: Bench, engine: Engine, questions: Sequence[str]) -> None:
    """What the dense half of passage search costs with each of its parts, the question's
    vector made beforehand: `HAKB_DENSE_SEARCH` chooses between equal results at these costs."""
    build = engine.holder.current
    vectors = [engine.retriever.embed_query(q) for q in questions[: SAMPLES["passage"]]]
    depth = 24  # what a passage search asks for (3 x its 8 passages)
    for part in DENSE_SEARCHES.values():
        search = part()
        search.nearest(build, vectors[0], depth)  # its first call opens what it needs
        times: list[float] = []
        for v in vectors:
            started = time.perf_counter()
            search.nearest(build, v, depth)
            times.append((time.perf_counter() - started) * 1000)
        bench.add(
            f"dense_{search.name.replace('-', '_')}_p50",
            f"dense search p50, {search.name} ({DENSE_NOTES[search.name]})",
            percentile(times, 50),
            note="the one in use" if search.name == engine.retriever.dense.name else "",
        )


DENSE_NOTES = {"chroma": "ids and distances", "llama-index": "its vector store's nodes"}


def _progress(stream: TextIO, stage: str) -> None:
    # Progress goes to stderr: stdout carries only the table.
    print(f"bench: {stage} ...", file=sys.stderr, flush=True)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _status_mb(pid: int, field: str) -> float | None:
    """A memory figure of /proc/PID/status (VmRSS, VmHWM) in MB; None when unreadable."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's supervisor, workers, resource tracker)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        children = subprocess.run(["pgrep", "-P", str(current)], capture_output=True, text=True).stdout
        todo.extend(int(c) for c in children.split())
    return out


def _pss_mb(pids: Sequence[int]) -> float:
    """Proportional set size of the processes, summed (Linux: smaps_rollup): memory they
    share, such as the code of the libraries, counted once among them; 0 when unreadable."""
    total_kb = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def run_ingest(sources: list[str], env: dict[str, str]) -> tuple[dict, float]:  # type: ignore[type-arg]
    """`hakb ingest --json SOURCES` as a user runs it: (its report, wall seconds); BenchError
    when it made no build."""
    started = time.perf_counter()
    proc = subprocess.run(hakb_argv("ingest", "--json", *sources), env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise BenchError(f"hakb ingest failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}") from exc
    if report.get("build_id") is None:
        raise BenchError(f"hakb ingest made no build: {report.get('error')}")
    return report, wall


def _latencies(
    ask: Callable[[str], object], questions: Sequence[str], samples: int, cpu: list[float] | None = None
) -> list[float]:
    """Wall-clock ms per call; with `cpu`, also this process's CPU ms per call (all its
    threads, onnxruntime's included), which other processes on the machine barely move."""
    out: list[float] = []
    i = 0
    while len(out) < samples:
        q = questions[i % len(questions)]
        i += 1
        cpu_started = time.process_time()
        started = time.perf_counter()
        ask(q)
        out.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
    return out


async def _throughput(url: str, questions: Sequence[str], total: int) -> tuple[float, int]:
    """Requests per second with CONCURRENCY clients sending back to back."""
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    counter = iter(range(total))
    errors = 0
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal errors
            for i in counter:
                response = await client.post("/v1/ask", json={"question": questions[i % len(questions)]})
                if response.status_code != 200:
                    errors += 1

        await asyncio.gather(*(client.get("/healthz") for _ in range(CONCURRENCY)))  # open the connections
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        seconds = time.perf_counter() - started
    return total / seconds, errors


def server_env(data_dir: Path) -> dict[str, str]:
    """The user's environment (the benchmark measures what they configured), on a
    fresh data directory, without API keys or a rate limit."""
    return {
        **os.environ,
        "HAKB_DATA_DIR": str(data_dir),
        "HAKB_API_KEYS": "",
        "HAKB_RATE_LIMIT": "0",
        "ORT_DISABLE_TELEMETRY": "1",
    }


@contextmanager
def serve(
    data_dir: Path, log_path: Path, env: dict[str, str], *, workers: int = 1, poll_s: float = 0.1
) -> Iterator[HakbServer]:
    """`hakb serve` on a free port with `env` (from `server_env`), ready; BenchError if not.
    The benchmarks' one way to start a server (`hakb bench` and `hakb bench --hostile`)."""
    try:
        with start_hakb_serve(
            data_dir, log_path, workers=workers, env=env, inherit_env=True, timeout_s=READY_TIMEOUT_S, poll_s=poll_s
        ) as server:
            yield server
    except ServerStartError as exc:
        raise BenchError(str(exc)) from exc


# -- output --------------------------------------------------------------------


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit in ("req/s", "MB"):
        return f"{value:.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def render(bench: Bench) -> str:
    lines = [
        "### hakb bench",
        "",
        "| measure | hakb | naive | naive / hakb | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    for row in bench.rows:
        target = TARGETS.get(row.key)
        verdict = ""
        target_text = ""
        if target is not None and row.hakb is not None:
            op, limit = target
            ok = {"<=": row.hakb <= limit, "<": row.hakb < limit, ">=": row.hakb >= limit}[op]
            verdict = "PASS" if ok else "FAIL"
            target_text = f"{op} {limit:g} {row.unit}"
        ratio = f"{row.naive / row.hakb:.1f}×" if row.naive is not None and row.hakb else ""
        label = f"{row.label} ({row.unit})" + (f" — {row.note}" if row.note else "")
        lines.append(
            f"| {label} | {_num(row.hakb, row.unit)} | {_num(row.naive, row.unit)} | {ratio} | {target_text} | {verdict} |"
        )
    info = bench.info
    lines += [
        "",
        f"build: {info.get('build')}; questions by hakb's answer kind: {info.get('questions')}; "
        f"samples: {info.get('samples')}; baseline nodes: {info.get('baseline_nodes')}",
        f"load average before: {info.get('load_before')}, after: {info.get('load_after')}; "
        f"cpus: {os.cpu_count()}; run took {info.get('seconds')} s",
    ]
    return "\n".join(lines)
