"""KPI arithmetic: progress towards a target, the target valid for a period, and roll-up across units.

Scale: a KPI's progress is a score on 0–100 like every other score (100 = target reached).
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol, TypeVar


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class ScoringMode(StrEnum):
    PROGRESS = "progress"  # from baseline towards target
    MAINTAIN = "maintain"  # stay inside a band
    BINARY = "binary"  # done (1) or not (0)


class Aggregation(StrEnum):
    SUM = "sum"
    RATIO = "ratio"
    MEAN = "mean"
    INSTITUTION_ONLY = "institution_only"


@dataclass(frozen=True, slots=True)
class Progress:
    """``score`` is clamped to 0–100; ``raw`` is not, so 130 shows a target beaten by 30 % of the way."""

    score: float
    raw: float


@dataclass(frozen=True, slots=True)
class Band:
    """A ``maintain`` KPI's target: inside [lower, upper] is 100, falling linearly to 0 at ``tolerance``
    beyond either bound."""

    lower: float
    upper: float
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if self.lower > self.upper:
            raise ValueError(f"band lower {self.lower} above upper {self.upper}")
        if self.tolerance < 0:
            raise ValueError(f"negative tolerance {self.tolerance}")


def clamp(value: float, low: float = 0.0, high: float = 100.0) -> float:
    return min(high, max(low, value))


def _reached(actual: float, target: float, direction: Direction) -> bool:
    """a is at or beyond t in the good direction."""
    return actual >= target if direction == Direction.HIGHER else actual <= target


def progress_towards(actual: float, baseline: float, target: float, direction: Direction) -> Progress:
    """``progress``: raw = 100 · (a − b) / (t − b), score = clamp(raw, 0, 100).

    The target sets the way: with t < b the KPI improves by going down, whatever ``direction`` says.
    ``direction`` decides only t = b, where the score is 100 if a is at or beyond t in the good
    direction (a ≥ t when higher is better, a ≤ t when lower is better) and 0 otherwise (raw = score).
    """
    if target == baseline:
        score = 100.0 if _reached(actual, target, Direction(direction)) else 0.0
        return Progress(score, score)
    raw = 100 * ((actual - baseline) / (target - baseline))  # a = t gives exactly 100
    return Progress(clamp(raw), raw)


def maintain_score(actual: float, band: Band) -> Progress:
    """``maintain``: 100 for L ≤ a ≤ U; outside, with d the distance to the nearer bound and τ the
    tolerance, 100 · (1 − d/τ) down to 0 at d = τ (τ = 0: 0 as soon as d > 0). raw = score: staying
    inside a band cannot be over-achieved."""
    distance = max(band.lower - actual, actual - band.upper, 0.0)
    if distance == 0:
        score = 100.0
    elif band.tolerance == 0:
        score = 0.0
    else:
        score = clamp(100 * (1 - distance / band.tolerance))
    return Progress(score, score)


def binary_score(actual: float, direction: Direction, target: float | None = None) -> Progress:
    """``binary``: 100 if a is at or beyond t in the good direction, else 0. Without a target, t is 1
    (yes) when higher is better and 0 when lower is better."""
    if target is None:
        target = 1.0 if Direction(direction) == Direction.HIGHER else 0.0
    score = 100.0 if _reached(actual, target, Direction(direction)) else 0.0
    return Progress(score, score)


def kpi_progress(
    mode: ScoringMode | str,
    actual: float,
    *,
    direction: Direction | str,
    baseline: float | None = None,
    target: float | None = None,
    band: Band | None = None,
) -> Progress | None:
    """The progress of one KPI value, by its scoring mode; None when the mode's reference is missing
    (``progress`` without a baseline or target, ``maintain`` without a band): such a KPI has no data."""
    direction = direction if isinstance(direction, Direction) else Direction(direction)
    match mode if isinstance(mode, ScoringMode) else ScoringMode(mode):
        case ScoringMode.PROGRESS:
            if baseline is None or target is None:
                return None
            return progress_towards(actual, baseline, target, direction)
        case ScoringMode.MAINTAIN:
            return None if band is None else maintain_score(actual, band)
        case ScoringMode.BINARY:
            return binary_score(actual, direction, target)


class DatedRow(Protocol):
    """A baseline or target row: ``unit_id`` None means organisation-wide (``KpiTarget`` fits)."""

    @property
    def unit_id(self) -> int | None: ...

    @property
    def valid_from(self) -> date: ...


Row = TypeVar("Row", bound=DatedRow)


def valid_row(rows: Iterable[Row], on: date, unit_id: int | None = None) -> Row | None:
    """The row valid on a date: among the unit's own rows with valid_from ≤ ``on`` the latest; if the
    unit has none, among the organisation-wide rows the latest. For a reporting period ``on`` is the
    period's last day (``Period.end``), as ``KpiTarget`` documents: a target dated inside a period
    governs that period, and adding a row never changes a period that ended before it."""
    rows = list(rows)
    for candidate in (unit_id, None) if unit_id is not None else (None,):
        dated = [r for r in rows if r.unit_id == candidate and r.valid_from <= on]
        if dated:
            return max(dated, key=lambda r: r.valid_from)
    return None


@dataclass(frozen=True, slots=True)
class UnitValue:
    """One unit's KPI value for a period, as the roll-up needs it."""

    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None
    headcount: float | None = None


def roll_up(aggregation: Aggregation | str, values: Iterable[UnitValue]) -> float | None:
    """One value for several units (None when nothing counts):

    - ``sum``: Σ vᵢ over units with a value;
    - ``ratio``: 100 · Σ numᵢ / Σ denᵢ over units with both, as a percentage like the records
      (never the mean of the rates); None when Σ denᵢ = 0;
    - ``mean``: Σ hᵢ·vᵢ / Σ hᵢ over units with a value and a headcount hᵢ > 0;
    - ``institution_only``: None; such a KPI is only ever the institution's own record.
    """
    values = list(values)
    match Aggregation(aggregation):
        case Aggregation.SUM:
            present = [v.value for v in values if v.value is not None]
            return math.fsum(present) if present else None
        case Aggregation.RATIO:
            pairs = [
                (v.numerator, v.denominator) for v in values if v.numerator is not None and v.denominator is not None
            ]
            denominator = math.fsum(d for _, d in pairs)
            return 100 * math.fsum(n for n, _ in pairs) / denominator if denominator else None
        case Aggregation.MEAN:
            weighted = [
                (v.headcount, v.value) for v in values if v.value is not None and v.headcount and v.headcount > 0
            ]
            total = math.fsum(h for h, _ in weighted)
            return math.fsum(h * v for h, v in weighted) / total if total else None
        case Aggregation.INSTITUTION_ONLY:
            return None
