"""`POST /slack/events`: Slack's Events API, the /hakb slash command and button
clicks, all on one URL (bolt tells them apart by their payload).

Mounted only when SLACK_SIGNING_SECRET is set. Slack cannot send an API key, so
this route is not behind HAKB_API_KEYS: every request is authenticated by its
signature instead (v0 HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing
secret, timestamp within 5 minutes), else 401.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response
from slack_bolt import App
from slack_bolt.adapter.fastapi import SlackRequestHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from hakb.errors import BadInput, BadSignature
from hakb.service.api.errors import error_response
from hakb.service.api.security import nesting_problem
from hakb.service.slack import preferences
from hakb.service.slack.app import SlackDeps, create_bolt_app
from hakb.service.slack.preferences import UserScopes
from hakb.service.state import SharedState
from hakb.settings import Settings

log = logging.getLogger(__name__)

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
# Fields of Slack's payloads that must be a JSON object (or absent) for bolt to read them.
_OBJECT_FIELDS = ("event", "user", "team", "channel", "container", "view", "message", "authorizations")


class ThreadedSlackRequestHandler(SlackRequestHandler):
    """bolt's FastAPI handler, with two changes.

    - `App.dispatch` is synchronous and, with process_before_response, runs the
      engine and the Web API calls; the stock handler calls it on the event loop,
      which would stall every other request meanwhile. Here it runs in the thread pool.
    - The signature is checked before bolt parses the body, so a forged or stale
      request is a clean 401 (bolt would raise on a non-numeric or 400-digit
      timestamp or a body that is not UTF-8, and answer 500).
    - A signed body that is not the shape Slack sends (bad JSON, an array, null, a
      form whose payload is not a JSON object, an event that is not an object) is a
      422 with one log line: bolt would raise on it and answer 500 with a traceback.
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
        problem = payload_problem(body.decode("utf-8"), req.headers.get("content-type", ""))
        if problem is not None:
            log.warning("slack request refused: %s", problem)
            return error_response(BadInput(f"not a Slack request body: {problem}"))
        bolt_request = to_bolt_request(req, body, addition_context_properties)
        bolt_response = await run_in_threadpool(self.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    def _valid(self, body: bytes, timestamp: str, signature: str) -> bool:
        # Digits only, and no more than a Unix time has: slack_sdk turns the timestamp
        # into a float, which overflows past about 309 digits.
        if not _TIMESTAMP.fullmatch(timestamp) or not signature:
            return False
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return self.verifier.is_valid(body, timestamp, signature)


def payload_problem(body: str, content_type: str) -> str | None:
    """What is wrong with a signed body, read the way bolt reads it; None if bolt can use it.

    JSON (the Events API) or a form: a slash command's fields, or `payload=` holding
    a JSON object (buttons)."""
    if not body:
        return None  # bolt reads it as {}; an empty dict matches no listener
    ctype = content_type.split(";")[0].strip().lower()
    if ctype == "application/json" or body.startswith("{"):
        document, what = body, "the JSON body"
    else:
        params = dict(parse_qsl(body, keep_blank_values=True))
        if "payload" not in body or "payload" not in params:
            return None  # form fields (a slash command) are strings, always readable
        document, what = params["payload"], "the form's payload"
    nesting = nesting_problem(document.encode("utf-8"))
    if nesting is not None:
        return f"{what}: {nesting.removeprefix('the request body ')}"
    try:
        data = json.loads(document)
    except ValueError as exc:
        return f"{what} is not valid JSON ({exc})"
    if not isinstance(data, dict):
        return f"{what} is {type(data).__name__ if data is not None else 'null'}, not a JSON object"
    for name in _OBJECT_FIELDS:
        value = data.get(name)
        if name == "authorizations":
            if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
                return f"{what}: authorizations is not a list of objects"
        elif value is not None and not isinstance(value, dict):
            return f"{what}: {name} is not a JSON object"
    actions = data.get("actions")
    if actions is not None and not (isinstance(actions, list) and all(isinstance(a, dict) for a in actions)):
        return f"{what}: actions is not a list of objects"
    return None


def build_router(settings: Settings, state: State, shared: SharedState) -> APIRouter:
    """The Slack routes, with their own bolt App (built here, at app creation; no network).

    The engine and the feedback store appear on `state` in the lifespan, later than
    this; the bot looks them up per request. `shared` holds what every worker must
    agree on (claims, thread memory, user scopes)."""
    deps = SlackDeps(
        engine=lambda: state.engine,
        feedback=lambda: state.feedback,
        state=shared,
        max_question_chars=settings.max_question_chars,
        scopes=UserScopes(shared, legacy_path=settings.data_dir / preferences.LEGACY_FILE_NAME),
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
