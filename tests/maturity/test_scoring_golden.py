"""Golden test: one goal scored for two faculties from a small fixed dataset, every step by hand.

Strategy 2021-01-01 → 2025-01-01, period 2022, status on 2023-01-01. Goal G1 has two indicators
of weight 1:

- I1: K1 (weight 2) share of courses with a digital exam — progress, higher, ratio, b 20 %, t 80 %;
      K2 (weight 1) students per teacher — maintain, band [15, 20] ± 5, headcount-weighted mean;
      M1 (weight 1) survey dimension "digital teaching" — progress from 40 to 70, k = 5.
- I2: K3 (weight 1) faculty digital plan adopted — binary, higher;
      K4 (weight 1) paper forms in use — progress, lower, sum, b 200, t 50 (FAC-A: its own t 120;
      its revised t 100 from 2023-01-01 does not govern 2022).

FAC-A has departments A1 and A2 (their records roll up); FAC-B reports itself.
"""

from dataclasses import dataclass
from datetime import date

import pytest

from maturity.periods import Period
from maturity.scoring import (
    Aggregation,
    Band,
    Combined,
    GoalScore,
    Pace,
    PaceStatus,
    UnitValue,
    Weighted,
    expected_progress,
    goal_score,
    group_stats_from_sums,
    indicator_score,
    kpi_progress,
    pace,
    roll_up,
    valid_row,
)

FAC_A, FAC_B = 1, 2
PERIOD = Period.parse("2022")
K = 5


@dataclass(frozen=True)
class Target:
    unit_id: int | None
    valid_from: date
    value: float


K4_TARGETS = [
    Target(None, date(2021, 1, 1), 50),
    Target(FAC_A, date(2021, 1, 1), 120),
    Target(FAC_A, date(2023, 1, 1), 100),
]


@dataclass(frozen=True)
class FacultyScores:
    k1: float | None
    k2: float | None
    m1: float | None
    i1: Combined
    i2: Combined
    goal: GoalScore
    pace: Pace


def progress(mode: str, direction: str, actual: float | None, **reference: object) -> float | None:
    if actual is None:
        return None
    result = kpi_progress(mode, actual, direction=direction, **reference)  # type: ignore[arg-type]
    return None if result is None else result.score


def faculty_scores(unit_id: int, records: dict[str, list[UnitValue]], answers: list[float]) -> FacultyScores:
    k1 = roll_up(Aggregation.RATIO, records["K1"])
    k2 = roll_up(Aggregation.MEAN, records["K2"])
    k3 = roll_up(Aggregation.SUM, records["K3"])
    k4 = roll_up(Aggregation.SUM, records["K4"])
    survey = group_stats_from_sums(len(answers), sum(answers), sum(a * a for a in answers))
    m1 = survey.mean if survey.n >= K else None  # fewer than k respondents: no figure, no data
    k4_target = valid_row(K4_TARGETS, PERIOD.end, unit_id)
    assert k4_target is not None
    i1 = indicator_score(
        [
            Weighted(2, progress("progress", "higher", k1, baseline=20, target=80)),
            Weighted(1, progress("maintain", "higher", k2, band=Band(15, 20, 5))),
            Weighted(1, progress("progress", "higher", m1, baseline=40, target=70)),
        ]
    )
    i2 = indicator_score(
        [
            Weighted(1, progress("binary", "higher", k3)),
            Weighted(1, progress("progress", "lower", k4, baseline=200, target=k4_target.value)),
        ]
    )
    goal = goal_score([(1, i1), (1, i2)])
    expected = expected_progress(date(2023, 1, 1), date(2021, 1, 1), date(2025, 1, 1))
    return FacultyScores(k1, k2, m1, i1, i2, goal, pace(goal.score, expected))


def test_faculty_a() -> None:
    scores = faculty_scores(
        FAC_A,
        {
            "K1": [UnitValue(numerator=30, denominator=40), UnitValue(numerator=10, denominator=60)],
            "K2": [UnitValue(value=22, headcount=30), UnitValue(value=18, headcount=10)],
            "K3": [UnitValue(value=1)],
            "K4": [UnitValue(value=60), UnitValue(value=80)],
        },
        answers=[50, 75, 75, 50, 100, 50],
    )
    # K1: (30 + 10) / (40 + 60) = 40 % (the mean of 75 % and 16.7 % would be 45.8 %);
    #     progress (40 − 20) / (80 − 20) = 1/3 → 33.33.
    assert scores.k1 == pytest.approx(40)
    # K2: (30·22 + 10·18) / 40 = 840/40 = 21, one above the band: 100·(1 − 1/5) = 80.
    assert scores.k2 == pytest.approx(21)
    # M1: n = 6 ≥ k, mean 400/6 = 66.67; progress (66.67 − 40) / (70 − 40) = 26.67/30 → 88.89.
    assert scores.m1 == pytest.approx(400 / 6)
    # I1: (2·33.33 + 1·80 + 1·88.89) / 4 = (600/9 + 720/9 + 800/9) / 4 = 530/9 = 58.89, coverage 1.
    i1 = scores.i1
    assert (i1.score, i1.coverage) == (pytest.approx(530 / 9), 1)
    # I2: K3 yes → 100; K4: 60 + 80 = 140 forms, FAC-A's own target 120 valid on 2022-12-31:
    #     (140 − 200) / (120 − 200) = −60/−80 = 0.75 → 75. I2 = (100 + 75)/2 = 87.5.
    assert scores.i2.score == pytest.approx(87.5)
    # Goal: (58.89 + 87.5)/2 = (530/9 + 787.5/9)/2 = 1317.5/18 = 73.19; weakest I1 (index 0).
    goal = scores.goal
    assert (goal.score, goal.weakest) == (pytest.approx(1317.5 / 18), 0)
    # Pace: expected 100·730/1461 = 49.97; health 73.19/49.97 = 1.465 ≥ 0.95 → on track.
    assert scores.pace.status == PaceStatus.ON_TRACK
    assert scores.pace.health == pytest.approx((1317.5 / 18) / (100 * 730 / 1461))


def test_faculty_b() -> None:
    scores = faculty_scores(
        FAC_B,
        {
            "K1": [UnitValue(numerator=45, denominator=50)],
            "K2": [UnitValue(value=12, headcount=25)],
            "K3": [UnitValue(value=0)],
            "K4": [UnitValue(value=230)],
        },
        answers=[100, 75, 75],
    )
    # K1: 45/50 = 90 %; (90 − 20)/(80 − 20) = 7/6: raw 116.7, clamped to 100.
    assert scores.k1 == pytest.approx(90)
    # K2: 12, three below the band: 100·(1 − 3/5) = 40.
    # M1: n = 3 < k = 5: no figure, so no data; the weights renormalise over K1 and K2.
    assert scores.m1 is None
    # I1: (2·100 + 1·40) / 3 = 240/3 = 80, coverage 3/4.
    i1 = scores.i1
    assert (i1.score, i1.coverage, i1.insufficient) == (pytest.approx(80), 0.75, False)
    # I2: K3 no → 0; K4: no own target, the organisation's 50: (230 − 200)/(50 − 200) = −0.2 → 0.
    #     I2 = (0 + 0)/2 = 0.
    assert scores.i2.score == 0
    # Goal: (80 + 0)/2 = 40; weakest I2 (index 1).
    goal = scores.goal
    assert (goal.score, goal.weakest) == (pytest.approx(40), 1)
    # Pace: health 40 / 49.97 = 0.80 < 0.85 → at risk.
    assert scores.pace.status == PaceStatus.AT_RISK
