"""The shared state's contract, run against both backends (SQLite file, real redis-server).

"Another process" is a second store object: its own SQLite connection or Redis
connection pool, as a second worker or replica would have.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hakb.devserver import free_port
from hakb.service.scope_choice import ScopeChoice
from hakb.service.slack.dedupe import Deduper
from hakb.service.slack.preferences import UserScopes
from hakb.service.slack.threads import ThreadMemory
from hakb.service.state import StateUnavailable, open_state
from hakb.service.state.redis import RedisState
from hakb.service.state.sqlite import FILE_NAME, SqliteState
from hakb.settings import Settings
from tests.state.conftest import OpenStore


def test_a_claim_takes_every_key_or_none(open_store: OpenStore) -> None:
    store, other = open_store(), open_store()
    assert store.add(["event:Ev1", "message:C1:1.1"], ttl_s=60)
    assert not other.add(["event:Ev2", "message:C1:1.1"], ttl_s=60)  # the same message, another event
    assert other.get("event:Ev2") is None  # a refused claim leaves nothing behind
    assert other.add(["event:Ev2", "message:C1:1.2"], ttl_s=60)
    assert other.delete("event:Ev1", "message:C1:1.1") == 2  # released: a retry may claim it
    assert store.add(["event:Ev1", "message:C1:1.1"], ttl_s=60)


class ManualClock:
    """SQLite's clock, moved by the test: expiry without sleeping."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_claims_and_values_expire_in_sqlite(tmp_path: Path) -> None:
    clock = ManualClock()
    store, other = (SqliteState(tmp_path / FILE_NAME, clock=clock) for _ in range(2))
    try:
        assert store.add(["short"], ttl_s=60)
        store.set("value", "v", ttl_s=60)
        store.set("kept", "k")
        clock.now += 59.9
        assert not other.add(["short"], ttl_s=60)
        assert other.get("value") == "v"
        clock.now += 0.2
        assert other.get("value") is None
        assert other.delete("value") == 0  # expired counts as absent
        assert other.add(["short"], ttl_s=60)
        clock.now += 365 * 86400.0
        assert other.get("kept") == "k"
    finally:
        store.close()
        other.close()


def test_claims_and_values_expire_in_redis(redis_server) -> None:  # type: ignore[no-untyped-def]
    # Redis keeps the time: its own PTTL shows what expires when, without sleeping.
    store = RedisState(redis_server.redis_url, prefix=f"test-{uuid.uuid4().hex[:12]}:")
    try:
        assert store.add(["short", "pair"], ttl_s=60)
        store.set("value", "v", ttl_s=30)
        store.set("kept", "k")
        assert not store.add(["short"], ttl_s=60)
        for key, ttl_ms in (("short", 60_000), ("pair", 60_000), ("value", 30_000)):
            assert ttl_ms - 5_000 < store.client.pttl(store.prefix + key) <= ttl_ms, key
        assert store.client.pttl(store.prefix + "kept") == -1  # no expiry
        store.client.delete(store.prefix + "short")  # as its expiry would
        assert store.add(["short"], ttl_s=60)
        assert store.get("value") == "v" and store.get("kept") == "k"
    finally:
        store.client.delete(*(store.prefix + k for k in ("short", "pair", "value", "kept")))
        store.close()


def test_values_are_shared_replaced_and_deleted(open_store: OpenStore) -> None:
    store, other = open_store(), open_store()
    store.set("slack:scope:T1:U1", '{"product": "vm-series"}')
    assert other.get("slack:scope:T1:U1") == '{"product": "vm-series"}'
    other.set("slack:scope:T1:U1", "Ünïcode ✓ and 'quotes'")
    assert store.get("slack:scope:T1:U1") == "Ünïcode ✓ and 'quotes'"
    assert store.add(["first"], ttl_s=60, value="what port does ha1 use?")
    assert other.get("first") == "what port does ha1 use?"
    assert store.delete("slack:scope:T1:U1", "missing") == 1
    assert other.get("slack:scope:T1:U1") is None


def test_a_token_bucket_is_one_budget_for_every_process(open_store: OpenStore) -> None:
    store, other = open_store(), open_store()
    per_s = 3 / 60  # 3 a minute: one back every 20 s
    waits = [s.take("rate:10.0.0.1", 3, per_s) for s in (store, other, store)]
    assert waits == [0.0, 0.0, 0.0]
    wait = other.take("rate:10.0.0.1", 3, per_s)
    assert 0 < wait <= 20
    assert store.take("rate:10.0.0.2", 3, per_s) == 0.0  # another client has its own


