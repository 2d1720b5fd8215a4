"""One reply per message, however often Slack delivers it.

Slack delivers the same message more than once in three ways:
- a retry (`X-Slack-Retry-Num`) when we did not acknowledge in time: same `event_id`;
- the same event id twice (at-least-once delivery): same `event_id`;
- one message as two events, `message` and `app_mention`: different `event_id`s,
  same (channel, ts).
So a reply is claimed under both keys at once, atomically; whichever delivery
claims first answers, the others are acknowledged and dropped.

The claims live in the shared state (SQLite in the data dir, or Redis), whose
`add` sets both keys only if neither is there, atomically across every worker and
replica: a retry that lands on another worker, or another host, finds them taken.
"""

from __future__ import annotations

from dataclasses import dataclass

from hakb.service.state import SharedState

# Slack retries after about 0 s, 1 min and 5 min; an hour covers them with room.
DEFAULT_TTL_S = 3600.0


@dataclass(frozen=True)
class Claim:
    event_id: str | None
    channel: str
    ts: str

    @property
    def keys(self) -> list[str]:
        keys = [f"slack:message:{self.channel}:{self.ts}"]
        if self.event_id:
            keys.append(f"slack:event:{self.event_id}")
        return keys


class Deduper:
    def __init__(self, state: SharedState, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.state = state
        self.ttl_s = ttl_s

    def claim(self, event_id: str | None, channel: str, ts: str) -> Claim | None:
        """The right to answer this message, or None when another delivery has it.
        Raises StateUnavailable when the store is down: the request fails, Slack retries."""
        claim = Claim(event_id, channel, ts)
        return claim if self.state.add(claim.keys, self.ttl_s) else None

    def release(self, claim: Claim) -> None:
        """Give the message back, so Slack's next retry may answer it (after a failed post)."""
        self.state.delete(*claim.keys)
