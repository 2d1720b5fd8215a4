"""Shared state in one SQLite file in the data directory: every worker of one host agrees.

SQLite's write lock is what makes a claim or a token atomic across processes: each
read-modify-write runs in a `BEGIN IMMEDIATE` transaction, so two workers handling
two deliveries of one Slack message serialize there and only one sees the keys
free. WAL mode lets reads go on meanwhile; `synchronous=NORMAL` skips the fsync per
commit (a power cut may lose the last claims, which Slack's retries cover).

Expiry is a column: reads ignore expired rows, and every SWEEP_EVERY writes one
process deletes them, so the file stays as small as the live state.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hakb.service.state.base import StateUnavailable

FILE_NAME = "state.sqlite3"
SWEEP_EVERY = 256  # writes between two deletions of expired rows (per process)
BUSY_TIMEOUT_S = 5.0  # how long a writer waits for another's lock before giving up

_SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    expires_at REAL  -- unix time; NULL: until deleted
);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS bucket (
    key TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    at REAL NOT NULL,      -- when `tokens` was counted
    full_at REAL NOT NULL  -- from then on the bucket is full: forgetting it changes nothing
);
"""


def _use_wal(db: sqlite3.Connection) -> None:
    """WAL mode, set once per file. Switching the mode takes a lock that SQLite's busy
    timeout does not wait for: connections opened at once by several threads or workers
    got "database is locked". The mode persists in the file, so a connection that finds
    it set changes nothing; one that must set it retries while another holds the lock."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SqliteState:
    """The file is created on first use (the app exists before its data dir may)."""

    backend = "sqlite"

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._clock = clock  # wall time: every process on the host reads the same clock
        self._local = threading.local()  # one connection per thread (sqlite3 objects are not shared)
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writes = 0

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            return db
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit: single statements commit alone; read-modify-writes say BEGIN IMMEDIATE.
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            _use_wal(db)
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StateUnavailable(f"the shared state file {self.path.name} cannot be opened: {exc}") from exc
        self._local.db = db
        with self._lock:
            self._connections.append(db)
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StateUnavailable(f"the shared state file {self.path.name} is busy: {exc}") from exc
        try:
            yield db
            self._sweep_now_and_then(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StateUnavailable(f"the shared state file {self.path.name} failed: {exc}") from exc

    def _sweep_now_and_then(self, db: sqlite3.Connection) -> None:
        self._writes += 1
        if self._writes % SWEEP_EVERY:
            return
        now = self._clock()
        db.execute("DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", (now,))
        db.execute("DELETE FROM bucket WHERE full_at <= ?", (now,))

    def add(self, keys: Sequence[str], ttl_s: float, value: str = "1") -> bool:
        if not keys:
            raise ValueError("add() needs at least one key")
        now = self._clock()
        marks = ",".join("?" * len(keys))
        with self._errors(), self._write() as db:
            live = db.execute(
                f"SELECT 1 FROM kv WHERE key IN ({marks}) AND (expires_at IS NULL OR expires_at > ?) LIMIT 1",
                (*keys, now),
            ).fetchone()
            if live is not None:
                return False
            db.executemany(
                "INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)",
                [(key, value, now + ttl_s) for key in keys],
            )
        return True

    def get(self, key: str) -> str | None:
        with self._errors():
            row = (
                self._db()
                .execute(
                    "SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)",
                    (key, self._clock()),
                )
                .fetchone()
            )
        return None if row is None else str(row[0])

    def set(self, key: str, value: str, ttl_s: float | None = None) -> None:
        expires = None if ttl_s is None else self._clock() + ttl_s
        with self._errors(), self._write() as db:
            db.execute("INSERT OR REPLACE INTO kv (key, value, expires_at) VALUES (?, ?, ?)", (key, value, expires))

    def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        marks = ",".join("?" * len(keys))
        with self._errors(), self._write() as db:
            # Expired rows count as absent, as they do for get().
            live = db.execute(
                f"SELECT COUNT(*) FROM kv WHERE key IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)",
                (*keys, self._clock()),
            ).fetchone()[0]
            db.execute(f"DELETE FROM kv WHERE key IN ({marks})", keys)
        return int(live)

    def take(self, key: str, capacity: float, per_s: float) -> float:
        if capacity < 1 or per_s <= 0:
            raise ValueError("a bucket needs a capacity of at least 1 and a positive refill rate")
        now = self._clock()
        with self._errors(), self._write() as db:
            row = db.execute("SELECT tokens, at FROM bucket WHERE key = ?", (key,)).fetchone()
            tokens, last = (float(row[0]), float(row[1])) if row else (capacity, now)
            tokens = min(capacity, tokens + max(0.0, now - last) * per_s)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / per_s
            db.execute(
                "INSERT OR REPLACE INTO bucket (key, tokens, at, full_at) VALUES (?, ?, ?, ?)",
                (key, tokens, now, now + (capacity - tokens) / per_s),
            )
        return wait

    def check(self) -> None:
        with self._errors():
            self._db().execute("SELECT 1").fetchone()

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()
