"""Shared state for every worker and replica: SQLite in the data directory by default,
Redis when HAKB_REDIS_URL is set. See base.py for the interface and why it exists."""

from __future__ import annotations

from hakb.service.state.base import SharedState, StateUnavailable
from hakb.settings import Settings

__all__ = ["SharedState", "StateUnavailable", "open_state"]


def open_state(settings: Settings) -> SharedState:
    """The store the settings name. Nothing connects yet: the first operation does."""
    if settings.redis_url:
        from hakb.service.state.redis import RedisState

        return RedisState(settings.redis_url)
    from hakb.service.state.sqlite import FILE_NAME, SqliteState

    return SqliteState(settings.data_dir / FILE_NAME)
