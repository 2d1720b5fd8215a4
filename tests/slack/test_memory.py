"""The bot's memory: dedupe keys and thread questions expire and stay bounded."""

from __future__ import annotations

import pytest

from hakb.service.slack.cache import TtlCache
from hakb.service.slack.dedupe import Deduper
from hakb.service.slack.threads import ThreadMemory, strip_mentions


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_their_ttl() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(ttl_s=60, max_items=10, clock=clock)
    cache.set("a", 1)
    clock.now += 59
    assert cache.get("a") == 1
    clock.now += 2
    assert cache.get("a") is None
    assert len(cache) == 0


def test_the_oldest_entries_go_beyond_the_bound() -> None:
    cache: TtlCache[int, int] = TtlCache(ttl_s=60, max_items=3)
    for i in range(5):
        cache.set(i, i)
    assert len(cache) == 3
    assert [cache.get(i) for i in range(5)] == [None, None, 2, 3, 4]


def test_a_bad_bound_is_refused() -> None:
    with pytest.raises(ValueError):
        TtlCache(ttl_s=0, max_items=1)


def test_a_message_is_claimed_once_by_event_id_or_by_channel_and_ts() -> None:
    deduper = Deduper()
    assert deduper.claim("Ev1", "C1", "1.1") is not None
    assert deduper.claim("Ev1", "C1", "1.1") is None  # a retry
    assert deduper.claim("Ev2", "C1", "1.1") is None  # the same message as another event
    assert deduper.claim("Ev1", "C9", "9.9") is None  # the same event id
    assert deduper.claim("Ev3", "C1", "1.2") is not None


def test_a_released_claim_can_be_claimed_by_the_retry() -> None:
    deduper = Deduper()
    claim = deduper.claim("Ev1", "C1", "1.1")
    assert claim is not None
    deduper.release(claim)
    assert deduper.claim("Ev1", "C1", "1.1") is not None


def test_claims_expire_so_memory_does_not_grow_for_ever() -> None:
    clock = Clock()
    deduper = Deduper(ttl_s=3600, clock=clock)
    assert deduper.claim("Ev1", "C1", "1.1")
    clock.now += 3601
    assert deduper.claim("Ev1", "C1", "1.1")


def test_a_thread_keeps_its_first_question() -> None:
    memory = ThreadMemory()
    memory.remember("C1", "1.1", "what port does ha1 use?")
    memory.remember("C1", "1.1", "and ha2?")
    assert memory.first_question("C1", "1.1") == "what port does ha1 use?"
    assert memory.answered("C1", "1.1") and not memory.answered("C1", "2.2")


def test_mentions_are_not_part_of_the_question() -> None:
    assert strip_mentions("<@U0BOT> what port  does <@W123|bob> ha1 use?") == "what port does ha1 use?"
    assert strip_mentions("<@U0BOT>") == ""
