"""`GET /v1/search`: the passages hybrid retrieval finds for a query, best first, with
their scores and the scope each holds for. No answer is composed: a client that wants
to read the documents itself (or rank them its own way) starts here. `product`,
`deployment`, `version` and `platform` narrow it to a scope, read as `POST /v1/ask`'s
`scope` is (hakb.service.scoped_search)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hakb.errors import BadInput
from hakb.service.api import examples
from hakb.service.api.deps import EngineDep, SettingsDep
from hakb.service.api.paging import LOOKUP_HEADERS, NOT_MODIFIED, not_modified
from hakb.service.api.schemas import ErrorResponse, Passage, SearchResponse
from hakb.service.scope_choice import NAME_PATTERN, PLATFORM_PATTERN, VERSION_PATTERN, ScopeChoice
from hakb.service.scoped_search import search as scoped_search

router = APIRouter(tags=["search"])

SEARCH_DEFAULT, SEARCH_MAX = 10, 50
# Documents what is read (with friendlier messages than a pattern's), as ScopeIn does.
_NAME = {"pattern": NAME_PATTERN}


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
    product: Annotated[
        str | None,
        Query(max_length=60, description="vm-series, cn-series, ngfw, panorama, ...", json_schema_extra=_NAME),
    ] = None,
    deployment: Annotated[
        str | None, Query(max_length=60, description="A cloud: aws, azure, gcp, ...", json_schema_extra=_NAME)
    ] = None,
    version: Annotated[
        str | None,
        Query(
            max_length=20,
            description="A PAN-OS version: 10.2, 11.1.7",
            json_schema_extra={"pattern": VERSION_PATTERN},
        ),
    ] = None,
    platform: Annotated[
        str | None,
        Query(
            max_length=60,
            description="A model or family: PA-3410, PA-3400 Series",
            json_schema_extra={"pattern": PLATFORM_PATTERN},
        ),
    ] = None,
) -> SearchResponse | Response:
    if not re.search(r"\w", q):
        raise BadInput("q: the query is empty: type what to look for")
    if len(q) > settings.max_question_chars:
        raise BadInput(
            f"q: the query is {len(q)} characters; the limit is {settings.max_question_chars} (HAKB_MAX_QUESTION_CHARS)",
            code="question_too_long",
        )
    build = engine.build
    chosen = ScopeChoice(product, deployment, version, platform)
    # A value of no known shape is a 422 bad_scope naming it, as for /v1/ask: before the
    # ETag is compared, so a bad request with the current ETag is still told what is wrong.
    asked = None if chosen.empty else chosen.resolve(build.scope_vocabulary)
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    # The search reads the current build itself; the ETag names the build taken just
    # before it, so a build that turns current in between is, at worst, sent again.
    found = scoped_search(engine, q, asked, top_k=limit)
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
        for rank, hit in enumerate(found.hits, 1)
    ]
    return SearchResponse(
        query=q,
        build_id=found.build_id,
        scope=chosen.label or None,
        count=len(passages),
        passages=passages,
        uncovered=found.uncovered,
        covered=found.covered or None,
    )
