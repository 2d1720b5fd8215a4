"""A small bounded, expiring, thread-safe key store.

Slack redelivers events for minutes and threads stay alive for days; a plain dict
would grow for ever in a long-running service. Entries here expire after `ttl_s`
and the oldest are dropped beyond `max_items`, so memory stays bounded whatever
the traffic.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    def __init__(self, ttl_s: float, max_items: int, clock: Callable[[], float] = time.monotonic) -> None:
        if ttl_s <= 0 or max_items <= 0:
            raise ValueError("ttl_s and max_items must be positive")
        self.ttl_s = ttl_s
        self.max_items = max_items
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        # Listeners run on a thread pool: check-and-set must be atomic.
        self.lock = threading.RLock()

    def __len__(self) -> int:
        with self.lock:
            self._expire()
            return len(self._items)

    def __contains__(self, key: K) -> bool:
        return self.get(key) is not None

    def get(self, key: K) -> V | None:
        with self.lock:
            self._expire()
            item = self._items.get(key)
            return item[1] if item else None

    def set(self, key: K, value: V) -> None:
        with self.lock:
            self._items.pop(key, None)
            self._items[key] = (self._clock() + self.ttl_s, value)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def add(self, key: K, value: V) -> bool:
        """Store `value` unless `key` is present; True when it was stored."""
        with self.lock:
            if self.get(key) is not None:
                return False
            self.set(key, value)
            return True

    def pop(self, key: K) -> V | None:
        with self.lock:
            item = self._items.pop(key, None)
            return item[1] if item else None

    def _expire(self) -> None:
        # Insertion order is expiry order (every entry gets the same ttl), so
        # expired entries are always at the front.
        now = self._clock()
        while self._items:
            key, (expires, _) = next(iter(self._items.items()))
            if expires > now:
                break
            del self._items[key]
