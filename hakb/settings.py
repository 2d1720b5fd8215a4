"""The one place that reads the environment. Everything else receives a Settings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default=Path("data"), alias="HAKB_DATA_DIR")
    chroma_host: str | None = Field(default=None, alias="CHROMA_HOST")
    chroma_port: int = Field(default=8000, alias="CHROMA_PORT")
    # Comma-separated; empty means the API is open (local use).
    api_keys: str = Field(default="", alias="HAKB_API_KEYS", repr=False)  # secrets never in a repr or log
    # Comma-separated; reading feedback (GET /v1/feedback) needs one of these. Unset: nobody can.
    admin_keys: str = Field(default="", alias="HAKB_ADMIN_KEYS", repr=False)
    max_question_chars: int = Field(default=2000, alias="HAKB_MAX_QUESTION_CHARS")
    max_body_bytes: int = Field(default=64_000, alias="HAKB_MAX_BODY_BYTES")
    # A directory holding model.onnx + tokenizer.json; unset: the packaged MiniLM.
    embedder_dir: Path | None = Field(default=None, alias="HAKB_EMBEDDER_DIR")
    # Where the embedding model is kept once onnxruntime has optimised it: every process on
    # the host maps that copy's weights instead of holding its own (about 90 MB less each).
    model_cache_dir: Path = Field(default_factory=lambda: _user_cache() / "hakb", alias="HAKB_MODEL_CACHE")
    # How the dense half of passage search asks Chroma: for ids and distances ("chroma"), or
    # through llama-index's vector store, which also fetches every chunk found ("llama-index").
    # The same passages either way; `hakb bench` prints what each costs.
    dense_search: Literal["chroma", "llama-index"] = Field(default="chroma", alias="HAKB_DENSE_SEARCH")
    # Questions a worker answers at once (others wait their turn). Answering is CPU work on
    # the GIL: more threads add no answers a second, only memory (about 45 MB each at work).
    answer_threads: int = Field(default=4, ge=1, alias="HAKB_ANSWER_THREADS")
    # How often a running service checks whether a new build became current.
    watch_interval_s: float = Field(default=0.5, alias="HAKB_WATCH_INTERVAL")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET", repr=False)
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN", repr=False)
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    cors_origins: str = Field(default="", alias="HAKB_CORS_ORIGINS")
    rate_limit_per_minute: int = Field(default=0, alias="HAKB_RATE_LIMIT")  # 0: off
    # `hakb serve`: a client must send a whole request (headers and body) within this.
    request_timeout_s: float = Field(default=10.0, gt=0, alias="HAKB_REQUEST_TIMEOUT")
    # Votes kept: past either bound the oldest go first.
    feedback_max_rows: int = Field(default=10_000, ge=1, alias="HAKB_FEEDBACK_MAX_ROWS")
    feedback_retention_days: float = Field(default=365.0, gt=0, alias="HAKB_FEEDBACK_RETENTION_DAYS")
    # `hakb ingest URL`: the whole fetch (redirects and body) must finish within this.
    fetch_deadline_s: float = Field(default=30.0, gt=0, alias="HAKB_FETCH_DEADLINE")
    # `hakb ask`: ask this running service (its base URL) instead of loading the index, with
    # this key (one of the server's HAKB_API_KEYS) when it has keys.
    server: str | None = Field(default=None, alias="HAKB_SERVER")
    server_key: str | None = Field(default=None, alias="HAKB_SERVER_KEY", repr=False)
    # Shared state (Slack claims, thread memory, user scopes, rate limits) in Redis; unset:
    # SQLite in the data dir. The URL may hold a password: never in a repr or log.
    redis_url: str | None = Field(default=None, alias="HAKB_REDIS_URL", repr=False)
    # `hakb serve`'s log lines: text for people, json (one object a line) for a log pipeline.
    log_format: Literal["text", "json"] = Field(default="text", alias="HAKB_LOG_FORMAT")
    # A replica: poll this primary's GET /v1/builds/current, fetch each new build's export,
    # check it and serve it; with this key when the primary has HAKB_ADMIN_KEYS/HAKB_API_KEYS.
    primary_url: str | None = Field(default=None, alias="HAKB_PRIMARY_URL")
    primary_key: str | None = Field(default=None, alias="HAKB_PRIMARY_KEY", repr=False)
    primary_poll_s: float = Field(default=5.0, gt=0, alias="HAKB_PRIMARY_POLL")

    @field_validator("redis_url")
    @classmethod
    def redis_scheme(cls, value: str | None) -> str | None:
        """Said at start-up, in one line, not as a traceback in each worker later. The
        URL may hold a password: the message does not repeat it."""
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("api_keys", "admin_keys")
    @classmethod
    def keys_or_nothing(cls, value: str) -> str:
        """Unset or empty is a choice (open API, no feedback reader); text that holds
        no key (" , ") is a mistake that would leave the API open without a word."""
        if value and not _split(value):
            raise ValueError("the keys are blank: give comma-separated keys, or leave the variable empty")
        return value

    @property
    def docs_dir(self) -> Path:
        return self.data_dir / "docs"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def feedback_path(self) -> Path:
        return self.data_dir / "feedback.sqlite3"

    @property
    def api_key_list(self) -> list[str]:
        return _split(self.api_keys)

    @property
    def admin_key_list(self) -> list[str]:
        return _split(self.admin_keys)

    @property
    def cors_origin_list(self) -> list[str]:
        return _split(self.cors_origins)


def _user_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg)
    try:
        return Path.home() / ".cache"
    except RuntimeError:  # no HOME and no passwd entry (a container's arbitrary uid)
        return Path(tempfile.gettempdir())


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]
