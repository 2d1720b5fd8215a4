"""`GET /v1/documents`: the documents the current build serves, with how many facts and
passages each gave, a page at a time."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hakb.service.api import examples
from hakb.service.api.deps import EngineDep
from hakb.service.api.paging import (
    LOOKUP_HEADERS,
    NOT_MODIFIED,
    PAGE_HEADERS,
    PAGE_RESPONSES,
    CursorParam,
    cursor_tag,
    link_next,
    not_modified,
    page_of,
    read_cursor,
)
from hakb.service.api.schemas import DocumentEntry, DocumentsResponse

router = APIRouter(tags=["documents"])

DOCUMENTS_PAGE, DOCUMENTS_MAX = 100, 1000


@router.get(
    "/v1/documents",
    operation_id="listDocuments",
    response_model=DocumentsResponse,
    responses={
        200: {"headers": {**PAGE_HEADERS, **LOOKUP_HEADERS}, "content": examples.json(examples.DOCUMENTS)},
        **PAGE_RESPONSES,
        **NOT_MODIFIED,
    },
    summary="The documents the current build serves: title, URL, scope, facts and passages of each",
)
def documents(
    engine: EngineDep,
    request: Request,
    response: Response,
    limit: Annotated[
        int, Query(ge=1, le=DOCUMENTS_MAX, description=f"documents per page (at most {DOCUMENTS_MAX})")
    ] = DOCUMENTS_PAGE,
    cursor: CursorParam = None,
) -> DocumentsResponse | Response:
    """In document-id order; `count` is every document of the build."""
    build = engine.build
    tag = cursor_tag("documents", build.build_id)
    read_cursor(cursor, tag, "/v1/documents")  # a stale cursor is a 409, ETag or not
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    facts = Counter(f.doc_id for f in build.facts.facts)
    chunks = Counter(c.doc_id for c in build.chunks.values())
    docs = sorted(build.manifest.documents, key=lambda d: d.doc_id)
    page, next_cursor = page_of(docs, limit, cursor, tag, "/v1/documents")
    link_next(request, response, next_cursor, limit)
    entries = [
        DocumentEntry(
            doc_id=d.doc_id,
            title=d.title,
            url=d.url,
            version=d.version,
            kind=d.kind,
            scope=d.scope,
            scope_label=d.scope.label if d.scope is not None and d.scope.label else d.version or "",
            build_id=build.build_id,
            facts=facts[d.doc_id],
            chunks=chunks[d.doc_id],
        )
        for d in page
    ]
    return DocumentsResponse(build_id=build.build_id, count=len(docs), documents=entries, next_cursor=next_cursor)
