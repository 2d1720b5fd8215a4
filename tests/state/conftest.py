"""A real `redis-server` for the session (the Debian package, in memory only), and
each shared-state backend opened fresh per test: SQLite in a temporary data dir,
Redis under a key prefix of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hakb.devserver import RedisServer, start_redis
from hakb.service.state.base import SharedState
from hakb.service.state.redis import RedisState
from hakb.service.state.sqlite import FILE_NAME, SqliteState

BACKENDS = ["sqlite", "redis"]
OpenStore = Callable[[], SharedState]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with start_redis(tmp_path_factory.mktemp("redis") / "redis.log") as server:
        yield server


@pytest.fixture(params=BACKENDS)
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """`open_store()` -> a new connection to this test's store (call it again for
    another process's view of the same state)."""
    opened: list[SharedState] = []
    prefix = f"test-{uuid.uuid4().hex[:12]}:"

    def open_() -> SharedState:
        store: SharedState
        if request.param == "redis":
            store = RedisState(request.getfixturevalue("redis_server").redis_url, prefix=prefix)
        else:
            store = SqliteState(tmp_path / "data" / FILE_NAME)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()
