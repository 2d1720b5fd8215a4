"""Each Slack user's default scope (`/hakb scope vm-series aws 11.1`), in SQLite.

A default outlives threads and restarts (unlike the thread memory, which is a cache), so
it is kept in a small SQLite file in the data directory, one row per (team, user): the
values as the user wrote them (`ScopeChoice`), read against the build that answers each
question, so a new build with new products needs no migration. Bounded: at most
`max_rows` users, the least recently set dropped first.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from hakb.service.scope_choice import ScopeChoice

DEFAULT_MAX_ROWS = 50_000
FILE_NAME = "slack-scopes.sqlite3"


class UserScopes:
    """The file is created on first use (the app is built before its data dir may exist)."""

    def __init__(self, path: Path, *, max_rows: int = DEFAULT_MAX_ROWS) -> None:
        self.path = path
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        if not self._ready:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                """CREATE TABLE IF NOT EXISTS user_scope (
                    team TEXT NOT NULL,
                    user TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (team, user)
                )"""
            )
            db.execute("CREATE INDEX IF NOT EXISTS user_scope_updated ON user_scope (updated_at)")
            self._ready = True
        return db

    def get(self, team: str, user: str) -> ScopeChoice | None:
        with self._connect() as db:
            row = db.execute("SELECT scope FROM user_scope WHERE team = ? AND user = ?", (team, user)).fetchone()
        if row is None:
            return None
        try:
            stored = json.loads(row[0])
            return ScopeChoice(**{k: str(v) for k, v in stored.items() if k in ScopeChoice.__dataclass_fields__})
        except (ValueError, TypeError, AttributeError):
            return None  # a row this code cannot read is no default

    def set(self, team: str, user: str, choice: ScopeChoice) -> None:
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT INTO user_scope (team, user, scope, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (team, user) DO UPDATE SET scope = excluded.scope, updated_at = excluded.updated_at",
                (team, user, json.dumps(choice.as_dict()), now),
            )
            db.execute(
                "DELETE FROM user_scope WHERE rowid IN"
                " (SELECT rowid FROM user_scope ORDER BY updated_at DESC LIMIT -1 OFFSET ?)",
                (self.max_rows,),
            )

    def clear(self, team: str, user: str) -> bool:
        """True when there was a default to clear."""
        with self._lock, self._connect() as db:
            return db.execute("DELETE FROM user_scope WHERE team = ? AND user = ?", (team, user)).rowcount > 0
