"""`hakb serve --workers N`: N uvicorn servers forked from one process that has
already imported what they run.

Why not uvicorn's own supervisor: it starts each worker with multiprocessing's
"spawn", a fresh interpreter that imports fastapi, chromadb, onnxruntime,
llama-index and the rest again, about 200 MB of modules per worker. Forked after
those imports, the workers share one copy of them (copy-on-write); `gc.freeze()`
moves the imported objects out of the collector's sight, so its passes do not
write to (and so copy) their pages. Measured by `hakb bench` (the gold mix at
concurrency 16): each extra worker adds 140 to 190 MB instead of about 280.

Nothing of the application crosses the fork: the parent only imports and binds the
socket (the threads numpy's and onnxruntime's imports start hold no application state). Each worker's lifespan opens its own engine,
embedding session, stores and shared state, as before.

Supervision, kept small:
* a worker that dies is replaced; if workers keep failing to start (uvicorn's exit
  code 3, or a death within seconds of the start), the supervisor stops and exits 1
  rather than fork for ever;
* SIGINT or SIGTERM goes on to every worker as SIGTERM: each finishes the requests
  it holds (uvicorn's graceful shutdown), and the supervisor exits when all have.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import signal
import socket
import time
from types import FrameType

import uvicorn

log = logging.getLogger(__name__)

# What a worker imports on its first question or at start-up, not at import of the
# app: imported in the parent, shared by every worker.
PRELOADED = (
    "hakb.service.api.app",
    "hakb.service.engine",
    "onnxruntime",
    "tokenizers",
    "chromadb",
    "bm25s",
)
# Imported by the llama-index dense search only (HAKB_DENSE_SEARCH=llama-index).
LLAMA_INDEX = ("llama_index.core", "llama_index.vector_stores.chroma")
QUICK_DEATH_S = 5.0  # a worker that dies sooner than this after its start "failed to start"
MAX_QUICK_DEATHS = 5  # in a row: then the app cannot start, and forking again will not help
STARTUP_FAILURE = 3  # uvicorn's exit code for an app that could not start
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def serve(config: uvicorn.Config, workers: int, *, also: tuple[str, ...] = ()) -> int:
    """Run `workers` uvicorn servers of `config` on one listening socket; the exit code.
    `also`: modules the configured engine imports beyond `PRELOADED`."""
    sock = config.bind_socket()
    for name in (*PRELOADED, *also):
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
    return Supervisor(config, sock, workers).run()


class Supervisor:
    def __init__(self, config: uvicorn.Config, sock: socket.socket, workers: int) -> None:
        self.config = config
        self.sock = sock
        self.workers = workers
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False
        self.failed = False

    def run(self) -> int:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        for _ in range(self.workers):
            self._start()
        failed_starts = 0
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            started = self.children.pop(pid, None)
            if started is None:
                continue
            _forget_metrics(pid)
            if self.stopping:
                continue
            lived = time.monotonic() - started
            # uvicorn's own code for an app that could not start (3), however long it
            # took to find out, or a death within seconds of the start.
            failed_start = os.WIFEXITED(status) and os.WEXITSTATUS(status) == STARTUP_FAILURE
            failed_starts = failed_starts + 1 if failed_start or lived < QUICK_DEATH_S else 0
            log.warning("worker %d exited (%s) after %.1f s", pid, _describe(status), lived)
            if failed_starts >= MAX_QUICK_DEATHS:
                log.error("workers keep failing at start-up (%d in a row): stopping; see the log above", failed_starts)
                self.failed = True
                self._stop(signal.SIGTERM, None)
                continue
            time.sleep(min(failed_starts, 3))  # a worker that cannot start is not retried in a tight loop
            self._start()
        self.sock.close()
        return 1 if self.failed else 0

    def _start(self) -> None:
        # Signals wait until the new worker is on the list (else a SIGTERM right after the
        # fork would miss it) and until the worker has dropped the supervisor's handlers.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            if self.stopping:
                return
            pid = os.fork()
            if pid == 0:  # the worker
                _run_worker(self.config, self.sock)
            self.children[pid] = time.monotonic()
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        log.info("started worker %d", pid)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def _run_worker(config: uvicorn.Config, sock: socket.socket) -> None:
    """The worker's whole life; never returns. os._exit, not sys.exit: the parent's
    atexit handlers (the metrics directory's removal) belong to the parent."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # uvicorn installs its own
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        server = uvicorn.Server(config)
        server.run(sockets=[sock])
        code = 0 if server.started else STARTUP_FAILURE
    except BaseException:  # the worker's end, whatever it is: logged, then the exit code says it
        log.exception("worker %d failed", os.getpid())
    finally:
        logging.shutdown()
        os._exit(code)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"


def _forget_metrics(pid: int) -> None:
    """A dead worker's live gauges leave /metrics (prometheus multiprocess mode)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(pid)
