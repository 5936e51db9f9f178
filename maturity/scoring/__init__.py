"""The arithmetic of scores: pure functions, no database and no web (DESIGN.md §Scoring).

All scores live on 0–100: question scores, KPI progress (100 = target reached), survey dimension
scores, indicator and goal scores, and expected progress. Coverage and health are ratios (0–1).

- ``questions``: one answer → a score;
- ``kpi``: KPI progress (``progress``, ``maintain``, ``binary``), the baseline/target row valid on
  a date, roll-up across units (``sum``, ``ratio``, ``mean``, ``institution_only``);
- ``combine``: indicator and goal scores as weighted means over what has data, with coverage;
- ``pace``: expected progress at a date (elapsed fraction or milestone steps) and the status (achieved, on track, behind, at risk);
- ``statistics``: n, mean, sd, 95 % confidence interval of a group of respondent scores;
- ``trend``: change against the previous round (outside the noise) or period (beyond the shown precision).

Disclosure control (which figures may be shown) is ``maturity.disclosure``.
"""

from maturity.scoring.combine import (
    MIN_COVERAGE,
    Combined,
    GoalScore,
    Weighted,
    goal_score,
    indicator_score,
    weighted_pairs,
    weighted_score,
)
from maturity.scoring.kpi import (
    Aggregation,
    Band,
    DatedRow,
    Direction,
    Progress,
    ScoringMode,
    UnitValue,
    binary_score,
    kpi_progress,
    maintain_score,
    progress_towards,
    roll_up,
    valid_row,
)
from maturity.scoring.pace import (
    DEFAULT_THRESHOLDS,
    Expected,
    FinalThresholds,
    Milestone,
    Pace,
    PaceStatus,
    PaceThresholds,
    expected_at,
    expected_progress,
    final_status,
    milestone_problems,
    pace,
    stepped_progress,
)
from maturity.scoring.questions import LEVELS, LIKERT_POINTS, question_score
from maturity.scoring.statistics import GroupStats, group_stats, group_stats_from_sums, t_critical
from maturity.scoring.trend import Change, Trend, survey_trend, value_trend

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LEVELS",
    "LIKERT_POINTS",
    "MIN_COVERAGE",
    "Aggregation",
    "Band",
    "Change",
    "Combined",
    "DatedRow",
    "Direction",
    "Expected",
    "FinalThresholds",
    "GoalScore",
    "GroupStats",
    "Milestone",
    "Pace",
    "PaceStatus",
    "PaceThresholds",
    "Progress",
    "ScoringMode",
    "Trend",
    "UnitValue",
    "Weighted",
    "binary_score",
    "expected_at",
    "expected_progress",
    "final_status",
    "goal_score",
    "group_stats",
    "group_stats_from_sums",
    "indicator_score",
    "kpi_progress",
    "maintain_score",
    "milestone_problems",
    "pace",
    "progress_towards",
    "question_score",
    "roll_up",
    "stepped_progress",
    "survey_trend",
    "t_critical",
    "valid_row",
    "value_trend",
    "weighted_pairs",
    "weighted_score",
]
