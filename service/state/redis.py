"""Shared state in Redis (HAKB_REDIS_URL): every worker of every replica agrees.

Each operation is one round trip. The two that read and then write (a claim of
several keys, a token bucket) are Lua scripts, which Redis runs atomically; the
bucket reads Redis's own clock (`TIME`), so replicas whose clocks drift still share
one refill. Keys get a `hakb:` prefix, so one Redis can serve other things too.
One Redis, not a cluster: a claim's keys must live on one node.

Redis errors never leave this module: they become StateUnavailable, whose message
names the host but never the URL (it may hold a password).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import redis
from redis.exceptions import RedisError

from hakb.service.state.base import StateUnavailable

PREFIX = "hakb:"
TIMEOUT_S = 2.0  # per command: a Redis that stops answering must not hold a request for long

# KEYS: the keys to claim; ARGV: value, ttl in ms. 1 when claimed, 0 when one was taken.
_ADD = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then return 0 end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return 1
"""

# KEYS[1]: the bucket; ARGV: capacity, refill per second. The wait in seconds, as text
# (Redis would cut a Lua number to an integer). The key expires once the bucket is full.
_TAKE = """
local capacity = tonumber(ARGV[1])
local per_s = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local last = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - last) * per_s)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / per_s end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / per_s * 1000) + 1000)
return tostring(wait)
"""


class RedisState:
    backend = "redis"

    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        parts = urlsplit(url)
        self.where = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"  # for messages: no password
        self.prefix = prefix
        # No connection yet: the pool connects on the first command.
        self.client: Any = redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=TIMEOUT_S,
            socket_connect_timeout=TIMEOUT_S,
            health_check_interval=30,
        )
        self._add = self.client.register_script(_ADD)
        self._take = self.client.register_script(_TAKE)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Redis errors inside become StateUnavailable."""
        try:
            yield
        except RedisError as exc:
            raise StateUnavailable(f"the shared state (Redis at {self.where}) failed: {type(exc).__name__}") from exc

    def _k(self, key: str) -> str:
        return self.prefix + key

    def add(self, keys: Sequence[str], ttl_s: float, value: str = "1") -> bool:
        if not keys:
            raise ValueError("add() needs at least one key")
        with self.errors():
            done = self._add(keys=[self._k(k) for k in keys], args=[value, _ms(ttl_s)])
        return bool(int(done))

    def get(self, key: str) -> str | None:
        with self.errors():
            value = self.client.get(self._k(key))
        return None if value is None else str(value)

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        with self.errors():
            self.client.set(self._k(key), value, px=None if ttl_s is None else _ms(ttl_s))

    def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        with self.errors():
            return int(self.client.delete(*(self._k(k) for k in keys)))

    def take(self, key: str, capacity: float, per_s: float) -> float:
        if capacity < 1 or per_s <= 0:
            raise ValueError("a bucket needs a capacity of at least 1 and a positive refill rate")
        with self.errors():
            wait = self._take(keys=[self._k("bucket:" + key)], args=[repr(float(capacity)), repr(float(per_s))])
        return float(wait)

    def check(self) -> None:
        with self.errors():
            self.client.ping()

    def close(self) -> None:
        self.client.close()


def _ms(seconds: float) -> int:
    return max(1, math.ceil(seconds * 1000))
