"""Vote stores: the SQLite file (one host) and Redis (several) keep the same contract:
bounded texts, a replay stored once, newest-first pages, at most `max_rows`; two
processes (two store objects) see the same votes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hakb.devserver import RedisServer
from hakb.service.feedback import QUESTION_MAX, FeedbackStore, NewVote, VoteStore
from hakb.service.state.redis import RedisState
from hakb.service.state.votes import RedisFeedbackStore

OpenVotes = Callable[..., VoteStore]


@pytest.fixture(params=["sqlite", "redis"])
def open_votes(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenVotes]:
    prefix = f"test-{uuid.uuid4().hex[:12]}:"

    def open_(max_rows: int = 100, retention_days: float = 365.0) -> VoteStore:
        if request.param == "redis":
            redis_server: RedisServer = request.getfixturevalue("redis_server")
            state = RedisState(redis_server.redis_url, prefix=prefix)
            return RedisFeedbackStore(state, max_rows=max_rows, retention_days=retention_days)
        return FeedbackStore(tmp_path / "feedback.sqlite3", max_rows=max_rows, retention_days=retention_days)

    yield open_


def _vote(n: int, **extra: str) -> NewVote:
    return NewVote(
        vote="helpful" if n % 2 else "wrong", question=f"question {n}?", answer=f"answer {n}", source="api", **extra
    )  # type: ignore[arg-type]


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


def test_votes_older_than_the_retention_are_gone(open_votes: OpenVotes) -> None:
    # SQLite keeps created_at to the second: wait past it.
    store = open_votes(retention_days=1.0 / 86400)
    assert store.add(_vote(1)) is not None
    time.sleep(2.1)
    assert store.add(_vote(2)) is not None  # SQLite drops the old ones on insert; Redis lets them expire
    assert [v.question for v in store.page(10).votes] == ["question 2?"]
    assert store.count() == 1
