"""Real server processes for tests, the load test and the benchmark: `hakb serve`,
`chroma run` and `redis-server` on free 127.0.0.1 ports, stopped however the caller exits.

    with start_hakb_serve(data_dir, workers=2) as server:
        httpx.get(f"{server.url}/readyz")
    with start_chroma(tmp / "store") as chroma:
        ...  # CHROMA_HOST=chroma.host CHROMA_PORT=chroma.port
    with start_redis() as redis:
        ...  # HAKB_REDIS_URL=redis.redis_url

Used by tests/conftest.py, tests/reliability/conftest.py, scripts/load.py and
`hakb bench`; the one copy of this code. A server runs in its own process group
(its uvicorn workers too), with stdout and stderr in a log file; the environment
it sees is this process's minus every HAKB_*/CHROMA_*/SLACK_* setting (so a
developer's shell never changes a test), plus what the caller passes.

Not used by `hakb` itself at run time; it lives in the package because the
benchmark (`hakb bench`) starts a server too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import httpx

from hakb.errors import HakbError

ENV_PREFIXES = ("HAKB_", "CHROMA_", "SLACK_", "PROMETHEUS_")
HOST = "127.0.0.1"
START_TIMEOUT_S = 120.0  # model load + build open; generous for a loaded 2-core machine


class ServerStartError(HakbError):
    """A server exited or did not become ready; the message holds its log's tail."""


