"""Request and response bodies of the HTTP API (kept apart from the engine's models)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hakb.ingest.models import Citation, Fact
from hakb.service.scope_choice import NAME_PATTERN, PLATFORM_PATTERN, VERSION_PATTERN


class ScopeIn(BaseModel):
    """The scope to answer in (GET /v1/scopes lists what the documents cover). A product or
    cloud no document covers is answered with an abstain that says what they do cover."""

    model_config = ConfigDict(extra="forbid")

    # The patterns document what is read (`hakb.service.scope_choice`); a value of another
    # shape is a 422 that says so, with friendlier words than pydantic's.
    product: str | None = Field(
        default=None,
        max_length=60,
        description="vm-series, cn-series, ngfw, panorama, ...",
        examples=["vm-series"],
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    deployment: str | None = Field(
        default=None,
        max_length=60,
        description="A cloud: aws, azure, gcp, ...",
        json_schema_extra={"pattern": NAME_PATTERN},
    )
    version: str | None = Field(
        default=None,
        max_length=20,
        description="A PAN-OS version: 10.2, 11.1.7, 10.1.x",
        json_schema_extra={"pattern": VERSION_PATTERN},
    )
    platform: str | None = Field(
        default=None,
        max_length=60,
        description="A model or family (PA-3410, PA-3400 Series), or another name the documents use (VM-300)",
        json_schema_extra={"pattern": PLATFORM_PATTERN},
    )


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        description="The question, as typed in chat (at most HAKB_MAX_QUESTION_CHARS characters, 2000 by default).",
        examples=["what port does ha1 use?"],
        # Documents what `not_blank` and the route enforce (with friendlier messages than
        # pydantic's own constraints would give), so clients and schema fuzzers know it.
        # "\w" rather than "\S": regex dialects disagree on what is whitespace (Python
        # strips "\x1e", JavaScript does not), but all agree on letters and digits.
        json_schema_extra={"minLength": 1, "maxLength": 2000, "pattern": r"\w"},
    )
    top_k: int = Field(default=5, ge=1, le=20, description="Passages to consider for descriptive questions.")
    version: str | None = Field(
        default=None, max_length=40, description="Only use documents whose product version contains this text."
    )
    context: str | None = Field(
        default=None, max_length=2000, description="An earlier question of the same conversation (follow-ups)."
    )
    scope: ScopeIn | None = Field(
        default=None,
        description="Answer for this product, deployment, PAN-OS version or platform; what the question "
        "names itself wins, and `version` applies where neither names a version.",
    )

    @field_validator("question")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not re.search(r"\w", value):
            raise ValueError("question is empty: type a question about HA links, ports or platforms")
        return value


class FactsResponse(BaseModel):
    count: int
    facts: list[Fact]


class PortEntry(BaseModel):
    port: str
    protocol: str | None
    link: str
    qualifier: str | None
    purpose: str  # the sentence that documents the port
    source: Citation
    conflict: bool = False


class PortsResponse(BaseModel):
    count: int
    ports: list[PortEntry]


class PlatformResponse(BaseModel):
    model: str
    documented_as: list[str]  # the names the documents use for it (model, family)
    count: int
    facts: list[Fact]


class ReadyResponse(BaseModel):
    status: str
    build_id: str | None = None
    documents: int = 0
    facts: int = 0
    chunks: int = 0
    passages: str = "ok"  # or why passages are unavailable
    reason: str | None = None


class ErrorResponse(BaseModel):
    error: str  # short machine-readable code
    message: str  # what is wrong, for a person
    detail: list[dict[str, object]] | None = None


class ScopeOption(BaseModel):
    value: str  # what to send back in `scope` ("vm-series", "11.1")
    label: str  # what to show ("VM-Series", "PAN-OS 11.1 & later")


class CoveredScope(BaseModel):
    product: str
    product_name: str
    deployment: str | None
    deployment_name: str | None
    versions: str  # "PAN-OS 10.1, 10.2, current", "current docs"
    label: str  # "VM-Series on AWS (PAN-OS 11.1 & later)"


class ScopesResponse(BaseModel):
    build_id: str
    products: list[ScopeOption]
    deployments: list[ScopeOption]
    versions: list[ScopeOption]
    scopes: list[CoveredScope]  # each product and deployment the documents cover, with its versions
