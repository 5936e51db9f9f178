"""Trend against the previous round or period: when is a difference a change?"""

import math
from dataclasses import dataclass
from enum import StrEnum

from maturity.scoring.kpi import Direction
from maturity.scoring.statistics import GroupStats, t_critical


class Change(StrEnum):
    UP = "up"
    DOWN = "down"
    STEADY = "steady"  # a difference, if any, within the noise (survey) or the shown precision (KPI)
    UNKNOWN = "unknown"  # nothing to compare with


@dataclass(frozen=True, slots=True)
class Trend:
    """``difference`` = current − previous; for surveys also its 95 % interval (``low``, ``high``)."""

    change: Change
    difference: float | None = None
    low: float | None = None
    high: float | None = None

    def improved(self, direction: Direction | str = Direction.HIGHER) -> bool | None:
        """True for a change in the good direction, False for one in the bad, None otherwise."""
        if self.change not in (Change.UP, Change.DOWN):
            return None
        return (self.change == Change.UP) == (Direction(direction) == Direction.HIGHER)


def survey_trend(current: GroupStats, previous: GroupStats) -> Trend:
    """Change in a group's mean score between two rounds (independent samples, Welch):

    d = m₁ − m₀, se = √(s₁²/n₁ + s₀²/n₀), interval d ± t₀.₉₇₅(ν)·se with the Welch–Satterthwaite
    ν = se⁴ / ((s₁²/n₁)²/(n₁−1) + (s₀²/n₀)²/(n₀−1)), rounded down (the wider, cautious interval).
    A change (up or down) only when that interval excludes 0; unknown unless both groups have n ≥ 2.
    With both standard deviations 0 the interval is the point d.
    """
    if current.mean is None or previous.mean is None:
        return Trend(Change.UNKNOWN)
    difference = current.mean - previous.mean
    if current.sd is None or previous.sd is None:
        return Trend(Change.UNKNOWN, difference)
    v1, v0 = current.sd**2 / current.n, previous.sd**2 / previous.n
    variance = v1 + v0
    if variance == 0:
        low = high = difference
    else:
        r1, r0 = v1 / max(v1, v0), v0 / max(v1, v0)  # scaled to 1 so tiny variances do not underflow
        df = (r1 + r0) ** 2 / (r1**2 / (current.n - 1) + r0**2 / (previous.n - 1))
        half = t_critical(max(1, math.floor(df))) * math.sqrt(variance)
        low, high = difference - half, difference + half
    change = Change.UP if low > 0 else Change.DOWN if high < 0 else Change.STEADY
    return Trend(change, difference, low, high)


def value_trend(current: float | None, previous: float | None, decimals: int = 0) -> Trend:
    """Change in a value without sampling error (a KPI record, an indicator or goal score): a change
    when |current − previous| is at least one step of the shown precision, 10^−decimals (a KPI's
    ``decimals``; 0 for scores shown as whole numbers). Smaller differences are steady."""
    if current is None or previous is None:
        return Trend(Change.UNKNOWN)
    difference = current - previous
    step = 10.0**-decimals
    if abs(difference) < step * (1 - 1e-9):  # 0.3 − 0.2 is 0.0999…: one step despite binary floats
        return Trend(Change.STEADY, difference)
    return Trend(Change.UP if difference > 0 else Change.DOWN, difference)
