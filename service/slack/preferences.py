"""Each Slack user's default scope (`/hakb scope vm-series aws 11.1`), in the shared state.

A default outlives threads and restarts (unlike the thread memory, which expires), so
it is stored without expiry, one key per (team, user), in the shared state (SQLite in
the data dir, or Redis), where every worker and replica reads the same one. The values
are kept as the user wrote them (`ScopeChoice`) and read against the build that
answers each question, so a new build with new products needs no migration.

Defaults set before the shared state existed sit in `slack-scopes.sqlite3`; a user's
old default is read from there once, when the shared state has none, and copied over.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from hakb.service.scope_choice import ScopeChoice
from hakb.service.state import SharedState

LEGACY_FILE_NAME = "slack-scopes.sqlite3"
_CLEARED = "{}"  # a default cleared here, so the legacy file's copy is not read again


class UserScopes:
    def __init__(self, state: SharedState, *, legacy_path: Path | None = None) -> None:
        self.state = state
        self.legacy_path = legacy_path

    @staticmethod
    def _key(team: str, user: str) -> str:
        return f"slack:scope:{team}:{user}"

    def get(self, team: str, user: str) -> ScopeChoice | None:
        stored = self.state.get(self._key(team, user))
        if stored is None:
            stored = self._legacy(team, user)
            if stored is None:
                return None
            self.state.set(self._key(team, user), stored)
        try:
            values = json.loads(stored)
            choice = ScopeChoice(**{k: str(v) for k, v in values.items() if k in ScopeChoice.__dataclass_fields__})
        except (ValueError, TypeError, AttributeError):
            return None  # a value this code cannot read is no default
        return None if choice.empty else choice

    def set(self, team: str, user: str, choice: ScopeChoice) -> None:
        self.state.set(self._key(team, user), json.dumps(choice.as_dict()))

    def clear(self, team: str, user: str) -> bool:
        """True when there was a default to clear."""
        had = self.get(team, user) is not None
        self.state.set(self._key(team, user), _CLEARED)
        return had

    def _legacy(self, team: str, user: str) -> str | None:
        if self.legacy_path is None or not self.legacy_path.is_file():
            return None
        try:
            with sqlite3.connect(f"file:{self.legacy_path}?mode=ro", uri=True, timeout=5) as db:
                row = db.execute("SELECT scope FROM user_scope WHERE team = ? AND user = ?", (team, user)).fetchone()
        except sqlite3.Error:
            return None  # an unreadable old file holds no default
        return None if row is None else str(row[0])
