"""How `hakb serve` runs uvicorn: cut-offs for slow clients, limits, and logs.

uvicorn's own `timeout_keep_alive` only closes a connection that sits idle
*after* a response. A client that connects and never sends, or sends its
headers or body a byte at a time, is never cut off by uvicorn (it has no
header or body read timeout), so each one would hold a socket for ever.
`GuardedHttpToolsProtocol` adds what is missing:

* request read deadline (HAKB_REQUEST_TIMEOUT, 10 s): from a connection's
  first moment, or a new request's first byte, until the request (headers and
  body) is fully read. Past it: `408 Request Timeout` and the connection is
  closed. The time the engine takes to answer is not counted.
* header size cap (MAX_HEADER_BYTES): headers that never end get `431`.

and `uvicorn_options()` sets the rest:

* `timeout_keep_alive` (KEEP_ALIVE_S): an idle kept-alive connection is closed.
* `limit_concurrency` (LIMIT_CONCURRENCY per worker): beyond it new requests
  get `503` instead of piling up.
* a log config that keeps uvicorn's lines and adds ours (`hakb.*`: hakb.ingest,
  hakb.service, ... at INFO) with time and worker pid, so a build switch or a
  refused build shows up in the server log of the worker it happened in; every
  line written during a request carries its id, as text or as JSON
  (HAKB_LOG_FORMAT). The access lines are ours (`hakb.access`, with latency:
  service/api/observe.py), so uvicorn's are turned off.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import shutil
import tempfile
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hakb.settings import Settings

KEEP_ALIVE_S = 10
LIMIT_CONCURRENCY = 512
MAX_HEADER_BYTES = 64 * 1024

log = logging.getLogger(__name__)


def _plain_response(status: bytes, text: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: " + str(len(text)).encode() + b"\r\nconnection: close\r\n\r\n" + text
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request read deadline and a header size cap."""

    def __init__(
        self, *args: Any, request_timeout: float = 10.0, max_header_bytes: int = MAX_HEADER_BYTES, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._request_timeout = request_timeout
        self._max_header_bytes = max_header_bytes
        self._deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._headers_done = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # uvicorn narrows BaseTransport too
        super().connection_made(transport)
        self._arm()  # a client that connects and never sends a byte is cut off too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)
        # Counted only while the headers are still incomplete after this chunk, so a
        # large body arriving with its headers in one read is not mistaken for them.
        if not self._headers_done:
            self._header_bytes += len(data)
            if self._header_bytes > self._max_header_bytes:
                self._refuse(b"431 Request Header Fields Too Large", b"request headers are too large")

    def on_headers_complete(self) -> None:
        self._headers_done = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()  # the request is read; answering it may take as long as it takes
        super().on_message_complete()

    def _arm(self) -> None:
        self._disarm()
        self._header_bytes = 0
        self._headers_done = False
        self._deadline = self.loop.call_later(self._request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport is None or self.transport.is_closing():
            return
        if self.cycle is not None and self.cycle.response_started:
            self.transport.close()
            return
        log.info("cut off a client that did not send its request within %g s", self._request_timeout)
        self._refuse(b"408 Request Timeout", b"the request was not received in time")

    def _refuse(self, status: bytes, text: bytes) -> None:
        self._disarm()
        if self.cycle is not None and not self.cycle.response_complete:
            # The app may still be waiting for the body: it will see a disconnect,
            # and anything it sends after that is dropped by uvicorn.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        if not self.transport.is_closing():
            self.transport.write(_plain_response(status, text))
            self.transport.close()


def log_config(verbose: bool = False, log_format: str = "text") -> dict[str, Any]:
    level = "DEBUG" if verbose else "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # Imported by name: uvicorn applies this config in each worker process.
        "formatters": {"hakb": {"()": "hakb.service.api.observe.formatter", "log_format": log_format}},
        "filters": {"request_id": {"()": "hakb.service.api.observe.RequestIdFilter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "hakb",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            "hakb": {"handlers": ["stderr"], "level": level, "propagate": False},
            # Python's warnings, once captured (create_app), are log lines like the rest:
            # with HAKB_LOG_FORMAT=json every line on stderr is one JSON object.
            "py.warnings": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def limit_malloc_arenas(arenas: int = 2) -> None:
    """At most `arenas` glibc malloc arenas in this process and the workers forked from it.

    glibc gives a thread that meets contention an arena of its own (up to 8 per core)
    and keeps what each one frees for that arena: a worker's answering threads left
    about 15 MB of such free space under load. MALLOC_ARENA_MAX in the environment says
    the same, but glibc reads it only at process start. Not glibc: nothing to do."""
    import ctypes

    m_arena_max = -8  # <malloc.h>
    try:
        ctypes.CDLL(None).mallopt(m_arena_max, arenas)
    except (AttributeError, OSError):
        pass


def prepare_metrics(workers: int) -> None:
    """With several workers, give prometheus_client a directory for each worker's counters
    (PROMETHEUS_MULTIPROC_DIR, read by the library itself, so it goes in the environment
    the workers inherit), so /metrics sums every worker whichever one is scraped. A fresh
    temporary directory, removed when `hakb serve` exits; one the operator set is kept."""
    if workers <= 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    path = tempfile.mkdtemp(prefix="hakb-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    atexit.register(shutil.rmtree, path, ignore_errors=True)


def uvicorn_options(settings: Settings, verbose: bool = False) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run`, on top of app, host, port and workers.

    The protocol is a `functools.partial` of an importable class, so the config also
    pickles cleanly should a worker ever be spawned rather than forked."""
    return {
        "http": functools.partial(GuardedHttpToolsProtocol, request_timeout=settings.request_timeout_s),
        "timeout_keep_alive": KEEP_ALIVE_S,
        "limit_concurrency": LIMIT_CONCURRENCY,
        "log_config": log_config(verbose, settings.log_format),
        "access_log": False,  # hakb.access writes them, with latency and the request id
    }
