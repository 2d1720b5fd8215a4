"""Security basics at the HTTP edge, as plain ASGI middleware.

* CORS is closed unless HAKB_CORS_ORIGINS names origins: with none, no response
  carries Access-Control-Allow-Origin, so a browser on another site cannot read
  answers or send JSON to the API.
* Per-client rate limit (HAKB_RATE_LIMIT requests per minute, 0 = off): a token
  bucket per client address; over it, 429 with Retry-After. The health probes
  and Slack (signed, and sent from Slack's shared addresses) are not counted; nor are
  the builds routes read with an admin key (a replica polling its primary, often and
  from an address users may share, must neither drain their budget nor be refused).
  Buckets live in the shared state (SQLite in the data dir, or Redis), so the
  limit holds however many workers and replicas a client's connections reach.
  If the store is down the request is let through (and logged): a broken limit
  must not take the API down with it. The call runs in a worker thread, never on
  the event loop, and after a failure the store is skipped for STATE_BACKOFF_S: a
  Redis that stops answering (rather than refusing) costs one timeout per window,
  not one per request, and never stalls the other requests of the worker.
* Security headers on every response (a route that sets its own
  Content-Security-Policy, such as the chat page and /docs, keeps it; no path is
  left without one).
* JSON text guard: a JSON body may spell an unpaired UTF-16 surrogate
  ("\\ud800"); Python decodes it into a str that cannot be encoded back to
  UTF-8, which would break the tokenizer, SQLite and the JSON response. Such a
  body gets a 422 here instead of a 500 deeper in. So does a body nested deeper
  than MAX_JSON_DEPTH (Python's parser would raise RecursionError at about 1,000
  levels); invalid UTF-8, which is no JSON at all, gets a 400 (`malformed_json`).

`install(app, settings)` adds them all in the right order.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hakb.errors import BadInput, MalformedBody, RateLimited
from hakb.service.api.deps import matching_key
from hakb.service.api.errors import send_error
from hakb.service.api.schemas import ErrorResponse
from hakb.service.state import SharedState, StateUnavailable
from hakb.settings import Settings

log = logging.getLogger(__name__)

# Paths the rate limit leaves alone: probes must answer even when a client floods.
RATE_LIMIT_EXEMPT = ("/healthz", "/readyz", "/metrics", "/slack/")
# ... and this one, with one of HAKB_ADMIN_KEYS (a replica's polls: service/replica.py).
ADMIN_EXEMPT = "/v1/builds/"
# After the shared state fails, how long the limit leaves it alone (one log line per window).
STATE_BACKOFF_S = 30.0

API_CSP = "default-src 'none'; frame-ancestors 'none'"
# For HTML without a policy of its own: only this origin's scripts, styles and calls.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
)

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# No request of ours nests past a few levels; Slack's payloads stay under ten.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(rb"[\[\]{}]")

# What the key check, the size limit and the rate limit may answer on any /v1 call,
# for the OpenAPI schema (app.py passes it to the protected routers).
API_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong API key (HAKB_API_KEYS)"},
    413: {"model": ErrorResponse, "description": "Request body over HAKB_MAX_BODY_BYTES"},
    429: {"model": ErrorResponse, "description": "Over HAKB_RATE_LIMIT requests per minute; see Retry-After"},
}


def install(app: FastAPI, settings: Settings, state: SharedState) -> None:
    """Add the middlewares; the last added runs first (outermost)."""
    app.add_middleware(JsonTextGuard, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        RateLimit, per_minute=settings.rate_limit_per_minute, state=state, admin_keys=settings.admin_key_list
    )
    origins = settings.cors_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,  # keys travel in Authorization, never in cookies
            max_age=600,
        )
    app.add_middleware(SecurityHeaders)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in BASE_HEADERS if h[0] not in present)
                if b"content-security-policy" not in present:
                    ctype = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                    csp = PAGE_CSP if ctype.startswith(b"text/html") else API_CSP
                    headers.append((b"content-security-policy", csp.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RateLimit:
    """A token bucket per client address: `per_minute` requests, refilled evenly."""

    def __init__(self, app: ASGIApp, per_minute: int, state: SharedState, admin_keys: list[str] | None = None) -> None:
        self.app = app
        self.admin_keys = admin_keys or []
        self.per_minute = per_minute
        self.rate = per_minute / 60.0  # tokens per second
        self.state = state
        self._skip_until = -math.inf  # time.monotonic() until which the shared state is not asked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.per_minute <= 0
            or scope["type"] != "http"
            or scope.get("path", "").startswith(RATE_LIMIT_EXEMPT)
            or self._admin_reads_builds(scope)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = client[0] if client else "unknown"
        wait = await self._take(key)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = max(1, math.ceil(wait))
        limited = RateLimited(
            f"too many requests: the limit is {self.per_minute} per minute (HAKB_RATE_LIMIT); retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
        await send_error(scope, send, limited)

    def _admin_reads_builds(self, scope: Scope) -> bool:
        """A builds route with an admin key (the first Authorization header, as the route reads it)."""
        if not self.admin_keys or not scope.get("path", "").startswith(ADMIN_EXEMPT):
            return False
        value = next((v for n, v in scope.get("headers") or [] if n == b"authorization"), b"")
        scheme, _, given = value.decode("latin-1").partition(" ")
        return scheme.lower() == "bearer" and matching_key(given.strip(), self.admin_keys) is not None

    async def _take(self, key: str) -> float:
        """Spend one token; 0 if there was one (or the store is down), else the seconds until
        there is. In a worker thread: a SQLite lock wait or a Redis timeout (2 s) must not
        stall every other request of this worker, which the event loop serves."""
        if time.monotonic() < self._skip_until:
            return 0.0
        try:
            return await anyio.to_thread.run_sync(self.state.take, "rate:" + key, float(self.per_minute), self.rate)
        except StateUnavailable as exc:
            if time.monotonic() >= self._skip_until:  # concurrent failures: one line, one window
                self._skip_until = time.monotonic() + STATE_BACKOFF_S
                log.warning("rate limit not applied: %s; the shared state is skipped for %g s", exc, STATE_BACKOFF_S)
            return 0.0


class JsonTextGuard:
    """422 for JSON bodies whose strings hold unpaired surrogates (see the module docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if b"json" not in headers.get(b"content-type", b"").lower():
            await self.app(scope, receive, send)
            return
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await self.app(scope, receive, send)  # the size limit answers it
            return
        # Read the body (bounded: past the size limit, stop and let the limit answer).
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if not message.get("more_body", False) or size > self.max_bytes:
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        problem = _text_problem(body) if size <= self.max_bytes else None
        if problem is not None:
            # Bytes that are no UTF-8 are no JSON at all (RFC 8259): a 400, as a syntax error is.
            kind = MalformedBody if problem.startswith(NOT_UTF8) else BadInput
            await send_error(scope, send, kind(problem))
            return

        async def replay() -> Message:
            if messages:
                return messages.pop(0)
            return await receive()

        await self.app(scope, replay, send)


NOT_UTF8 = "the request body is not valid UTF-8"


def _text_problem(body: bytes) -> str | None:
    """Why a JSON body's text is unusable, or None. Invalid UTF-8 would otherwise get
    FastAPI's bare 400, without a message."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"{NOT_UTF8} (byte 0x{body[exc.start]:02x} at offset {exc.start})"
    nesting = nesting_problem(body)
    if nesting is not None:
        return nesting
    if b"\\u" in body and _has_lone_surrogate(body):
        return "the request body holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff): send valid Unicode text"
    return None


def _has_lone_surrogate(body: bytes) -> bool:
    try:
        data = json.loads(body)
    except ValueError:
        return False  # not JSON: the route answers with its own 422
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def nesting_problem(body: bytes, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a JSON body is nested too deeply to parse safely, or None.

    Brackets inside strings do not count. Cheap for ordinary bodies: a body with
    fewer opening brackets than the limit cannot reach it, and is not scanned."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return None
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return f"the request body nests JSON deeper than {limit} levels"
        else:
            depth = max(0, depth - 1)
    return None
