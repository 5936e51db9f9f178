"""Scores of a strategy for every unit in a period: KPI and survey measures → indicators → goals,
with pace and trend, composed from one call to each aggregate (no query per unit).

The entry point is ``score_period(session, strategy_id, period)``; ``indicators.scorecard``
builds one unit's page, API answer or report from it. Every figure carries what explains it (the
roll-up, the baseline and target rows, the survey figure, a ``formula`` key), and survey
figures arrive already disclosed (``surveys.figures``): a hidden one has no number, and a
measure resting on it counts as having no data, so no indicator or goal score can give it away.

Periods. The period is a reporting period label ("2025", "2025-S1"); the survey round is the
newest *closed* round whose ``period_label`` equals it (of a survey on the strategy's maturity
model when there is one), the previous round the one labelled with the previous period. A KPI is
read in its own frequency: the latest of its periods inside the period that has a value (a
semester KPI in "2025": 2025-S2, else 2025-S1); a KPI coarser than the period is read in the
period containing it. Its baseline and target are the rows valid on the last day of the KPI
period read (``valid_row``). Pace is judged at the period's end, or today if that is earlier.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Goal, Kpi, KpiTarget, ScoringMode, Strategy, SuccessIndicator, SurveyMeasure, TargetKind
from indicators.rollup import KpiRollup, kpi_rollups
from indicators.services import KpiNode, StrategyTree, load_strategy_tree
from maturity.periods import Frequency, Period
from maturity.scoring import (
    Band,
    Change,
    Combined,
    Direction,
    Expected,
    GoalScore,
    Pace,
    PaceThresholds,
    Progress,
    Trend,
    Weighted,
    expected_at,
    goal_score,
    indicator_score,
    kpi_progress,
    pace,
    progress_towards,
    survey_trend,
    value_trend,
)
from surveys.figures import NO_FIGURE, DisclosedRound, SurveyFigure, disclosed_round, unit_parents
from surveys.models import Survey, SurveyRound

# Formula keys: each names one rule, explained in the method text of pages and reports.
FORMULA_PROGRESS = "kpi.progress"  # 100 · (a − b) / (t − b), clamped to 0–100
FORMULA_MAINTAIN = "kpi.maintain"  # 100 inside [L, U], linearly to 0 at the tolerance
FORMULA_BINARY = "kpi.binary"  # 100 at or beyond the target, else 0
FORMULA_SURVEY = "survey.measure"  # 100 · (mean − baseline) / (target − baseline), clamped
FORMULA_INDICATOR = "indicator.weighted"  # Σ wᵢ·sᵢ / Σ wᵢ over measures with data; coverage
FORMULA_GOAL = "goal.weighted"  # the same over indicators with sufficient data
FORMULA_PACE = "pace"  # health = score / expected progress
FORMULAS = (
    FORMULA_PROGRESS,
    FORMULA_MAINTAIN,
    FORMULA_BINARY,
    FORMULA_SURVEY,
    FORMULA_INDICATOR,
    FORMULA_GOAL,
    FORMULA_PACE,
)
_KPI_FORMULA = {
    ScoringMode.PROGRESS: FORMULA_PROGRESS,
    ScoringMode.MAINTAIN: FORMULA_MAINTAIN,
    ScoringMode.BINARY: FORMULA_BINARY,
}
_PARTS = {Frequency.YEAR: 1, Frequency.SEMESTER: 2, Frequency.TERTIAL: 3, Frequency.QUARTER: 4, Frequency.MONTH: 12}


@dataclass(frozen=True, slots=True)
class KpiScore:
    """A KPI for a unit: the rolled-up actual of the KPI period read, the baseline and target rows
    valid for it, progress (``score`` 0–100 and unclamped ``raw``), and the trend against the
    previous period's value (``Trend.improved(kpi.direction)`` says good or bad)."""

    kpi: Kpi
    weight: float
    period: str | None  # the KPI period read; None when it has no value in the period
    rollup: KpiRollup | None  # records counted, the unit's own or its children's, newest record
    baseline: KpiTarget | None
    target: KpiTarget | None
    progress: Progress | None
    previous_period: str | None
    previous: float | None
    trend: Trend
    formula: str

    @property
    def actual(self) -> float | None:
        return self.rollup.value if self.rollup is not None else None

    @property
    def score(self) -> float | None:
        return self.progress.score if self.progress is not None else None


