"""`hakb bench --hostile`: the slowest answers a caller can provoke with questions
hakb accepts (at most HAKB_MAX_QUESTION_CHARS, 2,000 characters).

    hakb bench --hostile [--corpus DIR] [--requests N]

A benchmark, not a test: it prints figures and exits 0 whatever they are (2 only
when it cannot run). In a fresh temporary data directory it ingests the bundled
docs (plus the corpus, when there is one), starts `hakb serve` on a free port and
sends each family of pathological questions below over HTTP, one at a time
(`--requests` per family, 40 by default), then the worst family again from
CONCURRENCY clients at once. For each: p50, p99 and max latency, the largest
response, and any status that is not 200. The last line is the worst p99 it
provoked, beside the target (< 250 ms p99 for every request under 2,000
characters, issue 14).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx

from hakb.eval.bench import BenchError, load_average, run_ingest, serve, server_env
from hakb.eval.harness import BUNDLED_DOCS, DEFAULT_CORPUS, EXIT_OK, EXIT_USAGE
from hakb.eval.metrics import percentile

MAX_CHARS = 2000
DEFAULT_REQUESTS = 40
CONCURRENCY = 4
TARGET_P99_MS = 250.0
REQUEST_TIMEOUT_S = 120.0


def _fill(unit: str, limit: int = MAX_CHARS) -> str:
    """`unit` repeated to just under `limit` characters."""
    return (unit * (limit // len(unit)))[:limit].rstrip() or unit


# Each family stresses one part of the work a question causes.
FAMILIES: dict[str, dict[str, object]] = {
    "split on '? ' (500 sub-questions)": {"question": _fill("hb? ")},
    "split on '; '": {"question": _fill("ha1 port; ")},
    "answer size (0x7261 repeated)": {"question": _fill("0x7261 ")},
    "every link named": {"question": _fill("HA1 HA2 HA3 HA4 HA1-backup HA2-backup ")},
    "every platform named": {"question": _fill("PA-3260 PA-5450 PA-7080 VM-300 ")},
    "numbers only": {"question": _fill("28769 ")},
    "one 2,000-letter word": {"question": "a" * MAX_CHARS},
    "words no document uses": {"question": _fill("zyxwv quorble flimflam snark ")},
    "everyday words": {"question": _fill("what is the best way to do this thing for my network please ")},
    "questions on every topic": {
        "question": _fill(
            "what port does ha1 use? what is the ha2 ethertype? can i use ha3 on a pa-3260? "
            "how does the ha1 backup work? which timers apply to ha4? "
        )
    },
    "non-Latin and combining text": {"question": _fill("ＨＡ１ ポート？ é́́ ‮ha2‬ 😀 ")},
    "2,000-character context": {"question": "and ha2?", "context": _fill("what port does ha1 use? ")},
    "top_k 20 on a long passage question": {
        "question": _fill("how does failover between the active and passive firewall work when links go down "),
        "top_k": 20,
    },
}


@dataclass
class Result:
    family: str
    latencies_ms: list[float] = field(default_factory=list)
    largest_bytes: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    concurrent: bool = False

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def run_hostile(corpus: Path | None = None, requests: int = DEFAULT_REQUESTS, *, stream: TextIO | None = None) -> int:
    stream = stream or sys.stdout
    corpus = corpus or (DEFAULT_CORPUS if DEFAULT_CORPUS.is_dir() else None)
    if corpus is not None and not corpus.is_dir():
        print(f"hakb bench: corpus directory not found: {corpus}", file=sys.stderr)
        return EXIT_USAGE
    if requests < 1:
        print("hakb bench: --requests must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    requests = min(requests, 500)  # the default of plain `hakb bench` (2,000) is for throughput
    started = time.perf_counter()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="hakb-hostile-") as tmp:
        try:
            results = _measure(Path(tmp), corpus, requests)
        except BenchError as exc:
            print(f"hakb bench: {exc}", file=sys.stderr)
            return EXIT_USAGE
    print(render(results, requests, load_before, load_average(), time.perf_counter() - started), file=stream)
    return EXIT_OK


def _measure(data_dir: Path, corpus: Path | None, requests: int) -> list[Result]:
    # The server set-up of `hakb bench`, in one place (eval.bench).
    env = server_env(data_dir)
    sources = [str(BUNDLED_DOCS)] + ([str(corpus)] if corpus else [])
    _progress("ingest")
    run_ingest(sources, env)
    results: list[Result] = []
    with (
        serve(data_dir, data_dir / "server.log", env) as server,
        httpx.Client(base_url=server.url, timeout=REQUEST_TIMEOUT_S) as client,
    ):
        client.post("/v1/ask", json={"question": "what port does ha1 use?"})  # warm
        for family, body in FAMILIES.items():
            _progress(family)
            result = Result(family)
            for _ in range(requests):
                _timed(result, client, body)
            results.append(result)
        worst = max(results, key=lambda r: r.p(99))
        _progress(f"{worst.family}, {CONCURRENCY} at once")
        results.append(asyncio.run(_concurrent(server.url, worst.family, requests)))
    return results


def _timed(result: Result, client: httpx.Client, body: dict[str, object]) -> None:
    started = time.perf_counter()
    try:
        response = client.post("/v1/ask", json=body)
    except httpx.HTTPError as exc:
        result.statuses[type(exc).__name__] += 1
        result.latencies_ms.append((time.perf_counter() - started) * 1000)
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)
    result.largest_bytes = max(result.largest_bytes, len(response.content))
    if response.status_code != 200:
        result.statuses[str(response.status_code)] += 1


async def _concurrent(url: str, family: str, requests: int) -> Result:
    result = Result(family, concurrent=True)
    body = FAMILIES[family]
    total = max(requests, CONCURRENCY)
    counter = iter(range(total))
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:

        async def worker() -> None:
            for _ in counter:
                started = time.perf_counter()
                try:
                    response = await client.post("/v1/ask", json=body)
                except httpx.HTTPError as exc:
                    result.statuses[type(exc).__name__] += 1
                else:
                    result.largest_bytes = max(result.largest_bytes, len(response.content))
                    if response.status_code != 200:
                        result.statuses[str(response.status_code)] += 1
                result.latencies_ms.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return result


def _progress(stage: str) -> None:
    print(f"bench --hostile: {stage} ...", file=sys.stderr, flush=True)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def render(results: list[Result], requests: int, load_before: str, load_after: str, seconds: float) -> str:
    lines = [
        "### hakb bench --hostile",
        "",
        f"Questions of at most {MAX_CHARS} characters over HTTP to `hakb serve`; {requests} per family,"
        f" one at a time, then the worst family from {CONCURRENCY} clients at once.",
        "",
        "| family | p50 ms | p99 ms | max ms | largest response | not 200 |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        label = r.family + (f" ({CONCURRENCY} at once)" if r.concurrent else "")
        errors = ", ".join(f"{k}×{v}" for k, v in sorted(r.statuses.items())) or "–"
        size = f"{r.largest_bytes / 1024:.1f} KB"
        lines.append(f"| {label} | {_ms(r.p(50))} | {_ms(r.p(99))} | {_ms(max(r.latencies_ms))} | {size} | {errors} |")
    worst = max(results, key=lambda r: r.p(99))
    verdict = "PASS" if worst.p(99) < TARGET_P99_MS else "FAIL"
    label = worst.family + (f" ({CONCURRENCY} at once)" if worst.concurrent else "")
    lines += [
        "",
        f"worst p99: {_ms(worst.p(99))} ms ({label}); target < {TARGET_P99_MS:g} ms: {verdict}",
        f"load average before: {load_before}, after: {load_after}; cpus: {os.cpu_count()}; run took {seconds:.0f} s",
    ]
    return "\n".join(lines)
