"""Request and response bodies of the HTTP API (kept apart from the engine's models)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hakb.ingest.models import Citation, Fact


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
