"""The app factory: one engine per process, opened in the lifespan, shared read-only."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import Depends, FastAPI

from hakb import __version__
from hakb.errors import NotReady
from hakb.service.api import errors, mcp_http, observe, openapi, security
from hakb.service.api.deps import require_key
from hakb.service.api.limits import BodySizeLimit
from hakb.service.api.routes import ask, changes, docs, documents, feedback, health, lookups, page, scopes, search
from hakb.service.api.routes import builds as builds_route
from hakb.service.api.routes import check as check_route
from hakb.service.api.routes import checklist as checklist_route
from hakb.service.api.routes import metrics as metrics_route
from hakb.service.engine import Engine
from hakb.service.replica import follow_primary
from hakb.service.state import open_state
from hakb.service.state.votes import open_feedback
from hakb.settings import Settings

log = logging.getLogger(__name__)


def _log_to_stderr(log_format: str) -> None:
    """uvicorn configures only its own loggers: give ours a handler so the
    one-line-per-request INFO logs are seen (unless the host configured logging)."""
    logger = logging.getLogger("hakb")  # every module's logger is hakb.<package>.<module>
    if not logger.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(observe.formatter(log_format))
        handler.addFilter(observe.RequestIdFilter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    _log_to_stderr(settings.log_format)
    # A library's warning (urllib3 on a missing optional package, ...) goes through logging,
    # formatted as every other line, not printed raw into a JSON log.
    logging.captureWarnings(True)
    # What every worker and replica must agree on (Slack claims, thread memory, user
    # scopes, rate limits): SQLite in the data dir, or Redis. Connects on first use.
    shared = open_state(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = Engine.from_settings(settings)
        holder = engine.holder
        # HAKB_PRIMARY_URL: fetch the primary's builds, checked; before the first refresh, so an
        # empty replica says from its first answer that it waits for the primary.
        follower = follow_primary(settings, holder)
        holder.refresh()
        engine.retriever.embed_query("warm up")  # the model, before the first question
        # The retriever's caches fill in the background: facts answer at once, and
        # readiness does not wait for llama-index to import.
        threading.Thread(target=engine.warm_up, name="hakb-warm-up", daemon=True).start()
        holder.start_watching(settings.watch_interval_s)
        app.state.holder, app.state.engine = holder, engine
        app.state.answer_limiter = anyio.CapacityLimiter(settings.answer_threads)
        app.state.feedback = open_feedback(settings, shared)  # Redis with HAKB_REDIS_URL, else feedback.sqlite3
        try:
            build = holder.current
            log.info("ready: build %s", build.build_id)
        except NotReady as exc:
            log.warning("not ready: %s", exc)
        try:
            yield
        finally:
            if follower is not None:
                follower.stop()
            holder.stop()
            shared.close()

    app = FastAPI(
        title="hakb",
        summary="Cited answers about PAN-OS HA links, ports and platform constraints",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,  # served by routes/docs.py from local files, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.shared = shared
    errors.install(app)
    openapi.install(app)  # stable operationIds, tags, problem+json errors
    app.include_router(health.router)
    app.include_router(metrics_route.router)  # /metrics: like the probes, no key
    docs.install(app)
    app.include_router(page.router)  # the chat page loads without a key; its /v1 calls send one
    protected = [Depends(require_key)]
    # 401/413/429 can answer any /v1 call: the schema says so.
    app.include_router(ask.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(lookups.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(scopes.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(search.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(documents.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(changes.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(checklist_route.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(check_route.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(feedback.router, dependencies=protected, responses=security.API_RESPONSES)
    app.include_router(builds_route.router, dependencies=protected, responses=security.API_RESPONSES)
    if settings.slack_signing_secret:
        # Imported here: with Slack unconfigured, slack_bolt never loads and the route is a 404.
        from hakb.service.api.routes import slack

        app.include_router(slack.build_router(settings, app.state, shared))
    mcp_http.install(app, settings)  # /mcp: the same tools for AI assistants, behind the same keys
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    security.install(app, settings, shared)  # CORS, rate limit, security headers: outside the size limit
    app.add_middleware(observe.RequestContext)  # outermost: every answer gets an id, a log line, a count
    return app
