"""`hakb serve --workers 2`: the supervisor that forks the workers keeps the service up.

A real `hakb serve`; a worker is killed as the kernel's OOM killer would (SIGKILL), and the
service must go on answering on its port with a new worker in its place. SIGTERM to the
supervisor ends every worker, and the command exits 0."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx

from hakb.devserver import start_hakb_serve
from tests.conftest import SERVER_ENV


def _wait_for(condition, timeout_s: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def test_a_killed_worker_is_replaced_and_sigterm_stops_them_all(seed_data_dir: Path, tmp_path: Path) -> None:
    with start_hakb_serve(seed_data_dir, tmp_path / "serve.log", workers=2, env=SERVER_ENV) as server:
        first = server.worker_pids()
        assert len(first) == 2, server.log_tail()
        os.kill(first[0], signal.SIGKILL)

        def replaced() -> bool:
            now = server.worker_pids()
            return len(now) == 2 and first[0] not in now

        assert _wait_for(replaced), server.log_tail()
        assert "exited (signal SIGKILL)" in server.log_tail()

        # The service goes on answering on its port, whichever worker takes the request.
        for _ in range(6):
            response = httpx.post(server.url + "/v1/ask", json={"question": "what port does ha1 use?"}, timeout=30)
            assert response.status_code == 200, response.text

        workers = server.worker_pids()
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=60) == 0, server.log_tail()
        assert _wait_for(lambda: not any(_alive(pid) for pid in workers), timeout_s=10)
