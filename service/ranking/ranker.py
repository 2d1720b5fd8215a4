"""The ranker: a logistic model over evidence features, fitted on the dev split.

The weights live beside this module (`weights.json`) and are written by
`hakb train-ranker`, never edited by hand; loading them needs numpy only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from hakb.errors import ConfigError
from hakb.service.ranking.evidence import FEATURES, FIT_ONLY, Evidence

WEIGHTS_PATH = Path(__file__).with_name("weights.json")


class RankerError(ConfigError):
    """The saved weights do not fit this code's features."""


@dataclass(frozen=True)
class LinearRanker:
    weights: tuple[float, ...]
    bias: float
    threshold: float  # below this top score the guard abstains
    fast: float  # a fact scoring this high is answered without a passage search

    @classmethod
    def load(cls, path: Path = WEIGHTS_PATH) -> LinearRanker:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if tuple(raw["features"]) != FEATURES:
            raise RankerError(f"{path} was fitted on other features; run `hakb train-ranker`")
        return cls(
            weights=scoring_weights([float(raw["weights"][name]) for name in FEATURES]),
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            fast=float(raw.get("fast", 0.9)),
        )

    def score(self, evidence: list[Evidence]) -> None:
        for e in evidence:
            z = self.bias + sum(w * x for w, x in zip(self.weights, e.vector(), strict=True))
            e.score = 1.0 / (1.0 + math.exp(-z))


def scoring_weights(fitted: list[float]) -> tuple[float, ...]:
    """The fitted weights as the engine scores with them: the fit-only features at 0."""
    return tuple(0.0 if name in FIT_ONLY else w for name, w in zip(FEATURES, fitted, strict=True))


class CoverageRanker:
    """The ablation: evidence scored by word coverage alone (`--ablate ranker`)."""

    threshold = 0.45
    fast = 2.0  # never skip the passages

    def score(self, evidence: list[Evidence]) -> None:
        for e in evidence:
            e.score = max(e.features.get("fact_cov", 0.0), e.features.get("pass_cov", 0.0))
