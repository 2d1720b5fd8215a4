"""Votes: anyone with an API key may send one; only an admin key (HAKB_ADMIN_KEYS) reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from hakb.errors import BadInput
from hakb.service.api.deps import require_admin_key
from hakb.service.api.schemas import ErrorResponse
from hakb.service.feedback import FeedbackIn, FeedbackPage, FeedbackRecord, FeedbackStore, NewVote

router = APIRouter(tags=["feedback"])

PAGE_MAX = 100


def _store(request: Request) -> FeedbackStore:
    return request.app.state.feedback  # type: ignore[no-any-return]  # app.state is untyped


@router.post("/v1/feedback", response_model=FeedbackRecord, status_code=201, summary="Record a vote on an answer")
def add_feedback(body: FeedbackIn, request: Request) -> FeedbackRecord:
    vote = NewVote(
        vote=body.vote,
        question=body.question,
        answer=body.answer,
        source=body.source,
        user=getattr(request.state, "caller", None),  # the key that sent it, never the body's word
        build_id=body.build_id,
        comment=body.comment,
        context=body.context,
        kind=body.kind,
    )
    record = _store(request).add(vote)
    if record is None:  # only a dedupe key can collide, and API votes have none
        raise BadInput("this vote is already recorded")
    return record


@router.get(
    "/v1/feedback",
    response_model=FeedbackPage,
    dependencies=[Depends(require_admin_key)],
    responses={403: {"model": ErrorResponse, "description": "Not an admin key (HAKB_ADMIN_KEYS), or none configured"}},
    summary="The latest votes, newest first, a page at a time (needs an admin key)",
)
def list_feedback(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"votes per page, at most {PAGE_MAX}")] = 50,
    before: Annotated[int | None, Query(ge=1, description="only votes older than this id (from next_before)")] = None,
) -> FeedbackPage:
    return _store(request).page(limit, before)
