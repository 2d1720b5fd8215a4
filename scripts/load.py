#!/usr/bin/env python
"""Load test for `hakb serve`: mixed requests from concurrent keep-alive clients.

    python scripts/load.py                      # 10,000 requests, 50 clients, 2 workers
    python scripts/load.py --ingest-during      # ...and a new build half-way through
    python scripts/load.py --data-dir /tmp/x    # reuse (or make once) a seed+corpus build there

It builds the seed docs + ../shared/corpus/pages into a data dir (unless one is
there), starts `hakb serve --workers N` on a free 127.0.0.1 port, and sends
`--requests` requests from `--clients` clients, each on its own kept-alive
connection: fact questions, passage questions, questions the documents cannot
answer (abstain), and malformed requests (bad JSON, wrong types, empty or
over-long questions). It prints latency p50/p95/p99 per kind, throughput,
server errors (5xx), failed requests (any unexpected status), dropped
connections, and each worker's resident memory before and after.

With `--ingest-during`, once half the requests are answered it runs `hakb
ingest` of a changed seed document (the heartbeat-backup port changes) and
reports when CURRENT switched, when each worker logged that it serves the new
build, the first and last answers per build, and whether any request failed.

Exit status: 0 when there were no server errors, failed requests or dropped
connections (and, with --ingest-during, every worker switched within 2 s); 1
otherwise. The clients are one asyncio loop with a minimal HTTP/1.1 client, so
that the load generator costs little CPU beside the server on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from hakb.devserver import HakbServer, clean_env, hakb_argv, start_hakb_serve

REPO = Path(__file__).resolve().parents[1]
SEED_DOCS = REPO / "data" / "docs"
SEED_PAGE = "ha-links-and-backup-links.txt"
CORPUS = REPO.parent / "shared" / "corpus" / "pages"
SWITCH_LIMIT_S = 2.0

# What the engine answers from the facts table, from passages, or not at all
# (seed + corpus build). The heartbeat-backup question is the probe whose
# answer changes with --ingest-during.
PROBE = "what port does heartbeat backup use"
OLD_PORT, NEW_PORT = "28771", "28791"
FACT_QUESTIONS = [
    PROBE,
    "what port does ha1 use",
    "what ethertype does ha2 use",
    "which port does ha1 use for encrypted communication",
    "what protocol does ha2 use",
    "is ha2 a layer 2 link",
    "what uses port 28771",
    "what is the ha3 link used for",
    "does the pa-3260 have dedicated ha ports",
    "what port does ha2 use for udp transport",
    "what is ha4 used for",
]
PASSAGE_QUESTIONS = [
    "how does preemption work",
    "how do I configure link monitoring",
    "what is the difference between active/passive and active/active",
    "what is a floating ip address",
    "how does path monitoring detect a failure",
    "what is device priority",
    "why would I use arp load-sharing",
]
ABSTAIN_QUESTIONS = [
    "what is the weather in paris today",
    "who won the world cup in 1998",
    "how do I bake sourdough bread",
    "what is the capital of australia",
    "recommend a good pizza place",
]
MALFORMED_BODIES = [
    b'{"question": ',
    b'{"question": 42}',
    b"{}",
    b'{"question": ""}',
    b'{"question": "   "}',
    b'{"question": "ha1 port", "top_k": 0}',
    b'{"question": "ha1 port", "top_k": "many"}',
    b'{"questionn": "ha1 port"}',
    b"[1, 2, 3]",
    b"not json at all",
    json.dumps({"question": "what port does ha1 use " + "x" * 2100}).encode(),
    b'{"question": "\\ud800 ha1"}',
    b'{"question": "ha1 \xff\xfe"}',
]
MIX = {"fact": 0.40, "passage": 0.30, "abstain": 0.15, "malformed": 0.15}


# -- requests and the client ------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    kind: str  # fact | passage | abstain | malformed
    body: bytes


@dataclass
class Result:
    kind: str
    status: int  # 0: no response (the connection failed)
    seconds: float
    started: float  # time.time() when sent
    finished: float
    answer_kind: str | None = None
    build_id: str | None = None
    probe_answer: str | None = None  # the probe's answer text, to see it change
    error: str | None = None


def make_specs(n: int, seed: int = 7) -> list[Spec]:
    rng = random.Random(seed)
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=n)
    pools = {"fact": FACT_QUESTIONS, "passage": PASSAGE_QUESTIONS, "abstain": ABSTAIN_QUESTIONS}
    specs = []
    for kind in kinds:
        if kind == "malformed":
            specs.append(Spec(kind, rng.choice(MALFORMED_BODIES)))
        else:
            specs.append(Spec(kind, json.dumps({"question": rng.choice(pools[kind])}).encode()))
    return specs


class Dropped(Exception):
    """The connection closed or failed with a request outstanding."""


class Connection:
    """One kept-alive HTTP/1.1 connection; requests go one at a time."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def _open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.opened += 1

    async def post(
        self, path: str, body: bytes, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None or self.writer.is_closing():
            await self._open()
        assert self.reader is not None and self.writer is not None
        head = [
            f"POST {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        try:
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
            await self.writer.drain()
            status_line = await self.reader.readline()
            if not status_line:
                raise Dropped("connection closed before the response")
            status = int(status_line.split()[1])
            response_headers: dict[str, str] = {}
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                response_headers[name.strip().lower()] = value.strip()
            if response_headers.get("transfer-encoding") == "chunked":
                data = b""
                while True:
                    size = int((await self.reader.readline()).strip(), 16)
                    chunk = await self.reader.readexactly(size + 2)
                    if size == 0:
                        break
                    data += chunk[:-2]
            else:
                data = await self.reader.readexactly(int(response_headers.get("content-length", "0")))
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            self.close()
            raise Dropped(f"{exc.__class__.__name__}: {exc}") from exc
        if response_headers.get("connection", "").lower() == "close":
            self.close()
        return status, response_headers, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None


def judge(spec: Spec, status: int, data: bytes, started: float, finished: float, seconds: float) -> Result:
    result = Result(spec.kind, status, seconds, started, finished)
    if spec.kind == "malformed":
        if not 400 <= status < 500:
            result.error = f"malformed request answered {status}"
        return result
    if status != 200:
        result.error = f"HTTP {status}: {data[:200]!r}"
        return result
    try:
        answer = json.loads(data)
        result.answer_kind = answer["kind"]
        result.build_id = answer.get("build_id")
        if answer.get("question") == PROBE:
            result.probe_answer = answer.get("answer")
    except (ValueError, KeyError, TypeError) as exc:
        result.error = f"unreadable answer ({exc})"
    return result


async def run_clients(
    host: str,
    port: int,
    specs: list[Spec],
    clients: int,
    headers: dict[str, str] | None = None,
    on_progress: object | None = None,
    extra: object | None = None,
) -> tuple[list[Result], int]:
    """Send every spec once, `clients` at a time, each client on its own connection;
    then, while `extra()` returns a Spec, send those too (to keep the load on while
    something else finishes). Returns the results (in completion order) and the
    number of dropped connections."""
    queue: asyncio.Queue[Spec] = asyncio.Queue()
    for spec in specs:
        queue.put_nowait(spec)
    results: list[Result] = []
    drops = 0

    async def client() -> None:
        nonlocal drops
        conn = Connection(host, port)
        while True:
            try:
                spec = queue.get_nowait()
            except asyncio.QueueEmpty:
                more = extra() if callable(extra) else None
                if more is None:
                    break
                spec = more
            started, t0 = time.time(), time.perf_counter()
            try:
                status, _, data = await conn.post("/v1/ask", spec.body, headers)
            except Dropped as exc:
                drops += 1
                seconds = time.perf_counter() - t0
                results.append(Result(spec.kind, 0, seconds, started, time.time(), error=f"dropped: {exc}"))
            else:
                seconds = time.perf_counter() - t0
                results.append(judge(spec, status, data, started, time.time(), seconds))
            if callable(on_progress):
                on_progress(len(results))
        conn.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return results, drops


# -- the server --------------------------------------------------------------------


def hakb_env(data_dir: Path, **extra: str) -> dict[str, str]:
    return clean_env({"HAKB_DATA_DIR": str(data_dir), **extra})


def ensure_build(data_dir: Path, corpus: Path | None) -> float:
    """Ingest the seed docs (+ corpus) into `data_dir` unless it has a build; seconds taken."""
    if (data_dir / "index" / "CURRENT").is_file():
        return 0.0
    docs = data_dir / "docs"
    if not docs.is_dir():
        shutil.copytree(SEED_DOCS, docs)
    sources = [str(docs)] + ([str(corpus)] if corpus is not None and corpus.is_dir() else [])
    started = time.perf_counter()
    subprocess.run(
        hakb_argv("ingest", "--replace", *sources),
        env=hakb_env(data_dir),
        check=True,
        cwd=data_dir,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


_SWITCH = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}) \[(?P<pid>\d+)\] INFO (?:hakb\.)?service\.index: serving build "
    r"(?P<build>\S+)",
    re.M,
)


