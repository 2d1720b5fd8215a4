from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from hakb.service.feedback import FeedbackIn, FeedbackRecord, FeedbackStore

router = APIRouter(tags=["feedback"])


def _store(request: Request) -> FeedbackStore:
    return request.app.state.feedback  # type: ignore[no-any-return]  # app.state is untyped


@router.post("/v1/feedback", response_model=FeedbackRecord, status_code=201, summary="Record a vote on an answer")
def add_feedback(body: FeedbackIn, request: Request) -> FeedbackRecord:
    return _store(request).add(body)


@router.get("/v1/feedback", response_model=list[FeedbackRecord], summary="The latest votes, newest first")
def list_feedback(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[FeedbackRecord]:
    return _store(request).list(limit)