@dataclass(frozen=True, slots=True)
class SurveyMeasureScore:
    """A maturity dimension as a measure: the unit's disclosed dimension figure, progress from the
    measure's baseline to its target (no data when the figure is hidden), trend between rounds."""

    measure: SurveyMeasure
    figure: SurveyFigure
    previous: SurveyFigure
    progress: Progress | None
    trend: Trend
    formula: str = FORMULA_SURVEY

    @property
    def score(self) -> float | None:
        return self.progress.score if self.progress is not None else None


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    indicator: SuccessIndicator
    kpis: tuple[KpiScore, ...]
    surveys: tuple[SurveyMeasureScore, ...]
    combined: Combined  # score, coverage, insufficient
    pace: Pace
    trend: Trend  # against the previous period's score (whole points)
    formula: str = FORMULA_INDICATOR


@dataclass(frozen=True, slots=True)
class GoalResult:
    goal: Goal
    indicators: tuple[IndicatorScore, ...]
    combined: GoalScore  # score, coverage, insufficient, weakest (position)
    pace: Pace
    trend: Trend
    formula: str = FORMULA_GOAL

    @property
    def weakest(self) -> IndicatorScore | None:
        return self.indicators[self.combined.weakest] if self.combined.weakest is not None else None


@dataclass(frozen=True, slots=True)
class UnitScores:
    unit_id: int
    goals: tuple[GoalResult, ...]

    def indicators(self) -> list[IndicatorScore]:
        return [i for g in self.goals for i in g.indicators]


@dataclass
class PeriodScores:
    """Every unit's scores for a strategy and period, and what they were made from."""

    tree: StrategyTree
    period: str
    previous_period: str
    on: date  # pace is judged on this day
    expected: float  # expected progress on that day, 0–100
    expected_basis: Expected  # ... and the rule that gave it (elapsed share, or the milestone reached)
    survey_round: SurveyRound | None
    previous_round: SurveyRound | None
    survey: DisclosedRound | None
    previous_survey: DisclosedRound | None
    parents: Mapping[int, int | None]
    units: dict[int, UnitScores]

    @property
    def strategy(self) -> Strategy:
        return self.tree.strategy

    def unit(self, unit_id: int) -> UnitScores:
        return self.units[unit_id]

    def root_of(self, unit_id: int) -> int:
        while (parent := self.parents.get(unit_id)) is not None:
            unit_id = parent
        return unit_id


