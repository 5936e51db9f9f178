"""Indicator and goal scores: weighted means over what has data, with coverage."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from maturity.scoring.kpi import clamp

MIN_COVERAGE = 0.5  # below half the weight with data, a score is "insufficient data"


@dataclass(frozen=True, slots=True)
class Weighted:
    """A measure (KPI or survey measure) of an indicator: its weight and its score on 0–100, None
    when it has no data for the period."""

    weight: float
    score: float | None

    def __post_init__(self) -> None:
        if not self.weight > 0:
            raise ValueError(f"weight {self.weight} must be positive")


@dataclass(frozen=True, slots=True)
class Combined:
    """``score`` on 0–100 (None when nothing has data); ``coverage`` on 0–1; ``insufficient`` when
    coverage < 50 %: the score is shown for explanation but gets no status and no colour."""

    score: float | None
    coverage: float
    insufficient: bool


@dataclass(frozen=True, slots=True)
class GoalScore(Combined):
    """``weakest``: the position in the input of the lowest-scoring indicator with sufficient data
    (the first on ties), None when there is none."""

    weakest: int | None = None


def weighted_score(items: Sequence[Weighted]) -> Combined:
    """score = Σ wᵢ·sᵢ / Σ wᵢ over items with data (the weights renormalise);
    coverage = Σ wᵢ with data / Σ wᵢ of all items; insufficient when coverage < MIN_COVERAGE.
    No items at all: no score, coverage 0, insufficient."""
    return weighted_pairs([(i.weight, i.score) for i in items])


def weighted_pairs(items: Sequence[tuple[float, float | None]]) -> Combined:
    """``weighted_score`` of (weight, score) pairs whose weights the caller has checked (a
    ``Weighted`` each, made once): scoring every unit composes tens of thousands."""
    total = math.fsum(w for w, _ in items)
    present = [(w, s) for w, s in items if s is not None]
    with_data = math.fsum(w for w, _ in present)
    coverage = with_data / total if total else 0.0
    score = None
    if present:
        # clamp guards the invariant 0–100 against floating-point rounding only
        score = clamp(math.fsum(w * s for w, s in present) / with_data)
    return Combined(score, coverage, coverage < MIN_COVERAGE)


indicator_score = weighted_score
"""Indicator score: weighted mean of its measures' progress (KPIs and survey measures)."""


def goal_score(indicators: Sequence[tuple[float, Combined]]) -> GoalScore:
    """Goal score: weighted mean of its indicators' scores as in ``weighted_score``, where an indicator
    with insufficient data counts as having no data (it lowers the goal's coverage, not its score);
    weakest = the lowest of the indicators that count."""
    counted = [(w, c.score if not c.insufficient else None) for w, c in indicators]
    combined = weighted_score([Weighted(w, s) for w, s in counted])
    scored = [(s, i) for i, (_, s) in enumerate(counted) if s is not None]
    weakest = min(scored)[1] if scored else None
    return GoalScore(combined.score, combined.coverage, combined.insufficient, weakest)
