"""Votes (helpful / wrong) kept where every replica reads them: Redis with HAKB_REDIS_URL,
else `feedback.sqlite3` in the data dir (service/feedback.py, shared by one host's workers).

`RedisFeedbackStore` offers what `FeedbackStore` offers (`add`, `list`, `page`, `count`)
with the same bounds: each vote expires after the retention, and past `max_rows` the
oldest go first. In Redis (keys under `hakb:feedback:`, the state's prefix and `feedback:`):

    next_id          INCR: ids grow with time, as SQLite's AUTOINCREMENT
    vote:<id>        the stored fields as JSON, expiring after the retention
    ids              a sorted set of the ids (score = id): newest-first pages, trimming
    dedupe:<key>     a replayed signed Slack vote finds its key taken

One Lua script adds a vote (dedupe, id, vote, index, trim) atomically. Votes expire
oldest first (one retention for all), so an id whose vote has expired is always at the
low end of `ids`; reads drop such ids as they meet them.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hakb.service.feedback import FeedbackPage, FeedbackRecord, FeedbackStore, NewVote, stored_fields
from hakb.service.state.base import SharedState
from hakb.settings import Settings

if TYPE_CHECKING:  # redis-py takes 0.1 s to import: only a Redis deployment pays it
    from hakb.service.state.redis import RedisState

# KEYS: next_id, ids, dedupe key ("" for none); ARGV: fields JSON, ttl ms, max rows, vote key prefix.
# The new id, or 0 when the dedupe key was taken.
_ADD = """
if KEYS[3] ~= '' then
  if not redis.call('SET', KEYS[3], '0', 'NX', 'PX', ARGV[2]) then return 0 end
end
local id = redis.call('INCR', KEYS[1])
redis.call('SET', ARGV[4] .. id, ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], id, id)
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if extra > 0 then
  local old = redis.call('ZPOPMIN', KEYS[2], extra)
  for i = 1, #old, 2 do redis.call('DEL', ARGV[4] .. old[i]) end
end
return id
"""


class RedisFeedbackStore:
    def __init__(self, state: RedisState, *, max_rows: int, retention_days: float) -> None:
        self.state = state
        self.max_rows = max_rows
        self.ttl_ms = max(1, math.ceil(retention_days * 86400 * 1000))
        self._client: Any = state.client
        self.prefix = state.prefix + "feedback:"
        self._add = self._client.register_script(_ADD)

    def add(self, item: NewVote, *, dedupe_key: str | None = None) -> FeedbackRecord | None:
        """Store a vote; None when a vote with the same `dedupe_key` is already there."""
        fields = {"created_at": datetime.now(UTC).isoformat(timespec="seconds"), **stored_fields(item)}
        keys = [
            self.prefix + "next_id",
            self.prefix + "ids",
            self.prefix + "dedupe:" + dedupe_key if dedupe_key else "",
        ]
        with self.state.errors():
            new_id = int(
                self._add(keys=keys, args=[json.dumps(fields), self.ttl_ms, self.max_rows, self.prefix + "vote:"])
            )
        return FeedbackRecord(id=new_id, **fields) if new_id else None

    def list(self, limit: int = 50, before: int | None = None) -> list[FeedbackRecord]:
        """The latest votes, newest first; with `before`, those older than that id."""
        votes: list[FeedbackRecord] = []
        top = f"({before}" if before is not None else "+inf"
        with self.state.errors():
            while len(votes) < limit:
                ids = self._client.zrevrangebyscore(self.prefix + "ids", top, "-inf", start=0, num=limit - len(votes))
                if not ids:
                    break
                found = self._client.mget([self.prefix + "vote:" + i for i in ids])
                gone = [i for i, text in zip(ids, found, strict=True) if text is None]
                if gone:  # expired: the oldest, so nothing older is left either
                    self._client.zrem(self.prefix + "ids", *gone)
                votes += [FeedbackRecord(id=int(i), **json.loads(t)) for i, t in zip(ids, found, strict=True) if t]
                if gone:
                    break
                top = f"({ids[-1]}"
        return votes

    def page(self, limit: int = 50, before: int | None = None) -> FeedbackPage:
        votes = self.list(limit + 1, before)
        more = len(votes) > limit
        votes = votes[:limit]
        return FeedbackPage(votes=votes, next_before=votes[-1].id if more and votes else None)

    def count(self) -> int:
        with self.state.errors():
            while True:  # drop the ids of expired votes first (always the oldest)
                oldest = self._client.zrange(self.prefix + "ids", 0, 99)
                if not oldest:
                    return 0
                found = self._client.mget([self.prefix + "vote:" + i for i in oldest])
                gone = [i for i, text in zip(oldest, found, strict=True) if text is None]
                if gone:
                    self._client.zrem(self.prefix + "ids", *gone)
                if len(gone) < len(oldest):
                    return int(self._client.zcard(self.prefix + "ids"))


def open_feedback(settings: Settings, shared: SharedState) -> FeedbackStore | RedisFeedbackStore:
    """The vote store the settings name: in the app's shared state when that is Redis (its
    one connection pool, closed with it), else the SQLite file `feedback.sqlite3`."""
    if settings.redis_url:  # only then can `shared` be Redis (open_state)
        from hakb.service.state.redis import RedisState

        if isinstance(shared, RedisState):
            return RedisFeedbackStore(
                shared, max_rows=settings.feedback_max_rows, retention_days=settings.feedback_retention_days
            )
    return FeedbackStore(
        settings.feedback_path, max_rows=settings.feedback_max_rows, retention_days=settings.feedback_retention_days
    )
