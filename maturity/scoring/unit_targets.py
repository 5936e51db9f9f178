"""Which baseline and target a unit below the institution is scored against, by the KPI's
aggregation (DESIGN.md §Domain, KPI):

- ``sum`` (counts, money, volumes): the unit's own row; else, when the KPI declares a cascade
  key, the parent's value *cascaded*: what the parent's value leaves after the children with
  rows of their own, apportioned over the other children by their share of the key — their
  values in the baseline period (``baseline``) or their headcount (``headcount``); else none,
  and the unit shows its value without progress ("no target for this unit").
- ``ratio`` and ``mean``: the unit's own row, else the institution's (*inherited*).
- ``institution_only``: not scored below the institution.

Apportioning makes the children's values add up to the parent's whenever every child gets one.
"""

import math
from collections.abc import Hashable, Mapping
from enum import StrEnum
from typing import TypeVar

from maturity.scoring.kpi import Aggregation

K = TypeVar("K", bound=Hashable)

# Explicit targets of children may differ from their parent's by this share before a warning.
SUM_TOLERANCE = 0.005


class Cascade(StrEnum):
    """How a ``sum`` KPI's baseline and target reach a unit without rows of its own."""

    NONE = "none"  # no target for such a unit
    BASELINE = "baseline"  # by the unit's share of its siblings' values in the period before the baseline
    HEADCOUNT = "headcount"  # by the unit's share of its siblings' headcount


class TargetSource(StrEnum):
    """Where a unit's baseline or target comes from (pages and reports say it in words)."""

    INSTITUTION = "institution"  # the institution's own row
    OWN = "own"  # the unit's own row
    CASCADED = "cascaded"  # the parent's, apportioned by the KPI's cascade key
    INHERITED = "inherited"  # the institution's row applies (ratio and mean KPIs)
    NONE = "none"  # no target for this unit: value and trend only
    NOT_BELOW_INSTITUTION = "not_below_institution"  # institution_only KPIs


def below_institution_rule(aggregation: Aggregation | str, cascade: Cascade | str) -> TargetSource:
    """How a unit below the institution without a row of its own gets a value."""
    match Aggregation(aggregation):
        case Aggregation.INSTITUTION_ONLY:
            return TargetSource.NOT_BELOW_INSTITUTION
        case Aggregation.RATIO | Aggregation.MEAN:
            return TargetSource.INHERITED
        case Aggregation.SUM:
            return TargetSource.NONE if Cascade(cascade) == Cascade.NONE else TargetSource.CASCADED


def apportion(parent: float, explicit: Mapping[K, float], keys: Mapping[K, float | None]) -> dict[K, float]:
    """The cascaded values of the children without an explicit one: the rest r = parent − Σ
    explicit, shared by key: r · kᵢ / Σ k over the children in ``keys`` (not in ``explicit``) with
    a key above 0. Children without a positive key get nothing (no target); so do all when Σ k = 0.
    When every child gets a value, Σ explicit + Σ cascaded = parent."""
    rest = parent - math.fsum(explicit.values())
    shares = {child: key for child, key in keys.items() if child not in explicit and key is not None and key > 0}
    total = math.fsum(shares.values())
    if total <= 0:
        return {}
    return {child: rest * key / total for child, key in shares.items()}


def adds_up(parent: float, children: list[float], tolerance: float = SUM_TOLERANCE) -> bool:
    """The children's values add up to the parent's within ``tolerance`` of its size (or of 1)."""
    return abs(math.fsum(children) - parent) <= tolerance * max(abs(parent), 1.0)
