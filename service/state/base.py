"""What every worker and replica must agree on, behind one small interface.

Slack delivers a message several times and to whichever worker it reaches; a rate
limit means nothing if each process counts alone; a thread's first question and a
user's default scope must be found by the worker that gets the next message. So
this state lives outside the process: in SQLite in the data directory (every worker
of one host) or in Redis (several hosts). Both backends pass the same contract tests
(tests/state/test_contract.py).

Keys are plain strings named by their user ("slack:event:Ev1", "rate:10.0.0.1");
values are strings (JSON when structured). Four operations cover every user:

- `add(keys, ttl_s)`: claim several keys at once, all or none (Slack's claims);
- `get` / `set` / `delete`: a value, expiring or not (thread memory, user scopes);
- `take(key, capacity, per_s)`: one token from a token bucket (the rate limit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from hakb.errors import Unavailable


class StateUnavailable(Unavailable):
    """The shared state cannot be read or written (Redis down, the SQLite file locked for too long)."""


class SharedState(Protocol):
    #: "sqlite" or "redis", for /readyz and the logs.
    backend: str

    def add(self, keys: Sequence[str], ttl_s: float, value: str = "1") -> bool:
        """Set every key (expiring after `ttl_s`) if none of them is present; atomically,
        across every process that shares the store. True when this caller set them."""
        ...

    def get(self, key: str) -> str | None:
        """The value, or None when absent or expired."""
        ...

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        """Store `value` under `key`, replacing any; `ttl_s` None keeps it until deleted."""
        ...

    def delete(self, *keys: str) -> int:
        """Remove the keys; how many were there."""
        ...

    def take(self, key: str, capacity: float, per_s: float) -> float:
        """Spend one token of the bucket `key` (`capacity` tokens, refilled at `per_s` a
        second, full when new): 0 when there was one, else the seconds until there is."""
        ...

    def check(self) -> None:
        """Raise StateUnavailable when the store cannot be reached."""
        ...

    def close(self) -> None: ...