def test_racing_claims_are_won_exactly_once(open_store: OpenStore) -> None:
    stores = [open_store() for _ in range(6)]

    def claim_all(store_index: int) -> list[str]:
        store = stores[store_index]
        return [key for key in (f"event:Ev{i}" for i in range(40)) if store.add([key], ttl_s=60)]

    with ThreadPoolExecutor(len(stores)) as pool:
        won = [key for keys in pool.map(claim_all, range(len(stores))) for key in keys]
    assert sorted(won) == sorted(f"event:Ev{i}" for i in range(40))


def test_racing_takes_spend_the_bucket_exactly(open_store: OpenStore) -> None:
    stores = [open_store() for _ in range(4)]
    per_s = 10 / 3600  # 10 an hour: nothing refills during the test

    def takes(store_index: int) -> int:
        return sum(stores[store_index].take("rate:racer", 10, per_s) == 0 for _ in range(8))

    with ThreadPoolExecutor(len(stores)) as pool:
        assert sum(pool.map(takes, range(len(stores)))) == 10


def test_the_slack_pieces_agree_across_processes(open_store: OpenStore) -> None:
    one, two = open_store(), open_store()
    claim = Deduper(one).claim("Ev1", "C1", "1.1")
    assert claim is not None
    assert Deduper(two).claim("Ev1", "C9", "9.9") is None  # the same event id
    assert Deduper(two).claim("Ev2", "C1", "1.1") is None  # the same message as another event
    Deduper(one).release(claim)
    assert Deduper(two).claim("Ev1", "C1", "1.1") is not None  # Slack's retry after a failed post

    ThreadMemory(one).remember("C1", "1.1", "what port does ha1 use?")
    ThreadMemory(two).remember("C1", "1.1", "and ha2?")
    assert ThreadMemory(two).first_question("C1", "1.1") == "what port does ha1 use?"
    assert ThreadMemory(two).answered("C1", "1.1") and not ThreadMemory(two).answered("C1", "2.2")

    UserScopes(one).set("T1", "U1", ScopeChoice(product="vm-series", version="11.1"))
    assert UserScopes(two).get("T1", "U1") == ScopeChoice(product="vm-series", version="11.1")
    assert UserScopes(two).clear("T1", "U1")
    assert UserScopes(one).get("T1", "U1") is None and not UserScopes(one).clear("T1", "U1")


def test_settings_choose_the_backend(tmp_path: Path, redis_server) -> None:  # type: ignore[no-untyped-def]
    local = open_state(Settings(HAKB_DATA_DIR=tmp_path))
    assert local.backend == "sqlite"
    local.set("k", "v")
    assert (tmp_path / FILE_NAME).is_file()  # in the data dir: every worker of the host shares it
    shared = open_state(Settings(HAKB_DATA_DIR=tmp_path, HAKB_REDIS_URL=redis_server.redis_url))
    assert shared.backend == "redis"
    shared.check()
    assert "redis" not in repr(Settings(HAKB_REDIS_URL="redis://:secret@h:1/0")).lower()  # may hold a password


def test_a_redis_that_is_down_is_a_clear_error_without_the_password() -> None:
    store = RedisState(f"redis://:hunter2@127.0.0.1:{free_port()}/0")
    for call in (store.check, lambda: store.add(["k"], 60), lambda: store.get("k")):
        with pytest.raises(StateUnavailable) as caught:
            call()
        assert "Redis at 127.0.0.1" in str(caught.value) and "hunter2" not in str(caught.value)


def test_old_default_scopes_are_read_from_the_file_they_were_kept_in(tmp_path: Path) -> None:
    import sqlite3

    legacy = tmp_path / "slack-scopes.sqlite3"
    with sqlite3.connect(legacy) as db:
        db.execute("CREATE TABLE user_scope (team TEXT, user TEXT, scope TEXT, updated_at TEXT)")
        db.execute("INSERT INTO user_scope VALUES ('T1', 'U1', '{\"deployment\": \"aws\"}', '2026-11-30')")
    scopes = UserScopes(SqliteState(tmp_path / FILE_NAME), legacy_path=legacy)
    assert scopes.get("T1", "U1") == ScopeChoice(deployment="aws")
    assert scopes.clear("T1", "U1")
    assert scopes.get("T1", "U1") is None  # cleared stays cleared: the old file is not read again
