"""The HA connectivity checklist: `GET /v1/checklist` over `hakb.service.checks.checklist`.

JSON by default; `format=csv` (one row per flow) and `format=text` (for pasting into a
firewall-rule ticket) carry the same lines and sources.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, Response

from hakb.service.api import examples
from hakb.service.api.deps import EngineDep
from hakb.service.api.schemas import ErrorResponse
from hakb.service.checks.checklist import (
    BACKUPS,
    TRANSPORTS,
    Checklist,
    Deployment,
    Mode,
    build_checklist,
    parse_backups,
    render_csv,
    render_text,
)

router = APIRouter(tags=["checks"])

_TEXT = {"schema": {"type": "string"}}


@router.get(
    "/v1/checklist",
    response_model=Checklist,
    responses={
        200: {
            "description": "The checklist: JSON, or CSV (`format=csv`) or plain text (`format=text`)",
            "content": {**examples.json(examples.CHECKLIST), "text/csv": _TEXT, "text/plain": _TEXT},
        },
        404: {"model": ErrorResponse, "description": "A model the documents never name (`known` lists them)"},
        422: {
            "model": ErrorResponse,
            "description": "A combination the documents rule out (`rules` cites the rule: HA3 in "
            "active/passive, HSCI on a platform without one, an HA2 transport no document names, "
            "HA1 encryption or a backup link where the documents say it is not supported), an "
            "unknown backup name, or a scope that cannot be read",
        },
    },
    summary="Every flow between two HA peers for a model and deployment, each line cited",
)
def checklist(
    engine: EngineDep,
    model: Annotated[str, Query(min_length=1, max_length=40, description="A model or family: PA-3260, PA-3200 Series")],
    mode: Mode = "active-passive",
    ha1_encryption: Annotated[bool, Query(description="HA1 encryption on (TCP port for encrypted HA1)")] = False,
    ha2_transport: Annotated[
        str, Query(max_length=20, description="HA2 transport: " + ", ".join(TRANSPORTS))
    ] = "ethernet",
    backups: Annotated[
        str, Query(max_length=100, description="Comma-separated backup links: " + ", ".join(BACKUPS))
    ] = "",
    ha3: Annotated[bool | None, Query(description="HA3 packet-forwarding link (default: on in active-active)")] = None,
    hsci: Annotated[bool, Query(description="HA2 (and HA3) over the platform's HSCI port")] = False,
    product: Annotated[str | None, Query(max_length=60, description="ngfw, cn-series, ...")] = None,
    deployment: Annotated[str | None, Query(max_length=60, description="aws, azure, ...")] = None,
    version: Annotated[str | None, Query(max_length=20, description="A PAN-OS version: 10.2, 11.1")] = None,
    format: Literal["json", "csv", "text"] = "json",
) -> Checklist | Response:
    """Links for the mode (HA1 and HA2; HA3 in active/active; HA4 and the clustering ports in a
    cluster) and the chosen backups, each with the interface kind on that platform, the
    ports, ether type or IP protocol number to allow, direction, layer and what it means, and
    the documented notes; every value with its citations. Facts come from the documents of
    the platform's product unless `product` names another; a platform's own statement wins
    over a general one. What the documents do not give is marked as not documented."""
    build = engine.build
    dep = Deployment(
        model=model,
        mode=mode,
        ha1_encryption=ha1_encryption,
        ha2_transport=ha2_transport.strip().lower(),
        backups=parse_backups(backups),
        ha3=ha3,
        hsci=hsci,
        product=product,
        deployment=deployment,
        version=version,
    )
    found = build_checklist(build.facts, build.scope_vocabulary, dep)
    if format == "csv":
        name = f"hakb-checklist-{found.model}.csv".replace(" ", "-")
        return Response(
            render_csv(found),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    if format == "text":
        return PlainTextResponse(render_text(found))
    return found
