"""What changed between two PAN-OS versions: `GET /v1/changes` over `hakb.service.changes`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hakb.service.api import examples
from hakb.service.api.deps import EngineDep
from hakb.service.api.paging import LOOKUP_HEADERS, NOT_MODIFIED, not_modified
from hakb.service.api.schemas import ErrorResponse
from hakb.service.changes import Changes, changes

router = APIRouter(tags=["changes"])


@router.get(
    "/v1/changes",
    operation_id="getChanges",
    response_model=Changes,
    responses={
        200: {"headers": LOOKUP_HEADERS, "content": examples.json(examples.CHANGES)},
        **NOT_MODIFIED,
        404: {"model": ErrorResponse, "description": "A subject the documents never name"},
        422: {
            "model": ErrorResponse,
            "description": "A version that is no PAN-OS version, the same version twice, "
            "or a version or product no document covers",
        },
    },
    summary="Facts added, removed and changed between two PAN-OS versions, each side cited",
)
def changes_between(
    engine: EngineDep,
    request: Request,
    response: Response,
    from_version: Annotated[str, Query(alias="from", max_length=40, description="PAN-OS version: 10.1, 10.1.7")],
    to_version: Annotated[str, Query(alias="to", max_length=40, description="PAN-OS version: 11.1")],
    subject: Annotated[
        str | None, Query(max_length=60, description="HA1, HA3, a model (PA-5400); every subject when omitted")
    ] = None,
    product: Annotated[
        str | None, Query(max_length=40, description="ngfw, panorama, cn-series, ...; every product when omitted")
    ] = None,
) -> Changes | Response:
    """Compares each page with its own version for the other PAN-OS version (a page of the
    current documentation stands in for the newer one when no version of it names it); a
    value in other words or units is no change. `compared`, `only_from`, `only_to` and
    `notes` say which pages were compared and which had no counterpart."""
    build = engine.build
    # The comparison is what reads the versions, subject and product: a request it refuses
    # is a 4xx even with the current ETag, so it runs before the 304 is decided.
    found = changes(build, subject, from_version, to_version, product)
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    return found
