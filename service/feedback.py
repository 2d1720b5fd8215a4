"""Votes on answers (helpful / wrong), from the chat page and the Slack bot, in SQLite."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Vote = Literal["helpful", "wrong"]


class FeedbackIn(BaseModel):
    vote: Vote
    question: str = Field(min_length=1, max_length=4000)
    answer: str = Field(default="", max_length=20000)
    user: str | None = Field(default=None, max_length=200)
    source: str = Field(default="api", max_length=20)  # api, page, slack
    build_id: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackRecord(FeedbackIn):
    id: int
    created_at: str


class FeedbackStore:
    """One SQLite file; a connection per call keeps it safe across threads and workers."""

    def __init__(self, path: Path) -> None:
        self.path = path
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

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def add(self, item: FeedbackIn) -> FeedbackRecord:
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._connect() as db:
            cur = db.execute(
                "INSERT INTO feedback (created_at, vote, question, answer, user, source, build_id, comment)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (created, item.vote, item.question, item.answer, item.user, item.source, item.build_id, item.comment),
            )
            new_id = int(cur.lastrowid or 0)
        return FeedbackRecord(id=new_id, created_at=created, **item.model_dump())

    def list(self, limit: int = 100) -> list[FeedbackRecord]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM feedback ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [FeedbackRecord(**dict(row)) for row in rows]
