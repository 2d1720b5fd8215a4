"""HTTP errors: every failure becomes a JSON body that says what is wrong, never a traceback.

The one place that turns an exception into an HTTP error response. Status, problem
type and headers come from the table in `hakb.errors`; the exception handlers
(`install`) and the ASGI middlewares (`send_error`: size limit, rate limit, JSON
text guard) both render through `hakb.errors.render`, so every error body has the
same shape: an RFC 9457 problem sent as `application/problem+json` (`type`, `title`,
`status`, `detail`, `instance`) with hakb's fields beside it (`"error": <problem
type>, "message": ..., **extra`; a validation error lists each bad field in `errors`).

A body that is not JSON at all is a 400 (`malformed_json`); a body that is JSON but
not what the route takes is a 422 naming each field.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from hakb.errors import (
    PROBLEM_MEDIA_TYPE,
    BadInput,
    HakbError,
    MalformedBody,
    NotFound,
    NotReady,
    error_body,
    problem_for,
    render,
)

# Re-exported: routes raise these (`raise NotFound("...", code="unknown_model")`).
__all__ = ["BadInput", "NotFound", "error_response", "install", "public_reason", "send_error"]

log = logging.getLogger(__name__)

# An absolute path in a message (POSIX): from a slash to the next space or quote.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/[^\s'\"`,;)]+")

# Starlette's own HTTP errors (no route, wrong method): their problem types.
_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def error_response(exc: BaseException, instance: str | None = None) -> JSONResponse:
    """A problem response for `exc` (a HakbError; anything else is an internal error);
    `instance` is the request path it occurred on."""
    rendered = render(exc, instance)
    return ProblemResponse(rendered.body, status_code=rendered.status, headers=rendered.headers or None)


async def send_error(scope: Scope, send: Send, exc: BaseException) -> None:
    """Send `exc` as a whole response from ASGI middleware (no app, no exception handlers).
    It takes the request's scope, not a path, so no middleware's problem can go without
    the `instance` (the request path) the exception handlers' problems carry."""
    rendered = render(exc, scope.get("path") or None)
    body = rendered.json_bytes()
    headers = [(b"content-type", rendered.media_type.encode()), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in rendered.headers.items()]
    await send({"type": "http.response.start", "status": rendered.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def public_reason(text: str, data_dir: Path) -> str:
    """`text` without the server's directory layout: the data directory becomes
    `$HAKB_DATA_DIR`, any other absolute path its last component. The log keeps
    the full text; a client (an unauthenticated /readyz) needs only what failed."""
    for root in {str(data_dir.resolve()), os.path.abspath(data_dir)}:
        text = text.replace(root, "$HAKB_DATA_DIR")
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(0).rstrip("/").rsplit("/", 1)[-1], text)


def _explain(errors: list[dict[str, object]]) -> str:
    parts = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")  # type: ignore[attr-defined]  # loc is a tuple
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if e.get("type") == "json_invalid":
            msg = "the request body is not valid JSON"
            loc = ""
        elif e.get("type") == "string_pattern_mismatch" and loc.endswith("cursor"):
            msg = "not a cursor of this API: pass next_cursor from the previous page back as it is"
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(HakbError)
    async def hakb_error(request: Request, exc: HakbError) -> JSONResponse:
        if not problem_for(exc).public:
            log.error("%s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc, exc_info=exc)
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        found = list(exc.errors())
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))} for e in found
        ]
        # Not JSON at all: nothing in the body could be checked field by field (400);
        # JSON of the wrong shape names each field (422).
        kind = MalformedBody if any(e.get("type") == "json_invalid" for e in found) else BadInput
        return error_response(kind(_explain(found), extra={"errors": errors}), request.url.path)

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        reason = public_reason(str(exc), request.app.state.settings.data_dir)
        return error_response(NotReady(f"no build is loaded yet: {reason}"), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = _HTTP_CODES.get(exc.status_code, "http_error")
        body = error_body(error, str(exc.detail), status=exc.status_code, instance=request.url.path)
        return ProblemResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback for us; the client gets a plain message.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(exc, request.url.path)
