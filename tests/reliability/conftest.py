"""Fixtures for the reliability tests: real `hakb serve` processes (workers, verbose logs).

The seed build (`seed_data_dir`), `clean_env`, `copy_data_dir` and `ingest` come from
tests/conftest.py, the servers from hakb.devserver; a test that changes a data dir
works on a copy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from hakb.devserver import HakbServer
from hakb.devserver import start_hakb_serve as serve

Server = HakbServer
StartServe = Callable[..., HakbServer]


@pytest.fixture(scope="session")
def start_hakb_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartServe]:
    """A factory: `start_hakb_serve(data_dir, workers=1, verbose=False, **env) -> Server`,
    ready (every worker started); all are stopped at the end of the session. The build
    watcher keeps its default interval: the switch-time limits are the product's."""
    with ExitStack() as stack:

        def start(data_dir: Path, workers: int = 1, verbose: bool = False, **env: str) -> HakbServer:
            log_path = tmp_path_factory.mktemp("server-log") / "serve.log"
            return stack.enter_context(serve(data_dir, log_path, env=env, workers=workers, verbose=verbose))

        yield start
