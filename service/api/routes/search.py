"""`GET /v1/search`: the passages hybrid retrieval finds for a query, best first, with
their scores and the scope each holds for. No answer is composed: a client that wants
to read the documents itself (or rank them its own way) starts here."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hakb.errors import BadInput
from hakb.service.api import examples
from hakb.service.api.deps import EngineDep, SettingsDep
from hakb.service.api.paging import LOOKUP_HEADERS, NOT_MODIFIED, not_modified
from hakb.service.api.schemas import ErrorResponse, Passage, SearchResponse

router = APIRouter(tags=["search"])

SEARCH_DEFAULT, SEARCH_MAX = 10, 50


@router.get(
    "/v1/search",
    operation_id="searchPassages",
    response_model=SearchResponse,
    responses={
        200: {"headers": LOOKUP_HEADERS, "content": examples.json(examples.SEARCH)},
        503: {"model": ErrorResponse, "description": "Passage search is down (the vector store); facts still answer"},
        **NOT_MODIFIED,
    },
    summary="Passages only: what hybrid retrieval finds for a query, with scores and scope",
)
def search(
    engine: EngineDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=2000,
            # Documents what the route checks (with a friendlier message than the pattern's).
            json_schema_extra={"pattern": r"\w"},
            description="What to look for, as typed (at most HAKB_MAX_QUESTION_CHARS characters)",
            examples=["heartbeat backup"],
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=SEARCH_MAX, description=f"passages (at most {SEARCH_MAX})")] = SEARCH_DEFAULT,
) -> SearchResponse | Response:
    if not re.search(r"\w", q):
        raise BadInput("q: the query is empty: type what to look for")
    if len(q) > settings.max_question_chars:
        raise BadInput(
            f"q: the query is {len(q)} characters; the limit is {settings.max_question_chars} (HAKB_MAX_QUESTION_CHARS)",
            code="question_too_long",
        )
    build = engine.build
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    # Engine.search reads the current build itself; the ETag names the build taken just
    # before it, so a build that turns current in between is, at worst, sent again.
    hits = engine.search(q, top_k=limit)
    passages = [
        Passage(
            rank=rank,
            score=round(hit.score, 6),
            dense=round(hit.dense, 6),
            keyword=round(hit.keyword, 6),
            chunk_id=hit.chunk.chunk_id,
            doc_id=hit.chunk.doc_id,
            title=hit.chunk.title,
            url=hit.chunk.url,
            section=hit.chunk.section,
            text=hit.chunk.text,
            version=hit.chunk.version,
            scope=hit.chunk.scope,
            scope_label=hit.chunk.citation("").scope_label,
        )
        for rank, hit in enumerate(hits, 1)
    ]
    return SearchResponse(query=q, build_id=build.build_id, count=len(passages), passages=passages)