def free_port() -> int:
    """A TCP port nothing listens on at this moment (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without any HAKB_*/CHROMA_*/SLACK_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    # onnxruntime phones home ~10 s after start; offline that is a failing DNS lookup.
    env["ORT_DISABLE_TELEMETRY"] = "1"
    env["ANONYMIZED_TELEMETRY"] = "False"  # Chroma's
    env.update(extra or {})
    return env


def hakb_argv(*args: str) -> list[str]:
    """`hakb ARGS` run by this interpreter (the venv this code runs in)."""
    return [sys.executable, "-m", "hakb.cli", *args]


def _tail(path: Path, chars: int = 3000) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-chars:]
    except OSError:
        return ""


def _stop(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    """SIGTERM, then SIGKILL to the process group (uvicorn's workers included)."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=timeout_s)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class _Server:
    """A subprocess on a port of 127.0.0.1, stopped on leaving a `with` block."""

    process: subprocess.Popen[bytes] | None = None
    port: int
    stop_timeout_s = 20.0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        if self.process is not None:
            _stop(self.process, self.stop_timeout_s)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class HakbServer(_Server):
    """`hakb serve` in a subprocess on a free port. `start()` returns once it is ready."""

    def __init__(
        self,
        data_dir: Path,
        log_path: Path | None = None,
        *,
        workers: int = 1,
        verbose: bool = False,
        env: Mapping[str, str] | None = None,
        inherit_env: bool = False,
        port: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="hakb-serve-")) / "serve.log"
        self.workers = workers
        self.verbose = verbose
        self.port = port or free_port()
        extra = {"HAKB_DATA_DIR": str(data_dir), **(env or {})}
        # inherit_env: keep the caller's HAKB_*/CHROMA_* settings (the benchmark measures
        # what the user configured); otherwise a clean environment.
        self.env = {**os.environ, "ORT_DISABLE_TELEMETRY": "1", **extra} if inherit_env else clean_env(extra)
        self.ready_s = 0.0  # from process start until ready

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, *, wait_ready: bool = True, timeout_s: float = START_TIMEOUT_S, poll_s: float = 0.1) -> HakbServer:
        """Start and wait: with wait_ready, until /readyz says 200 and every worker has
        started; otherwise until the server answers at all (a server with no build)."""
        flags = ["-v"] if self.verbose else []
        argv = hakb_argv(*flags, "serve", "--host", HOST, "--port", str(self.port), "--workers", str(self.workers))
        # Never the repository: a relative path a server writes must not land in the working tree.
        cwd = self.data_dir if self.data_dir.is_dir() else None
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=self.env, cwd=cwd, start_new_session=True
            )
        try:
            self._wait(ready=wait_ready, timeout_s=timeout_s, poll_s=poll_s)
        except BaseException:
            self.stop()
            raise
        self.ready_s = time.perf_counter() - started
        return self

    def _wait(self, *, ready: bool, timeout_s: float, poll_s: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise ServerStartError(f"hakb serve exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    status = client.get(f"{self.url}/readyz").status_code
                    if not ready or status == 200 and self._all_workers_started():
                        return
                except httpx.TransportError:
                    pass
                time.sleep(poll_s)
        raise ServerStartError(f"hakb serve not {'ready' if ready else 'up'} after {timeout_s:g} s:\n{self.log_tail()}")

    def _all_workers_started(self) -> bool:
        return self.workers <= 1 or self.log().count("Application startup complete") >= self.workers

    def log(self) -> str:
        """The whole log so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, chars: int = 3000) -> str:
        return _tail(self.log_path, chars)

    def worker_pids(self) -> list[int]:
        """The worker processes (with --workers N > 1: children the server forked)."""
        out = subprocess.run(["pgrep", "-P", str(self.pid)], capture_output=True, text=True).stdout
        # A multiprocessing resource tracker may sit beside the workers.
        return sorted(p for p in map(int, out.split()) if "resource_tracker" not in _cmdline(p))

    def peak_rss_mb(self) -> float | None:
        """The server process's high-water mark of resident memory (Linux: VmHWM)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            pass
        return None


@contextmanager
def start_hakb_serve(
    data_dir: Path,
    log_path: Path | None = None,
    *,
    workers: int = 1,
    verbose: bool = False,
    env: Mapping[str, str] | None = None,
    inherit_env: bool = False,
    wait_ready: bool = True,
    timeout_s: float = START_TIMEOUT_S,
    poll_s: float = 0.1,
) -> Iterator[HakbServer]:
    """`hakb serve` over `data_dir`, ready, for the length of the `with` block."""
    with HakbServer(data_dir, log_path, workers=workers, verbose=verbose, env=env, inherit_env=inherit_env) as server:
        yield server.start(wait_ready=wait_ready, timeout_s=timeout_s, poll_s=poll_s)


class ChromaServer(_Server):
    """`chroma run` on a fixed free port: `stop()` and `start()` again bring it back in
    place (same port, same store), as a restarted Chroma server would come back."""

    def __init__(self, path: Path, log_path: Path | None = None, *, port: int | None = None) -> None:
        self.path = path
        self.log_path = log_path or path.parent / f"{path.name}.chroma.log"
        self.host = HOST
        self.port = port or free_port()
        self.stop_timeout_s = 15.0

    def start(self, timeout_s: float = 60.0) -> ChromaServer:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent)) or "chroma"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [chroma, "run", "--path", str(self.path), "--host", self.host, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean_env(),
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(f"chroma exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerStartError(f"chroma not ready after {timeout_s:g} s:\n{self.log()}")

    def log(self) -> str:
        return _tail(self.log_path, 2000)


@contextmanager
def start_chroma(path: Path, log_path: Path | None = None, *, timeout_s: float = 60.0) -> Iterator[ChromaServer]:
    """A Chroma server storing under `path`, for the length of the `with` block."""
    with ChromaServer(path, log_path) as server:
        yield server.start(timeout_s)


class RedisServer(_Server):
    """`redis-server` (the Debian package) on a free port, in memory only (no dump
    file, no append-only file): what the shared state's Redis backend talks to in tests."""

    def __init__(self, log_path: Path | None = None, *, port: int | None = None) -> None:
        self.log_path = log_path or Path(tempfile.mkdtemp(prefix="hakb-redis-")) / "redis.log"
        self.host = HOST
        self.port = port or free_port()
        self.stop_timeout_s = 10.0

    @property
    def redis_url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout_s: float = 30.0) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerStartError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        argv = [binary, "--port", str(self.port), "--bind", self.host, "--save", "", "--appendonly", "no"]
        argv += ["--daemonize", "no", "--dir", str(self.log_path.parent)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=clean_env(), start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerStartError(f"redis-server exited with {self.process.returncode}:\n{self.log()}")
            if self._pong():
                return self
            time.sleep(0.05)
        self.stop()
        raise ServerStartError(f"redis-server not ready after {timeout_s:g} s:\n{self.log()}")

    def _pong(self) -> bool:
        """PING in Redis's wire protocol (no client library needed here)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=1.0) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        return _tail(self.log_path, 2000)


@contextmanager
def start_redis(log_path: Path | None = None, *, timeout_s: float = 30.0) -> Iterator[RedisServer]:
    """A Redis server for the length of the `with` block."""
    with RedisServer(log_path) as server:
        yield server.start(timeout_s)
