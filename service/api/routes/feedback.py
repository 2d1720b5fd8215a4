"""Votes: anyone with an API key may send one; only an admin key (HAKB_ADMIN_KEYS) reads them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from hakb.errors import BadInput
from hakb.service.api import examples
from hakb.service.api.deps import require_admin_key
from hakb.service.api.paging import (
    PAGE_HEADERS,
    PAGE_RESPONSES,
    CursorParam,
    cursor_tag,
    link_next,
    make_cursor,
    read_cursor,
)
from hakb.service.api.schemas import ErrorResponse, FeedbackCursorPage
from hakb.service.feedback import FeedbackIn, FeedbackRecord, NewVote, VoteStore

router = APIRouter(tags=["feedback"])

PAGE_MAX = 100


def _store(request: Request) -> VoteStore:
    return request.app.state.feedback  # type: ignore[no-any-return]  # app.state is untyped


@router.post(
    "/v1/feedback",
    operation_id="addFeedback",
    response_model=FeedbackRecord,
    status_code=201,
    responses={201: {"content": examples.json(examples.VOTE)}},
    summary="Record a vote on an answer",
)
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
    operation_id="listFeedback",
    response_model=FeedbackCursorPage,
    dependencies=[Depends(require_admin_key)],
    responses={
        200: {"headers": PAGE_HEADERS, "content": examples.json(examples.VOTES)},
        403: {"model": ErrorResponse, "description": "Not an admin key (HAKB_ADMIN_KEYS), or none configured"},
        **PAGE_RESPONSES,
    },
    summary="The latest votes, newest first, a page at a time (needs an admin key)",
)
def list_feedback(
    request: Request,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"votes per page, at most {PAGE_MAX}")] = 50,
    cursor: CursorParam = None,
    before: Annotated[
        int | None, Query(ge=1, description="only votes older than this id (next_before; `cursor` is the same, opaque)")
    ] = None,
) -> FeedbackCursorPage:
    # A cursor holds the id to go on before; `before` is the older, plain form of it.
    after = read_cursor(cursor, _FEEDBACK_TAG, "/v1/feedback")
    page = _store(request).page(limit, after if after is not None else before)
    next_cursor = make_cursor(page.next_before, _FEEDBACK_TAG) if page.next_before is not None else None
    link_next(request, response, next_cursor, limit)
    return FeedbackCursorPage(**page.model_dump(), next_cursor=next_cursor)


_FEEDBACK_TAG = cursor_tag("feedback")
