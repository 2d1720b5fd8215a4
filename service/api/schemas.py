"""Request and response bodies of the HTTP API (kept apart from the engine's models)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hakb.ingest.models import Citation, Fact, Scope
from hakb.service.feedback import FeedbackPage
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
    count: int = Field(description="Every fact that matches the filters")
    facts: list[Fact] = Field(description="This page of them")
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page"
    )


class PortEntry(BaseModel):
    port: str
    protocol: str | None
    link: str
    qualifier: str | None
    purpose: str  # the sentence that documents the port
    source: Citation
    conflict: bool = False


class PortsResponse(BaseModel):
    count: int = Field(description="Every documented port row")
    ports: list[PortEntry] = Field(description="This page of them")
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page"
    )


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
    """Every error: an RFC 9457 problem (`application/problem+json`) with hakb's own
    fields beside the RFC's; some problems add more (`known`, `covered`, ...)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:hakb:problem:unknown_model",
                    "title": "Unknown model",
                    "status": 404,
                    "detail": "the documents say nothing about 'PA-9999'; documented platforms: PA-3200 Series, ...",
                    "instance": "/v1/platforms/PA-9999",
                    "error": "unknown_model",
                    "message": "the documents say nothing about 'PA-9999'; documented platforms: PA-3200 Series, ...",
                    "known": ["PA-3200 Series", "PA-400 Series"],
                }
            ]
        },
    )

    type: str = Field(description="The problem type, a URI: urn:hakb:problem:<error>")
    title: str = Field(description="A short summary of the problem type")
    status: int = Field(description="The HTTP status code")
    detail: str = Field(description="What is wrong with this request, for a person (the same text as `message`)")
    instance: str | None = Field(default=None, description="The request path the problem occurred on")
    error: str = Field(description="A short machine-readable code clients may branch on (`unknown_model`)")
    message: str = Field(description="What is wrong, for a person")
    errors: list[dict[str, object]] | None = Field(
        default=None, description="Validation errors: each bad field's location, message and type"
    )


class ScopeOption(BaseModel):
    value: str  # what to send back in `scope` ("vm-series", "11.1")
    label: str  # what to show ("VM-Series", "PAN-OS 11.1 & later")


class CoveredScope(BaseModel):
    product: str
    product_name: str
    # Defaults, not required: the schema's examples drop null values (FastAPI encodes the
    # OpenAPI document without them), and the example must still be a valid response.
    deployment: str | None = None
    deployment_name: str | None = None
    versions: str  # "PAN-OS 10.1, 10.2, current", "current docs"
    label: str  # "VM-Series on AWS (PAN-OS 11.1 & later)"


class ScopesResponse(BaseModel):
    build_id: str
    products: list[ScopeOption]
    deployments: list[ScopeOption]
    versions: list[ScopeOption]
    scopes: list[CoveredScope]  # each product and deployment the documents cover, with its versions


class Passage(BaseModel):
    """One passage retrieval found, with its scores and the scope it holds for."""

    rank: int = Field(description="1 for the best")
    score: float = Field(
        description="The fused score (reciprocal-rank fusion of keyword and dense, plus exact identifiers)"
    )
    dense: float = Field(description="Cosine similarity of the passage to the query (0 when dense search missed it)")
    keyword: float = Field(description="BM25 score of the passage (0 when keyword search missed it)")
    chunk_id: str
    doc_id: str
    title: str
    url: str | None
    section: str
    text: str
    version: str | None
    scope: Scope | None
    scope_label: str = Field(description="What the passage holds for: 'CN-Series on AWS · PAN-OS 10.2 & later'")


class SearchResponse(BaseModel):
    query: str
    build_id: str
    scope: str | None = Field(default=None, description="The scope searched, as asked; null: every passage")
    count: int
    passages: list[Passage]
    uncovered: list[str] = Field(
        default_factory=list, description="What the scope names that no document covers (then nothing is found)"
    )
    covered: str | None = Field(default=None, description="What the documents do cover, when `uncovered` is not empty")


class DocumentEntry(BaseModel):
    doc_id: str
    title: str
    url: str | None
    version: str | None
    kind: str = Field(description="text, markdown or html: how the document was read")
    scope: Scope | None
    scope_label: str
    build_id: str = Field(description="The build that serves it")
    facts: int = Field(description="Facts read from it")
    chunks: int = Field(description="Passages it was cut into")


class DocumentsResponse(BaseModel):
    build_id: str
    count: int = Field(description="Every document of the build")
    documents: list[DocumentEntry] = Field(description="This page of them")
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next page; null on the last page"
    )


class FeedbackCursorPage(FeedbackPage):
    next_cursor: str | None = Field(
        default=None, description="Pass as ?cursor= for the next (older) page; null on the last page"
    )
