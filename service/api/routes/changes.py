"""What changed between two PAN-OS versions: `GET /v1/changes` over `hakb.service.changes`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hakb.service.api.deps import EngineDep
from hakb.service.api.schemas import ErrorResponse
from hakb.service.changes import Changes, changes

router = APIRouter(tags=["changes"])


@router.get(
    "/v1/changes",
    response_model=Changes,
    responses={
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
    from_version: Annotated[str, Query(alias="from", max_length=40, description="PAN-OS version: 10.1, 10.1.7")],
    to_version: Annotated[str, Query(alias="to", max_length=40, description="PAN-OS version: 11.1")],
    subject: Annotated[
        str | None, Query(max_length=60, description="HA1, HA3, a model (PA-5400); every subject when omitted")
    ] = None,
    product: Annotated[
        str | None, Query(max_length=40, description="ngfw, panorama, cn-series, ...; every product when omitted")
    ] = None,
) -> Changes:
    """Compares each page with its own version for the other PAN-OS version (a page of the
    current documentation stands in for the newer one when no version of it names it); a
    value in other words or units is no change. `compared`, `only_from`, `only_to` and
    `notes` say which pages were compared and which had no counterpart."""
    return changes(engine.build, subject, from_version, to_version, product)
