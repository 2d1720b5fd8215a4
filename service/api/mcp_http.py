"""`/mcp`: the MCP tools (hakb.service.mcp_server) over streamable HTTP, in the app.

    install(app, settings)   mounts the endpoint and runs the SDK's session manager
                             for as long as the app's lifespan

* The same API keys as `/v1` (HAKB_API_KEYS, `Authorization: Bearer <key>`), checked
  by the same function; a refusal is the same 401 JSON body as on `/v1`.
* Stateless, with JSON responses: every POST stands alone, so the endpoint works
  unchanged behind `hakb serve --workers N` (no session lives in one worker).
* The SDK's Host/Origin check is off: it only knows localhost unless told every
  name the server is reached by; the API key guards `/mcp` as it guards `/v1`, and
  the middlewares (size and rate limits, security headers) apply to both alike.
* The tools answer with the engine the lifespan opened (`app.state.engine`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.security import HTTPBearer
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hakb.errors import Unauthorized
from hakb.service.api.deps import require_key
from hakb.service.api.errors import send_error
from hakb.service.engine import Engine
from hakb.service.mcp_server import build_server
from hakb.settings import Settings

PATH = "/mcp"

_bearer = HTTPBearer(auto_error=False)


class McpEndpoint:
    """ASGI app at /mcp: the `/v1` key check, then the SDK's transport."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            require_key(request, await _bearer(request))
        except Unauthorized as exc:
            await send_error(send, exc)
            return
        await self.manager.handle_request(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    def engine() -> Engine:
        return app.state.engine  # type: ignore[no-any-return]  # set by the lifespan

    server = build_server(engine, settings)
    server.streamable_http_app(
        stateless_http=True,
        json_response=True,
        max_request_body_size=settings.max_body_bytes,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = server.session_manager
    app.router.routes.append(Route(PATH, endpoint=McpEndpoint(manager), methods=["GET", "POST", "DELETE"]))
    app.router.lifespan_context = _with_manager(app.router.lifespan_context, manager)


def _with_manager(
    lifespan: Callable[[Any], AbstractAsyncContextManager[Any]], manager: StreamableHTTPSessionManager
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """The app's lifespan, with the session manager running inside it (after the engine opens)."""

    @asynccontextmanager
    async def lifespan_with_mcp(app: Any) -> AsyncIterator[Any]:
        async with lifespan(app) as state, manager.run():
            yield state

    return lifespan_with_mcp
