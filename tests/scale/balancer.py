"""A small round-robin load balancer for the scale test: each new TCP connection goes to
the next backend in turn, as an L4 balancer (nginx `stream`, haproxy `mode tcp`) would.

The connection to the backend leaves from the client's own loopback address (any
127.x.y.z is this host's), as a transparent proxy keeps it: a backend's per-client rate
limit then sees each client, not the balancer. It runs an asyncio loop in a thread of its
own, so the test can drive it with blocking clients as well as asyncio ones.

    with RoundRobinBalancer([(host, port_a), (host, port_b)]) as lb:
        httpx.get(f"{lb.url}/readyz")
        lb.connections  # how many connections each backend was given
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections import Counter
from typing import Self

HOST = "127.0.0.1"
CHUNK = 1 << 16


class RoundRobinBalancer:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        if not backends:
            raise ValueError("a balancer needs at least one backend")
        self.backends = backends
        self._next = itertools.cycle(backends)
        self.connections: Counter[tuple[str, int]] = Counter()
        self.failed_connects = 0  # a backend refused a connection: the client saw it closed
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="round-robin-balancer", daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the balancer did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _shutdown(self) -> None:
        """Stop listening and end every open connection while the loop still runs."""
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, HOST, 0, backlog=1024))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._server.close()
            self._loop.close()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        peer = client_writer.get_extra_info("peername")[0]
        backend = next(self._next)
        self.connections[backend] += 1
        try:
            backend_reader, backend_writer = await asyncio.open_connection(*backend, local_addr=(peer, 0))
        except OSError:
            self.failed_connects += 1
            client_writer.close()
            return
        await asyncio.gather(
            _pipe(client_reader, backend_writer),
            _pipe(backend_reader, client_writer),
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy until either side ends, then close the writing side: a closed client ends its
    backend connection and a backend's close reaches the client."""
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
