"""Evidence: one candidate answer, a fact or a passage sentence, on one scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hakb.ingest.models import Citation, Fact

# The features every candidate carries, in the order the ranker's weights use.
# Adding one means re-fitting the weights (`hakb train-ranker`); the ranker
# refuses weights fitted on another list.
FEATURES: tuple[str, ...] = (
    "is_fact",  # a row of the facts table rather than a passage sentence
    "rule",  # the candidate is the lookup rules' whole answer to this question
    "rule_conf",  # how sure the lookup rules were (0 for other candidates)
    "fact_cov",  # share of the question's weighted words in the fact (quote, row label, value)
    "value_cov",  # share of the question in the fact's own value, qualifier and protocol (rows that share a quote differ here)
    "pass_cov",  # the same for a passage sentence (with its section and list items)
    "rare",  # the question's rarest known word is in the evidence
    "unknown",  # share of the question's weight the documents never use (question-level)
    "foreign",  # share of it in words rare in English too: a product or protocol they do not cover
    "subject",  # +1 the evidence is about the link asked, -1 about another link only
    "attribute",  # the fact's attribute is one the question asks for
    "qualifier",  # +1 agrees with the question's qualifier (encrypted, clear text ...), -1 contradicts
    "platform",  # +1 scoped to the platform asked, -1 to another one, -0.5 platform-only for a general question
    "numbers",  # +1 holds the numbers the question names, -1 misses them
    "dense",  # cosine of question and passage (0 for facts)
    "rank",  # 1 / (1 + the passage's rank in hybrid retrieval)
    "lists",  # the sentence introduces a list and brings its items
    "step",  # the sentence is a UI step ("Select ...")
    "short",  # the evidence text is very short
    "yes_no",  # the question asks yes or no (question-level)
    "window",  # the evidence is a sentence with the two that follow it
    "asks_how",  # the question asks how (a procedure): question-level
    "asks_why",  # the question asks why (a reason): question-level
    "window_how",  # a window for a how or why question
    "shape",  # +1 the sentence holds a value of the shape asked for (a port number), -1 it holds none
    "polar",  # -1: the sentence affirms what the question negates ("enable encryption" for "without encryption")
    "decides",  # a yes/no question's sentence that says yes or no of it (its clause decides it)
    "head",  # share of the question a window's first sentence says itself (a sentence alone: all it says)
    "reason",  # a why question's sentence that gives a cause or a purpose ("because", "to avoid")
)


# Fitted, never scored. What kind of question it is (how, why) is no evidence: such a
# feature shifts every candidate of a question alike, so it cannot reorder them, only move
# the abstain guard. In the fit these absorb how often each kind's candidates hold the
# gold, so the evidence features are learned net of it; scored, they made the guard
# withhold answers to "how do I ..." questions the documents answer step by step.
# "yes or no" stays scored: unscored, it answered yes/no questions about products no
# document covers instead of abstaining, and won nothing on the dev split.
FIT_ONLY: tuple[str, ...] = ("asks_how", "asks_why")


@dataclass
class Evidence:
    text: str  # the sentence or the fact's quote
    citation: Citation
    source: Literal["fact", "passage"]
    fact: Fact | None = None
    items: list[str] = field(default_factory=list)  # list items a sentence introduces
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    rank: int = 0  # passage rank in retrieval (0 for facts)
    # The lookup rules' whole answer as one candidate: every fact they picked, worded
    # by them. It competes with single facts and sentences like any other evidence.
    bundle: list[Fact] = field(default_factory=list)
    rendered: str | None = None
    # A passage sentence's procedure: the instructions that follow what `text` says, in its
    # section. Not scored; a "how do I" answer says them.
    steps: list[str] = field(default_factory=list)

    def vector(self) -> list[float]:
        return [float(self.features.get(name, 0.0)) for name in FEATURES]
