"""One reply per message, however often Slack delivers it.

Slack delivers the same message more than once in three ways:
- a retry (`X-Slack-Retry-Num`) when we did not acknowledge in time: same `event_id`;
- the same event id twice (at-least-once delivery): same `event_id`;
- one message as two events, `message` and `app_mention`: different `event_id`s,
  same (channel, ts).
So a reply is claimed under both keys at once, atomically; whichever delivery
claims first answers, the others are acknowledged and dropped.

The memory is per process. Several workers or replicas behind a load balancer
would each answer a retry that lands on them; that needs a shared store (a Redis
`SET NX EX` with the same two keys), not more code here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hakb.service.slack.cache import TtlCache

# Slack retries after about 0 s, 1 min and 5 min; an hour covers them with room.
DEFAULT_TTL_S = 3600.0
DEFAULT_MAX_ITEMS = 50_000


@dataclass(frozen=True)
class Claim:
    event_id: str | None
    channel: str
    ts: str


class Deduper:
    def __init__(
        self,
        ttl_s: float = DEFAULT_TTL_S,
        max_items: int = DEFAULT_MAX_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seen: TtlCache[tuple[str, ...], bool] = TtlCache(ttl_s, max_items, clock)

    def claim(self, event_id: str | None, channel: str, ts: str) -> Claim | None:
        """The right to answer this message, or None when another delivery has it."""
        keys: list[tuple[str, ...]] = [("message", channel, ts)]
        if event_id:
            keys.append(("event", event_id))
        with self._seen.lock:
            if any(key in self._seen for key in keys):
                return None
            for key in keys:
                self._seen.set(key, True)
        return Claim(event_id, channel, ts)

    def release(self, claim: Claim) -> None:
        """Give the message back, so Slack's next retry may answer it (after a failed post)."""
        with self._seen.lock:
            self._seen.pop(("message", claim.channel, claim.ts))
            if claim.event_id:
                self._seen.pop(("event", claim.event_id))
