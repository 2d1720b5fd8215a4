"""A Redis that stops answering (it accepts connections, then says nothing) must not stall
the API: the rate limit asks it off the event loop, lets the request through when it
times out, says so in the log once, and leaves it alone for the back-off window.

The silent Redis is a real listening socket that accepts and never replies, as a hung
or partitioned Redis looks to a client (a refused connection would fail at once)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from hakb.service.api.security import STATE_BACKOFF_S
from tests.conftest import StartServer, copy_data_dir

SKIPPED = f"the shared state is skipped for {STATE_BACKOFF_S:g} s"


class SilentRedis:
    """Accepts every connection and never answers; keeps them open until closed."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.accepted = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(conn)
            self.accepted.set()

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


@contextmanager
def silent_redis() -> Iterator[SilentRedis]:
    server = SilentRedis()
    try:
        yield server
    finally:
        server.close()


def test_a_silent_redis_neither_stalls_nor_blocks_requests(
    seed_data_dir: Path, start_server: StartServer, tmp_path: Path
) -> None:
    with silent_redis() as redis:
        env = {"HAKB_REDIS_URL": redis.url, "HAKB_RATE_LIMIT": "600"}
        server = start_server(copy_data_dir(seed_data_dir, tmp_path / "data"), env)
        with httpx.Client(base_url=server.url, timeout=60) as client, ThreadPoolExecutor(1) as pool:
            first = pool.submit(client.get, "/v1/documents")
            assert redis.accepted.wait(30), "the rate limit never asked the shared state"
            # While that request waits on the silent Redis, the same worker answers others:
            # the wait is off the event loop (on it, the probe would answer only after the
            # Redis call timed out, which the worker logs before it serves anything else).
            assert client.get("/healthz").status_code == 200
            assert "rate limit not applied" not in server.log(), "the probe waited for the Redis timeout"
            assert first.result().status_code == 200  # let through, not a 500 or a 503

            # Within the back-off window the silent Redis is not asked again.
            asked = len(redis.connections)
            for _ in range(5):
                assert client.get("/v1/documents").status_code == 200
            assert len(redis.connections) == asked

    log = server.log()
    assert "rate limit not applied" in log and "Redis at 127.0.0.1" in log
    assert log.count(SKIPPED) == 1, log[-3000:]
