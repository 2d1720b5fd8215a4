"""`GET /v1/scopes`: the products, deployments and PAN-OS versions the current build
covers, so a client can offer a picker whose values `POST /v1/ask`'s `scope` reads back."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hakb.service.api import examples
from hakb.service.api.deps import EngineDep
from hakb.service.api.paging import LOOKUP_HEADERS, NOT_MODIFIED, not_modified
from hakb.service.api.schemas import CoveredScope, ErrorResponse, ScopeOption, ScopesResponse
from hakb.service.scope_choice import covered, covered_scopes

router = APIRouter(tags=["scopes"])


@router.get(
    "/v1/scopes",
    operation_id="listScopes",
    response_model=ScopesResponse,
    responses={
        200: {"headers": LOOKUP_HEADERS, "content": examples.json(examples.SCOPES)},
        503: {"model": ErrorResponse},
        **NOT_MODIFIED,
    },
    summary="The products, deployments and PAN-OS versions the documents cover",
)
def scopes(engine: EngineDep, request: Request, response: Response) -> ScopesResponse | Response:
    build = engine.build
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    vocabulary = build.scope_vocabulary
    options = covered(vocabulary)
    return ScopesResponse(
        build_id=build.build_id,
        products=[ScopeOption(**o) for o in options["products"]],
        deployments=[ScopeOption(**o) for o in options["deployments"]],
        versions=[ScopeOption(**o) for o in options["versions"]],
        scopes=[
            CoveredScope(
                product=s.product or "",
                product_name=s.product_name or s.product or "",
                deployment=s.deployment,
                deployment_name=s.deployment_name,
                versions=s.version_label,
                label=f"{s.product_label} ({s.version_label})" if s.version_label else s.product_label,
            )
            for s in covered_scopes(vocabulary)
        ],
    )
