"""Vote stores: the SQLite file (one host) and Redis (several) keep the same contract:
bounded texts, a replay stored once, newest-first pages, at most `max_rows`; two
processes (two store objects) see the same votes."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hakb.devserver import RedisServer
from hakb.service.feedback import QUESTION_MAX, FeedbackStore, NewVote, VoteStore
from hakb.service.state import open_state
from hakb.service.state.redis import RedisState
from hakb.service.state.votes import RedisFeedbackStore, open_feedback
from hakb.settings import Settings

OpenVotes = Callable[..., VoteStore]


@pytest.fixture(params=["sqlite", "redis"])
def open_votes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenVotes]:
    prefix = f"test-{uuid.uuid4().hex[:12]}:"

    def open_(max_rows: int = 100, retention_days: float = 365.0) -> VoteStore:
        if request.param == "redis":
            redis_server: RedisServer = request.getfixturevalue("redis_server")
            state = RedisState(redis_server.redis_url, prefix=prefix)
            opened.append(state)
            return RedisFeedbackStore(state, max_rows=max_rows, retention_days=retention_days)
        return FeedbackStore(tmp_path / "feedback.sqlite3", max_rows=max_rows, retention_days=retention_days)

    opened: list[RedisState] = []
    yield open_
    for state in opened:
        state.close()


def _vote(n: int, **extra: str) -> NewVote:
    return NewVote(
        vote="helpful" if n % 2 else "wrong",
        question=f"question {n}?",
        answer=f"answer {n}",
        source="api",
        **extra,  # type: ignore[arg-type]
    )


def test_a_vote_is_kept_bounded_and_read_by_another_process(open_votes: OpenVotes) -> None:
    one, two = open_votes(), open_votes()
    record = one.add(NewVote(vote="wrong", question="q" * 3000, answer="a", source="slack", user="U1", kind="fact"))
    assert record is not None and len(record.question) == QUESTION_MAX and record.question.endswith("…")
    [read] = two.page(10).votes
    assert read == record and read.kind == "fact" and read.user == "U1" and read.created_at


def test_a_replayed_vote_is_stored_once(open_votes: OpenVotes) -> None:
    one, two = open_votes(), open_votes()
    assert one.add(_vote(1), dedupe_key="slack:abc") is not None
    assert two.add(_vote(1), dedupe_key="slack:abc") is None
    assert one.add(_vote(2), dedupe_key="slack:def") is not None
    assert two.count() == 2


def test_pages_go_newest_first_and_only_max_rows_are_kept(open_votes: OpenVotes) -> None:
    store = open_votes(max_rows=4)
    ids = [r.id for r in (store.add(_vote(n)) for n in range(6)) if r is not None]
    assert ids == sorted(ids) and len(set(ids)) == 6
    first = store.page(3)
    assert [v.id for v in first.votes] == ids[:-4:-1] and first.next_before == ids[3]
    second = store.page(3, first.next_before)
    assert [v.id for v in second.votes] == [ids[2]] and second.next_before is None  # the two oldest are gone
    assert store.count() == 4


def test_sqlite_votes_older_than_the_retention_are_gone(tmp_path: Path) -> None:
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path, max_rows=100, retention_days=1.0)
    old = store.add(_vote(1))
    assert old is not None
    with sqlite3.connect(path) as db:  # stored two days ago, as if the clock had moved on
        db.execute("UPDATE feedback SET created_at = ? WHERE id = ?", (_days_ago(2), old.id))
    recent = store.add(_vote(2))  # each insert drops what is past the retention
    assert recent is not None
    assert [v.question for v in store.page(10).votes] == ["question 2?"]
    assert store.count() == 1


def test_redis_votes_expire_after_the_retention(redis_server: RedisServer) -> None:
    state = RedisState(redis_server.redis_url, prefix=f"test-{uuid.uuid4().hex[:12]}:")
    try:
        store = RedisFeedbackStore(state, max_rows=100, retention_days=1.0)
        first = store.add(_vote(1), dedupe_key="slack:first")
        assert first is not None
        day_ms = 86_400_000
        vote_key = store.prefix + f"vote:{first.id}"
        for key in (vote_key, store.prefix + "dedupe:slack:first"):
            assert day_ms - 60_000 < state.client.pttl(key) <= day_ms, key  # Redis's own clock
        state.client.delete(vote_key)  # what its expiry does; reads drop the id left behind
        assert store.add(_vote(2)) is not None
        assert [v.question for v in store.page(10).votes] == ["question 2?"]
        assert store.count() == 1
    finally:
        state.client.delete(*state.client.keys(state.prefix + "*"))
        state.close()


def test_the_app_keeps_votes_in_its_own_shared_state(tmp_path: Path, redis_server: RedisServer) -> None:
    """One Redis connection pool per process, closed with the app's shared state."""
    settings = Settings(HAKB_DATA_DIR=tmp_path, HAKB_REDIS_URL=redis_server.redis_url)
    shared = open_state(settings)
    try:
        votes = open_feedback(settings, shared)
        assert isinstance(votes, RedisFeedbackStore) and votes.state is shared
    finally:
        shared.close()
    local = open_state(Settings(HAKB_DATA_DIR=tmp_path))
    assert isinstance(open_feedback(Settings(HAKB_DATA_DIR=tmp_path), local), FeedbackStore)
    local.close()


def _days_ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
