"""Shared fixtures: a clean environment, builds made once per session, a real server.

Builds are expensive (the corpus takes tens of seconds), so they are made once per
session and treated as read-only; a test that changes a data dir copies it first
(`copy_data_dir`). Servers are real uvicorn subprocesses on free 127.0.0.1 ports.

Fixtures other test packages may use (add new ones; never rename these):
    onnx_embedder     the packaged ONNX embedder, loaded once
    seed_data_dir     a data dir holding the bundled seed doc, ingested once
    corpus_data_dir   seed + ../shared/corpus/pages, ingested once (skips if absent)
    seed_engine / corpus_engine   an in-process Engine over those builds
    live_server       `uvicorn --factory service.api.app:create_app` over corpus_data_dir
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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hakb.ingest.embedder import OnnxEmbedder
from hakb.ingest.pipeline import IngestOptions, IngestResult, Pipeline

REPO = Path(__file__).resolve().parents[1]
SEED_DOCS = REPO / "data" / "docs"
SEED_DOC = SEED_DOCS / "ha-links-and-backup-links.txt"
CORPUS_PAGES = REPO.parent / "shared" / "corpus" / "pages"
ENV_PREFIXES = ("HAKB_", "CHROMA_", "SLACK_")
BIN = Path(sys.executable).parent
SERVER_START_TIMEOUT_S = 120.0  # model load + build open; generous for a loaded 2-core CI box


# -- environment -------------------------------------------------------------


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without any HAKB_*/CHROMA_*/SLACK_* setting, plus `extra`: what a
    subprocess sees, so a developer's shell never changes a test's outcome."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIXES)}
    # onnxruntime phones home ~10 s after start; offline that is a failing DNS lookup.
    env["ORT_DISABLE_TELEMETRY"] = "1"
    env["ANONYMIZED_TELEMETRY"] = "False"
    env.update(extra or {})
    return env


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(ENV_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "1")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- ingest and data dirs ----------------------------------------------------


def ingest(
    data_dir: Path,
    sources: Sequence[str | Path],
    embedder: object | None = None,
    *,
    replace: bool = False,
    chroma_host: str | None = None,
    chroma_port: int = 8000,
) -> IngestResult:
    """Run the real pipeline in this process (the embedder is shared to save its load)."""
    options = IngestOptions(
        index_dir=data_dir / "index", replace=replace, chroma_host=chroma_host, chroma_port=chroma_port
    )
    return Pipeline(options, embedder).run(list(sources))  # type: ignore[arg-type]


def copy_data_dir(src: Path, dst: Path) -> Path:
    """A private, writable copy of a session data dir (its builds included)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


def make_data_dir(root: Path) -> Path:
    """A data dir whose docs/ is a copy of the bundled seed docs (with their manifest)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SEED_DOCS, root / "docs")
    return root


@pytest.fixture(scope="session")
def onnx_embedder() -> OnnxEmbedder:
    return OnnxEmbedder()


@pytest.fixture(scope="session")
def seed_data_dir(tmp_path_factory: pytest.TempPathFactory, onnx_embedder: OnnxEmbedder) -> Path:
    """The bundled seed doc, ingested once. Read-only: copy it before changing anything."""
    data_dir = make_data_dir(tmp_path_factory.mktemp("seed-data"))
    result = ingest(data_dir, [data_dir / "docs"], onnx_embedder, replace=True)
    assert result.ok and result.build_id, f"seed ingest failed: {result.error} {result.failed}"
    return data_dir


@pytest.fixture(scope="session")
def corpus_data_dir(tmp_path_factory: pytest.TempPathFactory, onnx_embedder: OnnxEmbedder) -> Path:
    """Seed + the scraped corpus pages, ingested once. Read-only: copy before changing."""
    if not CORPUS_PAGES.is_dir() or not any(CORPUS_PAGES.glob("*.md")):
        pytest.skip(f"the corpus is absent: no Markdown pages in {CORPUS_PAGES}")
    data_dir = make_data_dir(tmp_path_factory.mktemp("corpus-data"))
    result = ingest(data_dir, [data_dir / "docs", CORPUS_PAGES], onnx_embedder, replace=True)
    assert result.ok and result.build_id, f"corpus ingest failed: {result.error} {result.failed}"
    return data_dir


def _engine(data_dir: Path, embedder: OnnxEmbedder):  # type: ignore[no-untyped-def]
    from hakb.service.engine import Engine
    from hakb.service.index import BuildHolder

    holder = BuildHolder(data_dir / "index")
    assert holder.refresh(), holder.problem
    return Engine(holder, embedder)


@pytest.fixture(scope="session")
def seed_engine(seed_data_dir: Path, onnx_embedder: OnnxEmbedder):  # type: ignore[no-untyped-def]
    return _engine(seed_data_dir, onnx_embedder)


@pytest.fixture(scope="session")
def corpus_engine(corpus_data_dir: Path, onnx_embedder: OnnxEmbedder):  # type: ignore[no-untyped-def]
    return _engine(corpus_data_dir, onnx_embedder)


# -- the CLI -----------------------------------------------------------------


def hakb_command() -> str:
    """The installed console script (what a user runs), from this interpreter's venv."""
    return shutil.which("hakb", path=str(BIN)) or shutil.which("hakb") or "hakb"


def run_hakb(
    *args: str,
    data_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 300.0,
) -> subprocess.CompletedProcess[str]:
    extra = dict(env or {})
    if data_dir is not None:
        extra["HAKB_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [hakb_command(), *args],
        env=clean_env(extra),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        # Never the repo: a relative default (data/) must not land in the working tree.
        cwd=_existing_parent(data_dir) if data_dir is not None else tempfile.gettempdir(),
    )


def _existing_parent(path: Path) -> Path:
    while not path.is_dir():
        path = path.parent
    return path


# -- servers -----------------------------------------------------------------


@dataclass
class ServerProcess:
    """`uvicorn --factory service.api.app:create_app` in a subprocess on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(
        cls,
        data_dir: Path,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        *,
        wait_ready: bool = True,
        timeout_s: float = SERVER_START_TIMEOUT_S,
    ) -> ServerProcess:
        port = free_port()
        extra = {"HAKB_DATA_DIR": str(data_dir), "HAKB_WATCH_INTERVAL": "0.2", **(env or {})}
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable, "-m", "uvicorn", "--factory", "hakb.service.api.app:create_app",
                    "--host", "127.0.0.1", "--port", str(port), "--log-level", "info",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=clean_env(extra),
                cwd=REPO,
            )
        server = cls(process, port, log_path)
        try:
            server.wait(ready=wait_ready, timeout_s=timeout_s)
        except BaseException:
            server.stop()
            raise
        return server

    def wait(self, *, ready: bool = True, timeout_s: float = SERVER_START_TIMEOUT_S) -> None:
        """Until /readyz says 200 (or, with ready=False, until the server answers at all)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log()}")
            try:
                status = httpx.get(f"{self.url}/readyz", timeout=2.0).status_code
                if status == 200 or not ready:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not {'ready' if ready else 'up'} after {timeout_s} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(corpus_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of one real server over the corpus build, shared by the session."""
    log_path = tmp_path_factory.mktemp("live-server") / "server.log"
    server = ServerProcess.start(corpus_data_dir, log_path)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    """Start extra servers in a test (own data dir, env); all are stopped afterwards."""
    started: list[ServerProcess] = []

    def start(data_dir: Path, env: Mapping[str, str] | None = None, *, wait_ready: bool = True) -> ServerProcess:
        server = ServerProcess.start(
            data_dir, tmp_path / f"server-{len(started)}.log", env, wait_ready=wait_ready
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
