"""The configuration check: `POST /v1/check` over `hakb.service.checks.config_check`.

The pasted configuration lives in this request only: it is neither stored nor logged
(the request log line names the path and status; error messages name a line and a
column, never the text)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hakb.service.api import examples
from hakb.service.api.deps import EngineDep, SettingsDep
from hakb.service.api.schemas import ErrorResponse
from hakb.service.checks.config_check import CheckReport, check_config
from hakb.service.scope_choice import NAME_PATTERN, VERSION_PATTERN, ScopeChoice

router = APIRouter(tags=["check"])


class CheckScope(BaseModel):
    """Which documents to check against (GET /v1/scopes lists them); the product defaults to
    the documents' main one (the firewall pages)."""

    model_config = ConfigDict(extra="forbid")

    product: str | None = Field(default=None, max_length=60, json_schema_extra={"pattern": NAME_PATTERN})
    deployment: str | None = Field(default=None, max_length=60, json_schema_extra={"pattern": NAME_PATTERN})
    version: str | None = Field(default=None, max_length=20, json_schema_extra={"pattern": VERSION_PATTERN})


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    config: str = Field(
        description="deviceconfig/high-availability as XML (the XML API's or `show config running`'s), or the "
        "text of `show high-availability all`; at most HAKB_MAX_BODY_BYTES",
        examples=["<high-availability><group><group-id>70</group-id></group></high-availability>"],
    )
    model: str | None = Field(
        default=None,
        max_length=60,
        description="The firewall model: PA-3260, PA-850, PA-7050; may be left out only for a scope product "
        "without hardware (cn-series)",
        examples=["PA-3260"],
    )
    format: Literal["auto", "xml", "text"] = Field(default="auto", description="auto: XML when it starts with '<'")
    scope: CheckScope | None = None


@router.post(
    "/v1/check",
    response_model=CheckReport,
    responses={
        200: {"content": examples.json(examples.CHECK)},
        404: {"model": ErrorResponse, "description": "A model no document names (with the known families)"},
        413: {"model": ErrorResponse, "description": "A configuration over the size limit"},
        422: {
            "model": ErrorResponse,
            "description": "Malformed XML (with line and column), XML with a DTD, entities or external "
            "references (refused unread), text that is no `show high-availability all`, a bad scope",
        },
    },
    summary="Check an HA configuration against the documents: findings, each with its rule cited",
)
def check(body: CheckRequest, engine: EngineDep, settings: SettingsDep) -> CheckReport:
    """Findings (`error`: out of range, not supported, required otherwise; `warning`: a
    recommendation left out, an interface the documents do not name for that link on that
    platform), each with where it is (XPath or line) and the documented rules quoted;
    `not_checked` lists what the check cannot judge, `passed` what holds."""
    scope = ScopeChoice(**body.scope.model_dump()) if body.scope else None
    return check_config(engine.build, body.config, body.model, scope, body.format, max_chars=settings.max_body_bytes)
