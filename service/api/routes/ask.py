from __future__ import annotations

import logging

from fastapi import APIRouter

from hakb.errors import BadInput
from hakb.service.api.deps import EngineDep, SettingsDep
from hakb.service.api.schemas import AskRequest, ErrorResponse
from hakb.service.models import Answer

log = logging.getLogger(__name__)
router = APIRouter(tags=["answers"])


@router.post(
    "/v1/ask",
    response_model=Answer,
    responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
    summary="Answer a question with cited facts or passages, or abstain",
)
def ask(body: AskRequest, engine: EngineDep, settings: SettingsDep) -> Answer:
    limit = settings.max_question_chars
    if len(body.question) > limit:
        raise BadInput(
            f"question is {len(body.question)} characters; the limit is {limit} (HAKB_MAX_QUESTION_CHARS)",
            code="question_too_long",
        )
    answer = engine.ask(body.question, top_k=body.top_k, context=body.context, version=body.version)
    log.info(
        "ask kind=%s conf=%.2f ms=%.1f q=%r", answer.kind, answer.confidence, answer.timing_ms, body.question[:120]
    )
    return answer
