"""Votes on answers (helpful / wrong), from the chat page, API clients and the Slack bot, in SQLite.

Bounded whoever sends them: each text is kept to a few thousand characters
(QUESTION_MAX, ANSWER_MAX; a longer comment is refused), and the table to
`max_rows` votes no older than `retention_days` (the oldest go first, on each
insert). Who voted and through what is never the caller's word: the API sets
`source` to "api" or "page" and `user` from the key that authenticated the call;
the Slack bot sets "slack" and the user id of the signed payload. A vote that
arrives twice (a replayed signed Slack request) is stored once: a `dedupe_key`
names it, unique in the table.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

Vote = Literal["helpful", "wrong"]
AnswerKind = Literal["fact", "passage", "abstain"]

QUESTION_MAX = 2000  # characters kept of the question (the longest question answered by default)
ANSWER_MAX = 2000  # characters kept of the answer shown (a Slack button carries no more)
COMMENT_MAX = 1000
BUILD_ID_MAX = 100
USER_MAX = 100
DEFAULT_MAX_ROWS = 10_000
DEFAULT_RETENTION_DAYS = 365.0


class FeedbackIn(BaseModel):
    """A vote as an API client sends it. The question and answer may be long (the page
    sends what it showed); the store keeps their first QUESTION_MAX and ANSWER_MAX
    characters."""

    model_config = ConfigDict(extra="forbid")

    vote: Vote
    question: str = Field(min_length=1, max_length=4000)
    answer: str = Field(default="", max_length=20000)
    source: Literal["api", "page"] = Field(default="api", description="api, or page (the chat page)")
    build_id: str | None = Field(default=None, max_length=BUILD_ID_MAX)
    comment: str | None = Field(default=None, max_length=COMMENT_MAX)
    context: str | None = Field(
        default=None, max_length=4000, description="the earlier question of the conversation (/v1/ask's context)"
    )
    kind: AnswerKind | None = Field(default=None, description="the kind of the answer voted on")

    @model_validator(mode="before")
    @classmethod
    def not_who(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "user" in data:
                raise ValueError("user is set by the server from the API key that sent the vote; leave it out")
            if data.get("source") == "slack":
                raise ValueError("source 'slack' is set by the Slack bot only; send 'api' or 'page'")
        return data


@dataclass(frozen=True)
class NewVote:
    """What the store is given: a vote and who sent it, as the channel established it."""

    vote: Vote
    question: str
    answer: str
    source: str  # api, page, slack
    user: str | None = None
    build_id: str | None = None
    comment: str | None = None
    context: str | None = None  # the thread's earlier question, for a follow-up
    kind: AnswerKind | None = None


class FeedbackRecord(BaseModel):
    id: int
    created_at: str
    vote: Vote
    question: str
    answer: str
    user: str | None
    source: str
    build_id: str | None
    comment: str | None
    context: str | None = None
    kind: AnswerKind | None = None


class FeedbackPage(BaseModel):
    votes: list[FeedbackRecord]
    next_before: int | None = Field(
        default=None, description="Pass as ?before= for the next (older) page; null on the last page"
    )


def _clip(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


class VoteStore(Protocol):
    """What the API and the Slack bot need of a vote store: this file's FeedbackStore (one
    host), or service/state/votes.py's RedisFeedbackStore (several)."""

    def add(self, item: NewVote, *, dedupe_key: str | None = None) -> FeedbackRecord | None: ...

    def page(self, limit: int = 50, before: int | None = None) -> FeedbackPage: ...

    def count(self) -> int: ...


def stored_fields(item: NewVote) -> dict[str, Any]:
    """A vote's fields as every store keeps them: texts cut to their bounds."""
    return {
        "vote": item.vote,
        "question": _clip(item.question, QUESTION_MAX) or "",
        "answer": _clip(item.answer, ANSWER_MAX) or "",
        "user": _clip(item.user, USER_MAX),
        "source": item.source,
        "build_id": _clip(item.build_id, BUILD_ID_MAX),
        "comment": _clip(item.comment, COMMENT_MAX),
        "context": _clip(item.context, QUESTION_MAX),
        "kind": item.kind,
    }


class FeedbackStore:
    """One SQLite file; a connection per call keeps it safe across threads and workers."""

    def __init__(
        self, path: Path, *, max_rows: int = DEFAULT_MAX_ROWS, retention_days: float = DEFAULT_RETENTION_DAYS
    ) -> None:
        self.path = path
        self.max_rows = max_rows
        self.retention = timedelta(days=retention_days)
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(
                """CREATE TABLE IF NOT EXISTS feedback (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_at TEXT NOT NULL,
                    vote TEXT NOT NULL CHECK (vote IN ('helpful', 'wrong')),
                    question TEXT NOT NULL,
                    answer TEXT NOT NULL,
                    user TEXT,
                    source TEXT NOT NULL,
                    build_id TEXT,
                    comment TEXT
                )"""
            )
            columns = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
            if "dedupe_key" not in columns:  # a file made before votes were deduplicated
                db.execute("ALTER TABLE feedback ADD COLUMN dedupe_key TEXT")
            for column in ("context", "kind"):  # added with the chat page's follow-up votes
                if column not in columns:
                    db.execute(f"ALTER TABLE feedback ADD COLUMN {column} TEXT")
            db.execute("CREATE UNIQUE INDEX IF NOT EXISTS feedback_dedupe ON feedback (dedupe_key)")
            db.execute("CREATE INDEX IF NOT EXISTS feedback_created ON feedback (created_at)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, item: NewVote, *, dedupe_key: str | None = None) -> FeedbackRecord | None:
        """Store a vote; None when a vote with the same `dedupe_key` is already there."""
        now = datetime.now(UTC)
        created = now.isoformat(timespec="seconds")
        row = stored_fields(item)
        with self._lock, self._connect() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO feedback"
                " (created_at, vote, question, answer, user, source, build_id, comment, context, kind, dedupe_key)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (created, *row.values(), dedupe_key),
            )
            if cur.rowcount == 0:
                return None
            new_id = int(cur.lastrowid or 0)
            self._trim(db, now)
        return FeedbackRecord(id=new_id, created_at=created, **row)

    def _trim(self, db: sqlite3.Connection, now: datetime) -> None:
        oldest_kept = (now - self.retention).isoformat(timespec="seconds")
        db.execute("DELETE FROM feedback WHERE created_at < ?", (oldest_kept,))
        db.execute(
            "DELETE FROM feedback WHERE id <= (SELECT id FROM feedback ORDER BY id DESC LIMIT 1 OFFSET ?)",
            (self.max_rows,),
        )

    def list(self, limit: int = 50, before: int | None = None) -> list[FeedbackRecord]:
        """The latest votes, newest first; with `before`, those older than that id."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute(
                "SELECT id, created_at, vote, question, answer, user, source, build_id, comment, context, kind"
                " FROM feedback"
                " WHERE id < ? ORDER BY id DESC LIMIT ?",
                (before if before is not None else 2**63 - 1, limit),
            ).fetchall()
        return [FeedbackRecord(**dict(row)) for row in rows]

    def page(self, limit: int = 50, before: int | None = None) -> FeedbackPage:
        votes = self.list(limit + 1, before)
        more = len(votes) > limit
        votes = votes[:limit]
        return FeedbackPage(votes=votes, next_before=votes[-1].id if more and votes else None)

    def count(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
