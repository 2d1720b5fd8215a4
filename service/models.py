"""Answer shapes the engine returns and every adapter (HTTP, Slack, CLI, page) renders."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from hakb.ingest.models import Citation, Fact

AnswerKind = Literal["fact", "passage", "abstain"]


class Conflict(BaseModel):
    """Documents that give different values for the same subject and attribute."""

    subject: str
    attribute: str
    values: list[str]  # each value once, in the order first seen
    sources: list[str]  # document titles, aligned with `values`


class Answer(BaseModel):
    question: str
    answer: str  # plain text a person reads; yes/no questions start with "Yes" or "No"
    kind: AnswerKind
    confidence: float = Field(ge=0.0, le=1.0)
    facts: list[Fact] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    # Yes/no questions: "yes" or "no" when the top evidence decides it, else None.
    verdict: Literal["yes", "no"] | None = None
    # The top evidence score before the abstain guard (0..1); the eval's risk-coverage
    # curve is drawn from it. None when nothing was found at all.
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    looked_for: str | None = None  # what the engine searched for (shown when abstaining)
    build_id: str | None = None
    timing_ms: float = 0.0
