"""Thread context: which threads the bot answered, and each thread's first question.

A follow-up such as "and on a PA-5450?" names no subject; the engine takes the
subject from `context=`, the thread's first question. That question is kept in
memory when the bot answers it. For a thread the bot never saw (started before a
restart, or by a message that did not mention it) the parent message is read
once with `conversations.replies`, and only when someone explicitly asked the bot
(a mention or a DM): Slack rate-limits that method hard, so ordinary channel
chatter never triggers it.

The questions are kept in the shared state (SQLite in the data dir, or Redis), so
the worker or replica that gets a follow-up knows the thread the other answered.
"""

from __future__ import annotations

import logging
import re

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from hakb.service.state import SharedState

log = logging.getLogger(__name__)

# Follow-ups trickle in over days; after a week a thread is forgotten (the store stays small).
DEFAULT_TTL_S = 7 * 24 * 3600.0
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def strip_mentions(text: str) -> str:
    """'<@U123> what port?' -> 'what port?' (the bot's name is not part of the question)."""
    return re.sub(r"\s+", " ", _MENTION.sub(" ", text or "")).strip()


class ThreadMemory:
    def __init__(self, state: SharedState, ttl_s: float = DEFAULT_TTL_S) -> None:
        self.state = state
        self.ttl_s = ttl_s

    @staticmethod
    def _key(channel: str, thread_ts: str) -> str:
        return f"slack:thread:{channel}:{thread_ts}"

    def remember(self, channel: str, thread_ts: str, first_question: str) -> None:
        """The bot answered in this thread; keep the first question it was asked there
        (a later one, from whichever worker, leaves it as it is)."""
        self.state.add([self._key(channel, thread_ts)], self.ttl_s, value=first_question)

    def answered(self, channel: str, thread_ts: str) -> bool:
        return self.first_question(channel, thread_ts) is not None

    def first_question(self, channel: str, thread_ts: str) -> str | None:
        return self.state.get(self._key(channel, thread_ts))

    def context_for(self, client: WebClient, channel: str, thread_ts: str, *, may_look_up: bool) -> str | None:
        """The thread's first question: from memory, else (if allowed) from Slack."""
        known = self.first_question(channel, thread_ts)
        if known is not None or not may_look_up:
            return known
        try:
            reply = client.conversations_replies(channel=channel, ts=thread_ts, limit=1, inclusive=True)
        except SlackClientError as exc:
            # No context is a worse answer, not a failure: answer the question as asked.
            log.warning("thread context unavailable for %s/%s: %s", channel, thread_ts, exc)
            return None
        messages = reply.get("messages") or []
        parent = next((m for m in messages if m.get("ts") == thread_ts), None)
        text = strip_mentions(str(parent.get("text", ""))) if parent else ""
        if not text:
            return None
        self.remember(channel, thread_ts, text)
        return text