@lru_cache(maxsize=1024)
def kpi_periods(period: Period, frequency: str) -> list[str]:
    """The periods of a KPI's frequency to read for ``period``, latest first."""
    wanted = Frequency(frequency)
    if wanted == period.frequency:
        return [str(period)]
    if _PARTS[wanted] < _PARTS[period.frequency]:  # coarser: the one containing the period
        months = 12 // _PARTS[wanted]
        return [str(Period(period.year, wanted, (period.start.month - 1) // months + 1))]
    found = [Period(period.year, wanted, i) for i in range(1, _PARTS[wanted] + 1)]
    return [str(p) for p in reversed(found) if period.start <= p.start and p.end <= period.end]


def find_round(
    session: Session, label: str, model_id: int | None, now: datetime, round_id: int | None = None
) -> SurveyRound | None:
    """The newest closed round labelled ``label`` (or the one with ``round_id``, if it is such a
    round), of the strategy's maturity model if it has one."""
    statement = select(SurveyRound).where(col(SurveyRound.period_label) == label)
    if round_id is not None:
        statement = statement.where(col(SurveyRound.id) == round_id)
    if model_id is not None:
        statement = statement.join(Survey, col(Survey.id) == col(SurveyRound.survey_id)).where(
            col(Survey.maturity_model_id) == model_id
        )
    rounds = [r for r in session.execute(statement).scalars() if r.status(now) == "closed"]
    return max(rounds, key=lambda r: (r.opens_at, r.id or 0)) if rounds else None


@lru_cache(maxsize=1024)
def _period_end(label: str) -> date:
    return Period.parse(label).end


@dataclass
class _Inputs:
    rollups: Mapping[tuple[int, int, str], KpiRollup]
    survey: DisclosedRound | None
    thresholds: PaceThresholds
    expected: float
    references: dict[tuple[int, str, date, int | None], KpiTarget | None] = field(default_factory=dict)

    def reference(self, node: KpiNode, kind: TargetKind, on: date, unit_id: int) -> KpiTarget | None:
        """The valid row, looked up once per KPI and date unless the KPI has rows for single units."""
        rows = node.baselines if kind == TargetKind.BASELINE else node.targets
        own = unit_id if any(r.unit_id is not None for r in rows) else None
        key = (node.kpi.id or 0, kind, on, own)
        if key not in self.references:
            self.references[key] = node.valid(kind, on, unit_id)
        return self.references[key]


def _kpi_value(
    node: KpiNode, unit_id: int, period: Period, rollups: Mapping[tuple[int, int, str], KpiRollup]
) -> tuple[str | None, KpiRollup | None]:
    for label in kpi_periods(period, node.kpi.frequency):
        rollup = rollups.get((node.kpi.id or 0, unit_id, label))
        if rollup is not None and rollup.value is not None:
            return label, rollup
    return None, None


def _progress(node: KpiNode, actual: float | None, baseline: KpiTarget | None, target: KpiTarget | None) -> Any:
    if actual is None:
        return None
    band = None
    if target is not None and target.lower is not None and target.upper is not None:
        band = Band(target.lower, target.upper, target.tolerance or 0.0)
    return kpi_progress(
        node.kpi.scoring,
        actual,
        direction=node.kpi.direction,
        baseline=baseline.value if baseline is not None else None,
        target=target.value if target is not None else None,
        band=band,
    )


def _score_kpi(node: KpiNode, unit_id: int, period: Period, previous: Period, inputs: _Inputs) -> KpiScore:
    label, rollup = _kpi_value(node, unit_id, period, inputs.rollups)
    on = _period_end(label) if label is not None else period.end
    baseline = inputs.reference(node, TargetKind.BASELINE, on, unit_id)
    target = inputs.reference(node, TargetKind.TARGET, on, unit_id)
    actual = rollup.value if rollup is not None else None
    before_label, before = _kpi_value(node, unit_id, previous, inputs.rollups)
    before_value = before.value if before is not None else None
    return KpiScore(
        kpi=node.kpi,
        weight=node.kpi.weight,
        period=label,
        rollup=rollup,
        baseline=baseline,
        target=target,
        progress=_progress(node, actual, baseline, target),
        previous_period=before_label,
        previous=before_value,
        trend=value_trend(actual, before_value, node.kpi.decimals),
        formula=_KPI_FORMULA[ScoringMode(node.kpi.scoring)],
    )


def _score_survey(
    measure: SurveyMeasure, unit_id: int, survey: DisclosedRound | None, previous: DisclosedRound | None
) -> SurveyMeasureScore:
    figure = survey.figure(unit_id, measure.dimension_id) if survey is not None else NO_FIGURE
    before = previous.figure(unit_id, measure.dimension_id) if previous is not None else NO_FIGURE
    progress = None
    if figure.shown and figure.mean is not None:
        progress = progress_towards(figure.mean, measure.baseline, measure.target, Direction.HIGHER)
    trend = Trend(Change.UNKNOWN)
    if figure.stats is not None and before.stats is not None:
        trend = survey_trend(figure.stats, before.stats)
    return SurveyMeasureScore(measure, figure, before, progress, trend)


def _compose(
    tree: StrategyTree,
    unit_id: int,
    period: Period,
    previous: Period,
    inputs: _Inputs,
    before: UnitScores | None,
    previous_survey: DisclosedRound | None,
) -> UnitScores:
    goals = []
    old_indicators = {i.indicator.id: i for i in before.indicators()} if before is not None else {}
    old_goals = {g.goal.id: g for g in before.goals} if before is not None else {}
    for goal_node in tree.goals:
        indicators = []
        for node in goal_node.indicators:
            kpis = tuple(_score_kpi(k, unit_id, period, previous, inputs) for k in node.kpis)
            surveys = tuple(_score_survey(m, unit_id, inputs.survey, previous_survey) for m in node.measures)
            combined = indicator_score(
                [Weighted(k.weight, k.score) for k in kpis] + [Weighted(s.measure.weight, s.score) for s in surveys]
            )
            old = old_indicators.get(node.indicator.id)
            indicators.append(
                IndicatorScore(
                    node.indicator,
                    kpis,
                    surveys,
                    combined,
                    pace(combined.score, inputs.expected, inputs.thresholds, insufficient=combined.insufficient),
                    _score_trend(combined, old.combined if old is not None else None),
                )
            )
        combined_goal = goal_score([(i.indicator.weight, i.combined) for i in indicators])
        old_goal = old_goals.get(goal_node.goal.id)
        goals.append(
            GoalResult(
                goal_node.goal,
                tuple(indicators),
                combined_goal,
                pace(combined_goal.score, inputs.expected, inputs.thresholds, insufficient=combined_goal.insufficient),
                _score_trend(combined_goal, old_goal.combined if old_goal is not None else None),
            )
        )
    return UnitScores(unit_id, tuple(goals))


def _score_trend(current: Combined, previous: Combined | None) -> Trend:
    """Scores change when they differ by a whole point; insufficient data has no trend."""
    if previous is None or current.insufficient or previous.insufficient:
        return Trend(Change.UNKNOWN)
    return value_trend(current.score, previous.score, 0)


def score_period(
    session: Session,
    strategy_id: int,
    period: str,
    *,
    today: date | None = None,
    now: datetime | None = None,
    unit_ids: list[int] | None = None,
    round_id: int | None = None,
) -> PeriodScores:
    """Every unit's scores (or those of ``unit_ids``) for the strategy and period: the strategy
    tree, the KPI roll-ups of the period and the one before (one statement), the survey round of
    each (two statements and one disclosure decision each; ``round_id`` picks one of the period's
    closed rounds instead of the newest), then arithmetic only.
    Raises ValueError for a period label that is not a period."""
    current, previous = Period.parse(period), Period.parse(period).previous()
    tree = load_strategy_tree(session, strategy_id)
    now = now or datetime.now(UTC)
    on = min(current.end, today or now.date())
    strategy = tree.strategy
    basis = expected_at(on, strategy.period_start, strategy.period_end, tree.pace_milestones())
    expected = basis.value
    thresholds = PaceThresholds(strategy.on_track_threshold, strategy.behind_threshold)
    frequencies = {node.kpi.frequency for node in tree.kpis()}
    labels = {label for f in frequencies for p in (current, previous) for label in kpi_periods(p, f)}
    kpi_ids = [node.kpi.id for node in tree.kpis() if node.kpi.id is not None]
    rollups = kpi_rollups(session, periods=sorted(labels), kpi_ids=kpi_ids) if kpi_ids else {}
    parents = unit_parents(session)
    model_id = strategy.maturity_model_id
    survey_round = find_round(session, str(current), model_id, now, round_id)
    previous_round = find_round(session, str(previous), model_id, now)
    survey = disclosed_round(session, survey_round, parents) if survey_round is not None else None
    previous_survey = disclosed_round(session, previous_round, parents) if previous_round is not None else None
    earlier = _Inputs(rollups, previous_survey, thresholds, expected)
    inputs = _Inputs(rollups, survey, thresholds, expected, earlier.references)
    before_previous = previous.previous()
    units: dict[int, UnitScores] = {}
    for unit_id in unit_ids if unit_ids is not None else list(parents):
        old = _compose(tree, unit_id, previous, before_previous, earlier, None, None)
        units[unit_id] = _compose(tree, unit_id, current, previous, inputs, old, previous_survey)
    return PeriodScores(
        tree=tree,
        period=str(current),
        previous_period=str(previous),
        on=on,
        expected=expected,
        expected_basis=basis,
        survey_round=survey_round,
        previous_round=previous_round,
        survey=survey,
        previous_survey=previous_survey,
        parents=parents,
        units=units,
    )
