"""Statistics of a group of respondent scores: n, mean, standard deviation, 95 % confidence interval.

The SQL aggregation yields n, Σx and Σx² (or n, mean, sd); nothing here sees single answers.
The Student t quantile is computed here (no SciPy): exactly for df ≤ 200, by bisection on the
closed-form t distribution for integer degrees of freedom (Abramowitz & Stegun 26.7.3–4), and by
the Cornish–Fisher expansion to the fourth order above (A&S 26.7.5; error below 1e-11 there).
"""

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

from maturity.scoring.kpi import clamp

CONFIDENCE = 0.95
_EXACT_UP_TO = 200


def _two_sided_probability(t: float, df: int) -> float:
    """A(t|ν) = P(|T| ≤ t) for Student's T with ν = df degrees of freedom (A&S 26.7.3 and 26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    if df % 2:  # odd: (2/π)·(θ + sinθ·(cosθ + ⅔cos³θ + … + (2·4···(ν−3))/(1·3···(ν−2))·cos^(ν−2)θ))
        term, series = math.cos(theta), 0.0
        for j in range(1, (df - 1) // 2 + 1):
            series += term
            term *= cos2 * (2 * j) / (2 * j + 1)
        return 2 / math.pi * (theta + math.sin(theta) * series)
    # even: sinθ·(1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3···(ν−3))/(2·4···(ν−2))·cos^(ν−2)θ)
    term, series = 1.0, 0.0
    for j in range(1, df // 2 + 1):
        series += term
        term *= cos2 * (2 * j - 1) / (2 * j)
    return math.sin(theta) * series


@lru_cache(maxsize=4096)
def t_critical(df: int) -> float:
    """t such that P(|T| ≤ t) = 95 % for ``df`` degrees of freedom (12.706 for df = 1, 1.960 as df → ∞)."""
    if df < 1:
        raise ValueError(f"degrees of freedom {df} below 1")
    if df > _EXACT_UP_TO:
        x = NormalDist().inv_cdf((1 + CONFIDENCE) / 2)
        g1 = (x**3 + x) / 4
        g2 = (5 * x**5 + 16 * x**3 + 3 * x) / 96
        g3 = (3 * x**7 + 19 * x**5 + 17 * x**3 - 15 * x) / 384
        g4 = (79 * x**9 + 776 * x**7 + 1482 * x**5 - 1920 * x**3 - 945 * x) / 92160
        return x + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = 0.0, 64.0  # df = 1 needs 12.7; A is increasing in t
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _two_sided_probability(middle, df) < CONFIDENCE:
            low = middle
        else:
            high = middle
    return high


@dataclass(frozen=True, slots=True)
class GroupStats:
    """A group of n respondent scores. ``sd`` is the sample standard deviation (divisor n − 1) and the
    interval is mean ± t₀.₉₇₅(n − 1) · sd / √n, clamped to 0–100; both need n ≥ 2 (None below)."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def standard_error(self) -> float | None:
        return None if self.sd is None else self.sd / math.sqrt(self.n)


def group_stats(n: int, mean: float | None, sd: float | None = None) -> GroupStats:
    """From n, mean and sample standard deviation (sd ignored for n < 2)."""
    if n < 0:
        raise ValueError(f"negative n {n}")
    if n == 0 or mean is None:
        return GroupStats(n, None, None, None, None)
    if n == 1 or sd is None:
        return GroupStats(n, mean, None, None, None)
    half = t_critical(n - 1) * sd / math.sqrt(n)
    return GroupStats(n, mean, sd, clamp(mean - half), clamp(mean + half))


def group_stats_from_sums(n: int, total: float, sum_of_squares: float) -> GroupStats:
    """From n, Σx and Σx²: mean = Σx/n, variance = (Σx² − (Σx)²/n)/(n − 1), floored at 0 against rounding."""
    if n == 0:
        return group_stats(0, None)
    mean = total / n
    if n == 1:
        return group_stats(1, mean)
    variance = max(0.0, (sum_of_squares - total * total / n) / (n - 1))
    return group_stats(n, mean, math.sqrt(variance))
