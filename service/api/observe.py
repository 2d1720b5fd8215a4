"""Seeing what the service does: a request id per request, access lines with latency,
request metrics, and the log formats (text or JSON) that carry the request id.

* `X-Request-ID`: taken from the request when it looks like an id (letters, digits and
  `._:-`, at most 128 characters: a proxy's or a client's trace id), else made here;
  echoed in the response and attached to every log line written while the request is
  handled (the engine's, the Slack bot's, uvicorn's errors), through a context variable
  that Starlette's thread pool carries over.
* One access line per request, after the response: client, method, path, status and
  milliseconds (uvicorn's own access log, which has no latency, is turned off).
* `hakb_http_requests_total` and `hakb_http_request_duration_seconds` by route
  template (`/v1/platforms/{model}`, never the path asked: a scan of random paths must
  not make new series), "unmatched" for a path no route has.

`RequestContext` is the outermost middleware, so a 413, 429 or 408 is counted and
logged with its id like any other answer.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hakb.service.metrics import metrics

HEADER = "x-request-id"
_SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
TEXT_FORMAT = "%(asctime)s.%(msecs)03d [%(process)d] %(levelname)s %(name)s: %(message)s%(request_suffix)s"
TEXT_DATEFMT = "%Y-%m-%dT%H:%M:%S"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hakb_request_id", default=None)
access_log = logging.getLogger("hakb.access")


def take_or_make(given: bytes | None) -> str:
    if given:
        text = given.decode("latin-1")
        if _SANE_ID.fullmatch(text):
            return text
    return uuid.uuid4().hex


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = take_or_make(headers.get(HEADER.encode()))
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*(message.get("headers") or []), (HEADER.encode(), rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_template(scope)
            method = str(scope.get("method", ""))
            m = metrics()
            m.requests.labels(route, method, str(status)).inc()
            m.request_seconds.labels(route).observe(seconds)
            client = scope.get("client")
            path = str(scope.get("path", ""))[:200]
            access_log.info(
                '%s "%s %s" %d %.1f ms',
                client[0] if client else "-",
                method,
                path,
                status,
                seconds * 1000,
                extra={
                    "http": {
                        "method": method,
                        "path": path,
                        "route": route,
                        "status": status,
                        "ms": round(seconds * 1000, 1),
                    }
                },
            )
            request_id.reset(token)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (`request_id`, and `request_suffix`
    for the text format: " request_id=..." inside a request, nothing outside)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        record.request_id = rid
        record.request_suffix = f" request_id={rid}" if rid else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, pid, message, request_id, and an
    access line's `http` fields; a traceback as `exc_info` text."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid:
            out["request_id"] = rid
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            out["http"] = http
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(TEXT_FORMAT, TEXT_DATEFMT)
