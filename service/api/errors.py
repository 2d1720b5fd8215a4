"""HTTP errors: every failure becomes a JSON body that says what is wrong, never a traceback."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hakb.service.api.deps import Unauthorized
from hakb.service.engine import EngineError
from hakb.service.index import NotReady

log = logging.getLogger(__name__)


class ApiError(Exception):
    status = 400

    def __init__(self, error: str, message: str, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.error, self.message, self.extra = error, message, extra or {}


class BadInput(ApiError):
    status = 422


class NotFound(ApiError):
    status = 404


def _body(error: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": error, "message": message, **extra}


def _explain(errors: list[dict[str, object]]) -> str:
    parts = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p != "body")  # type: ignore[union-attr]
        msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        if e.get("type") == "json_invalid":
            msg = "the request body is not valid JSON"
            loc = ""
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_body(exc.error, exc.message, **exc.extra), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse(_body("invalid_request", _explain(exc.errors()), detail=detail), status_code=422)

    @app.exception_handler(Unauthorized)
    async def unauthorized(request: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse(
            _body("unauthorized", str(exc)), status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(NotReady)
    async def not_ready(request: Request, exc: NotReady) -> JSONResponse:
        return JSONResponse(_body("not_ready", f"no build is loaded yet: {exc}"), status_code=503)

    @app.exception_handler(EngineError)
    async def engine_down(request: Request, exc: EngineError) -> JSONResponse:
        return JSONResponse(_body("unavailable", str(exc)), status_code=503, headers={"Retry-After": "5"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        return JSONResponse(
            _body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback for us; the client gets a plain message.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(_body("internal_error", "something went wrong on our side; it was logged"), status_code=500)
