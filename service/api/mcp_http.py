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
* The MCP SDK is imported, and its session manager started, on the first call that
  passes the key check: a worker nobody asks over MCP never holds the SDK (about
  23 MB of modules).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

import anyio
import anyio.to_thread
from anyio import CapacityLimiter
from anyio.abc import TaskGroup, TaskStatus
from fastapi import FastAPI
from fastapi.security import HTTPBearer
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from hakb.errors import HakbError, NotReady
from hakb.service.api.deps import require_key
from hakb.service.api.errors import send_error
from hakb.service.engine import Engine
from hakb.settings import Settings

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

PATH = "/mcp"

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False)


class McpEndpoint:
    """ASGI app at /mcp: the `/v1` key check, then the SDK's transport.

    The SDK's session manager runs once per instance, in a task of the app's lifespan
    (`running`), started by the first call; the lifespan may run more than once (a
    test client per test), so each run starts a new one."""

    def __init__(
        self, engine: Callable[[], Engine], settings: Settings, limiter: Callable[[], CapacityLimiter | None]
    ) -> None:
        self.engine = engine
        self.limiter = limiter
        self.settings = settings
        self.manager: StreamableHTTPSessionManager | None = None
        self._tasks: TaskGroup | None = None
        self._lock = anyio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            require_key(request, await _bearer(request))
            manager = await self._manager()
        except HakbError as exc:
            await send_error(scope, send, exc)
            return
        await manager.handle_request(scope, receive, send)

    async def _manager(self) -> StreamableHTTPSessionManager:
        async with self._lock:
            if self.manager is None:
                if self._tasks is None:
                    raise NotReady("the MCP endpoint is not running yet")
                try:
                    # The SDK's import takes a moment: in a thread, not in the event loop
                    # every other request of this worker is waiting on.
                    await anyio.to_thread.run_sync(importlib.import_module, "hakb.service.mcp_server")
                    await self._tasks.start(self._run_manager)
                except Exception as exc:  # an SDK that cannot start: a 503 that says so, not a 500
                    log.exception("the MCP endpoint could not start")
                    raise NotReady(f"the MCP endpoint could not start: {type(exc).__name__}") from exc
            assert self.manager is not None
            return self.manager

    async def _run_manager(self, *, task_status: TaskStatus[None]) -> None:
        from mcp.server.transport_security import TransportSecuritySettings

        from hakb.service.mcp_server import build_server

        server = build_server(self.engine, self.settings, self.limiter)
        server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            max_request_body_size=self.settings.max_body_bytes,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = server.session_manager  # the one that call made
        async with manager.run():
            self.manager = manager
            task_status.started()
            try:
                await anyio.sleep_forever()
            finally:
                self.manager = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()


def install(app: FastAPI, settings: Settings) -> None:
    def engine() -> Engine:
        return app.state.engine  # type: ignore[no-any-return]  # set by the lifespan

    def limiter() -> CapacityLimiter | None:
        return getattr(app.state, "answer_limiter", None)  # set by the lifespan, as the engine

    endpoint = McpEndpoint(engine, settings, limiter)
    app.router.routes.append(Route(PATH, endpoint=endpoint, methods=["GET", "POST", "DELETE"]))
    app.router.lifespan_context = _with_endpoint(app.router.lifespan_context, endpoint)


def _with_endpoint(
    lifespan: Callable[[Any], AbstractAsyncContextManager[Any]], endpoint: McpEndpoint
) -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """The app's lifespan, with the endpoint running inside it (after the engine opens)."""

    @asynccontextmanager
    async def lifespan_with_mcp(app: Any) -> AsyncIterator[Any]:
        async with lifespan(app) as state, endpoint.running():
            yield state

    return lifespan_with_mcp
