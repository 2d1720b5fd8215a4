"""`POST /slack/events`: Slack's Events API, the /hakb slash command and button
clicks, all on one URL (bolt tells them apart by their payload).

Mounted only when SLACK_SIGNING_SECRET is set. Slack cannot send an API key, so
this route is not behind HAKB_API_KEYS: every request is authenticated by its
signature instead (v0 HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing
secret, timestamp within 5 minutes), else 401.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from slack_bolt import App
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from hakb.errors import BadSignature
from hakb.service.api.errors import error_response
from hakb.service.slack.app import SlackDeps, create_bolt_app
from hakb.settings import Settings

log = logging.getLogger(__name__)


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """bolt's FastAPI handler, with two changes.

    - `App.dispatch` is synchronous and, with process_before_response, runs the
      engine and the Web API calls; the stock handler calls it on the event loop,
      which would stall every other request meanwhile. Here it runs in the thread pool.
    - The signature is checked before bolt parses the body, so a forged or stale
      request is a clean 401 (bolt would raise on a non-numeric timestamp or a body
      that is not UTF-8, and answer 500).
    """

    def __init__(self, app: App, signing_secret: str) -> None:
        super().__init__(app)
        self.verifier = SignatureVerifier(signing_secret)

    async def handle(self, req: Request, addition_context_properties: dict[str, Any] | None = None) -> Response:
        body = await req.body()
        timestamp = req.headers.get("x-slack-request-timestamp", "")
        signature = req.headers.get("x-slack-signature", "")
        if not self._valid(body, timestamp, signature):
            log.warning("slack request refused: bad signature or stale timestamp (ts=%r)", timestamp[:20])
            return error_response(BadSignature("invalid Slack signature or request older than 5 minutes"))
        bolt_request = to_bolt_request(req, body, addition_context_properties)
        bolt_response = await run_in_threadpool(self.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    def _valid(self, body: bytes, timestamp: str, signature: str) -> bool:
        if not timestamp.isdigit() or not signature:
            return False
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return self.verifier.is_valid(body, timestamp, signature)


def build_router(settings: Settings, state: State) -> APIRouter:
    """The Slack routes, with their own bolt App (built here, at app creation; no network).

    The engine and the feedback store appear on `state` in the lifespan, later than
    this; the bot looks them up per request."""
    deps = SlackDeps(
        engine=lambda: state.engine,
        feedback=lambda: state.feedback,
        max_question_chars=settings.max_question_chars,
    )
    bolt = create_bolt_app(settings, deps)
    handler = ThreadedSlackRequestHandler(bolt, settings.slack_signing_secret or "")
    router = APIRouter(tags=["slack"])

    @router.post(
        "/slack/events",
        summary="Slack Events API, the /hakb slash command and button clicks (signed by Slack)",
        responses={401: {"description": "bad signature or a request older than 5 minutes"}},
    )
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    return router
