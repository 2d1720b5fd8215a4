from __future__ import annotations

import logging
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Body, Request

from hakb.errors import BadInput
from hakb.service.api import examples
from hakb.service.api.deps import EngineDep, SettingsDep
from hakb.service.api.schemas import AskRequest, ErrorResponse
from hakb.service.engine import Engine
from hakb.service.metrics import observe_answer
from hakb.service.models import Answer
from hakb.service.scope_choice import ScopeChoice
from hakb.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["answers"])

EXAMPLES: dict[str, Any] = {
    "plain": {"summary": "A question", "value": {"question": "what port does ha1 use?"}},
    "scoped": {
        "summary": "A question in a scope (GET /v1/scopes lists the choices)",
        "value": {
            "question": "which interface has to be the HA2 link?",
            "scope": {"product": "vm-series", "deployment": "aws", "version": "11.1"},
        },
    },
    "platform": {
        "summary": "A question for one firewall model",
        "value": {"question": "is HA3 supported?", "scope": {"platform": "PA-3260"}},
    },
}


@router.post(
    "/v1/ask",
    operation_id="ask",
    response_model=Answer,
    responses={
        200: {"content": examples.json(examples.ANSWER)},
        401: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
        503: {"model": ErrorResponse},
    },
    summary="Answer a question with cited facts or passages, or abstain",
)
async def ask(
    body: Annotated[AskRequest, Body(openapi_examples=EXAMPLES)],
    engine: EngineDep,
    settings: SettingsDep,
    request: Request,
) -> Answer:
    # Answering is CPU work: a few threads at a time answer as many questions a second as
    # forty would, and each thread at work holds its own working memory.
    return await anyio.to_thread.run_sync(
        answer_question, body, engine, settings, limiter=request.app.state.answer_limiter
    )


def answer_question(body: AskRequest, engine: Engine, settings: Settings) -> Answer:
    """The answer to one /v1/ask body (the MCP `ask` tool calls it too)."""
    limit = settings.max_question_chars
    if len(body.question) > limit:
        raise BadInput(
            f"question is {len(body.question)} characters; the limit is {limit} (HAKB_MAX_QUESTION_CHARS)",
            code="question_too_long",
        )
    chosen = ScopeChoice(**body.scope.model_dump()) if body.scope is not None else ScopeChoice()
    # BadInput (422) naming each value that is neither covered nor shaped like a product,
    # cloud, version or model.
    scope = None if chosen.empty else chosen.resolve(engine.build.scope_vocabulary)
    answer = engine.ask(body.question, top_k=body.top_k, context=body.context, version=body.version, scope=scope)
    observe_answer(answer, channel="api")
    log.info(
        "ask kind=%s conf=%.2f ms=%.1f scope=%r q=%r",
        answer.kind,
        answer.confidence,
        answer.timing_ms,
        chosen.label,
        body.question[:120],
    )
    return answer