_PORT = re.compile(r"\b287\d\d\b")


def build_switches(log_text: str) -> list[tuple[float, int, str]]:
    """(unix time, worker pid, build id) for every 'serving build' line in a server log."""
    out = []
    for m in _SWITCH.finditer(log_text):
        when = datetime.strptime(m["ts"], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
        out.append((when, int(m["pid"]), m["build"]))
    return out


# -- report -------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


@dataclass
class Report:
    requests: int
    clients: int
    workers: int
    seconds: float = 0.0
    throughput_rps: float = 0.0
    latency_ms: dict[str, dict[str, float]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    server_errors: int = 0
    failed: int = 0
    dropped_connections: int = 0
    kind_mismatches: dict[str, int] = field(default_factory=dict)
    rss_mb: dict[str, dict[str, float]] = field(default_factory=dict)
    rss_growth_pct: dict[str, float] = field(default_factory=dict)
    first_errors: list[str] = field(default_factory=list)
    ingest: dict[str, object] | None = None


def summarise(report: Report, results: list[Result], drops: int, seconds: float) -> None:
    report.seconds = round(seconds, 2)
    report.throughput_rps = round(len(results) / seconds, 1)
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r.seconds * 1000)
    for kind in (*MIX, "all"):
        values = [v for vs in by_kind.values() for v in vs] if kind == "all" else by_kind.get(kind, [])
        report.latency_ms[kind] = {
            "p50": round(percentile(values, 50), 1),
            "p95": round(percentile(values, 95), 1),
            "p99": round(percentile(values, 99), 1),
            "max": round(max(values), 1) if values else float("nan"),
        }
    report.counts = dict(Counter(r.kind for r in results))
    report.server_errors = sum(1 for r in results if r.status >= 500)
    report.failed = sum(1 for r in results if r.error)
    report.dropped_connections = drops
    mismatches = Counter(f"{r.kind}->{r.answer_kind}" for r in results if r.answer_kind and r.answer_kind != r.kind)
    report.kind_mismatches = dict(mismatches)
    report.first_errors = [r.error for r in results if r.error][:5]  # type: ignore[misc]


def print_report(report: Report) -> None:
    sent = sum(report.counts.values())
    print(
        f"\n{sent} requests, {report.clients} keep-alive clients, {report.workers} workers: "
        f"{report.seconds:.1f} s, {report.throughput_rps:.1f} requests/s"
    )
    print(f"{'kind':10} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, lat in report.latency_ms.items():
        count = sum(report.counts.values()) if kind == "all" else report.counts.get(kind, 0)
        print(f"{kind:10} {count:>6} {lat['p50']:>8.1f} {lat['p95']:>8.1f} {lat['p99']:>8.1f} {lat['max']:>8.1f}")
    print(
        f"server errors (5xx): {report.server_errors}   failed requests: {report.failed}   "
        f"dropped connections: {report.dropped_connections}"
    )
    if report.kind_mismatches:
        print(f"answered with another kind than the mix expected: {report.kind_mismatches}")
    for pid, rss in report.rss_mb.items():
        print(
            f"worker {pid} RSS: ready {rss['ready']:.0f} MB, after warm-up {rss['start']:.0f} MB, "
            f"end {rss['end']:.0f} MB ({report.rss_growth_pct[pid]:+.1f}% from warm-up)"
        )
    for error in report.first_errors:
        print(f"  error: {error}")
    if report.ingest:
        ing = report.ingest
        print(f"ingest during load: {ing['seconds']:.1f} s, exit {ing['exit']}, new build {ing['new_build']}")
        for pid, delay in dict(ing["worker_switch_s"]).items():  # type: ignore[call-overload]
            print(f"  worker {pid} served the new build {delay:.2f} s after CURRENT changed")
        print(
            f"  first answer on the new build {ing['first_new_answer_s']} s after CURRENT changed; "
            f"last answer on the old build started {ing['last_old_started_s']} s after it"
        )
        print(
            f"  probe answers: old build {ing['probe_old']}, new build {ing['probe_new']}; "
            f"requests failed during the run: {report.failed}"
        )


# -- the run ------------------------------------------------------------------------


def changed_docs(root: Path) -> Path:
    """The seed docs with the heartbeat-backup port changed: a new build, a new answer."""
    docs = root / "changed-docs"
    shutil.copytree(SEED_DOCS, docs)
    page = docs / SEED_PAGE
    text = page.read_text(encoding="utf-8").replace(OLD_PORT, NEW_PORT)
    # A line unique to this run: the build is new even when a reused data dir already
    # holds the changed port from an earlier run.
    page.write_text(text + f"\nLoad test run {time.time():.0f}.\n", encoding="utf-8")
    return docs / SEED_PAGE


async def _main_run(args: argparse.Namespace, server: HakbServer, data_dir: Path, report: Report) -> list[Result]:
    specs = make_specs(args.requests)
    ingest_state: dict[str, object] = {}
    index = data_dir / "index"
    old_build = (index / "CURRENT").read_text().strip()

    def progress(done: int) -> None:
        if args.ingest_during and "proc" not in ingest_state and done >= args.requests // 2:
            page = changed_docs(Path(tempfile.mkdtemp(prefix="hakb-load-")))
            ingest_state["started"] = time.time()
            ingest_state["proc"] = subprocess.Popen(
                hakb_argv("ingest", str(page)),
                env=hakb_env(data_dir),
                cwd=data_dir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )

    async def watch_current() -> None:
        while True:
            await asyncio.sleep(0.02)
            proc = ingest_state.get("proc")
            if isinstance(proc, subprocess.Popen) and "ended" not in ingest_state and proc.poll() is not None:
                ingest_state["ended"] = time.time()
            try:
                current = (index / "CURRENT").read_text().strip()
            except OSError:
                continue
            if current != old_build and "current_changed" not in ingest_state:
                ingest_state["current_changed"] = (index / "CURRENT").stat().st_mtime
                ingest_state["new_build"] = current

    rng = random.Random(3)
    extra_specs = make_specs(1000, seed=5)

    def extra() -> Spec | None:
        """With --ingest-during, the load goes on until the ingest ended and every
        worker had time to switch (on a fast machine the planned requests end first)."""
        if not args.ingest_during:
            return None
        ended = ingest_state.get("ended")
        if "proc" in ingest_state and (not isinstance(ended, float) or time.time() < ended + SWITCH_LIMIT_S + 1.0):
            return rng.choice(extra_specs)
        return None

    watcher = asyncio.create_task(watch_current())
    started = time.perf_counter()
    results, drops = await run_clients("127.0.0.1", server.port, specs, args.clients, on_progress=progress, extra=extra)
    seconds = time.perf_counter() - started
    proc = ingest_state.get("proc")
    if isinstance(proc, subprocess.Popen):
        proc.wait(timeout=600)
        ingest_state.setdefault("ended", time.time())
    watcher.cancel()
    summarise(report, results, drops, seconds)
    if isinstance(proc, subprocess.Popen):
        report.ingest = ingest_report(ingest_state, proc, results, server, old_build)
    return results


def ingest_report(
    state: dict[str, object], proc: subprocess.Popen[bytes], results: list[Result], server: HakbServer, old_build: str
) -> dict[str, object]:
    changed = state.get("current_changed")
    new_build = state.get("new_build")
    out: dict[str, object] = {
        "seconds": round(float(state["ended"]) - float(state["started"]), 2),  # type: ignore[arg-type]
        "exit": proc.returncode,
        "stderr": (proc.stderr.read().decode(errors="replace")[-500:] if proc.stderr else ""),
        "new_build": new_build,
        "worker_switch_s": {},
    }
    if not isinstance(changed, float):
        return out
    switches = {pid: when for when, pid, build in build_switches(server.log()) if build == new_build}
    out["worker_switch_s"] = {
        str(pid): round(switches[pid] - changed, 3) if pid in switches else None for pid in server.worker_pids()
    }
    new = [r for r in results if r.build_id == new_build]
    old = [r for r in results if r.build_id == old_build]
    out["first_new_answer_s"] = round(min(r.finished for r in new) - changed, 3) if new else None
    out["last_old_started_s"] = round(max(r.started for r in old) - changed, 3) if old else None
    # The heartbeat-backup ports each build's answers name (the corpus keeps 28771 too).
    out["probe_old"] = sorted({p for r in old if r.probe_answer for p in _PORT.findall(r.probe_answer)})
    out["probe_new"] = sorted({p for r in new if r.probe_answer for p in _PORT.findall(r.probe_answer)})
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--warmup", type=int, default=300, help="requests sent (and not counted) before measuring")
    p.add_argument("--data-dir", type=Path, default=None, help="kept; built once if it has no build")
    p.add_argument("--corpus", type=Path, default=CORPUS if CORPUS.is_dir() else None)
    p.add_argument("--ingest-during", action="store_true", help="ingest a changed document half-way through")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = p.parse_args(argv)

    temp = None
    data_dir = args.data_dir
    if data_dir is None:
        temp = Path(tempfile.mkdtemp(prefix="hakb-load-data-"))
        data_dir = temp
    data_dir.mkdir(parents=True, exist_ok=True)
    print(f"data dir {data_dir}", flush=True)
    built = ensure_build(data_dir, args.corpus)
    if built:
        print(f"built seed + corpus in {built:.1f} s", flush=True)
    log_path = data_dir / "load-serve.log"
    report = Report(requests=args.requests, clients=args.clients, workers=args.workers)
    with start_hakb_serve(data_dir, log_path, workers=args.workers, timeout_s=180.0) as server:
        pids = server.worker_pids()
        ready = {pid: rss_mb(pid) for pid in pids}
        print(f"serving on port {server.port}, workers {pids}; warming up with {args.warmup} requests", flush=True)
        asyncio.run(run_clients("127.0.0.1", server.port, make_specs(args.warmup, seed=1), args.clients))
        start = {pid: rss_mb(pid) for pid in pids}
        print(f"sending {args.requests} requests from {args.clients} clients ...", flush=True)
        asyncio.run(_main_run(args, server, data_dir, report))
        end = {pid: rss_mb(pid) for pid in pids}
        report.rss_mb = {str(pid): {"ready": ready[pid], "start": start[pid], "end": end[pid]} for pid in pids}
        report.rss_growth_pct = {str(pid): round((end[pid] - start[pid]) / start[pid] * 100, 1) for pid in pids}
    print_report(report)
    print(f"server log: {log_path}")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2))
    ok = report.server_errors == 0 and report.failed == 0 and report.dropped_connections == 0
    if report.ingest is not None:
        delays = dict(report.ingest.get("worker_switch_s") or {})  # type: ignore[call-overload]
        ok = (
            ok
            and report.ingest["exit"] == 0
            and bool(delays)
            and all(d is not None and d <= SWITCH_LIMIT_S for d in delays.values())
        )
    if temp is not None and ok:
        shutil.rmtree(temp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
