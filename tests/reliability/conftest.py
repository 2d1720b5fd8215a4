"""Fixtures for the reliability tests: real `hakb serve` processes (workers, verbose logs).

The seed build (`seed_data_dir`), `clean_env`, `copy_data_dir` and `ingest` come from
tests/conftest.py; a test that changes a data dir works on a copy.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, clean_env, free_port

HAKB = [sys.executable, "-m", "hakb.cli"]


class Server:
    """`hakb serve` in its own process group, with its log in a file."""

    def __init__(self, data_dir: Path, log_path: Path, workers: int = 1, verbose: bool = False, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.workers = workers
        args = [*HAKB, *(["-v"] if verbose else []), "serve", "--port", str(self.port), "--workers", str(workers)]
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            args,
            env=clean_env({"HAKB_DATA_DIR": str(data_dir), **env}),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hakb serve exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200 and self._all_workers_started():
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"hakb serve not ready in {timeout} s:\n{self.log()}")

    def _all_workers_started(self) -> bool:
        return self.log().count("Application startup complete") >= self.workers

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        pids = [int(p) for p in out.split()]
        # uvicorn's workers are spawned processes; a resource tracker may sit beside them.
        return [p for p in pids if "multiprocessing.resource_tracker" not in _cmdline(p)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self._log.close()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


StartServe = Callable[..., Server]


@pytest.fixture(scope="session")
def start_hakb_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServe]:
    """A factory: `start_hakb_serve(data_dir, workers=1, verbose=False, **env) -> Server`,
    ready (every worker started); all are stopped at the end of the session."""
    started: list[Server] = []

    def start(data_dir: Path, workers: int = 1, verbose: bool = False, **env: str) -> Server:
        log_path = tmp_path_factory.mktemp("server-log") / "serve.log"
        server = Server(data_dir, log_path, workers=workers, verbose=verbose, **env)
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()
