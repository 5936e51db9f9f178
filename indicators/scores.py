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
from indicators.services import IndicatorNode, KpiNode, StrategyTree, load_strategy_tree
from maturity.periods import Frequency, Period
from maturity.scoring import (
    Band,
    Change,
    Combined,
    Direction,
    GoalScore,
    Pace,
    PaceThresholds,
    Progress,
    Trend,
    Weighted,
    expected_progress,
    goal_score,
    indicator_score,
    kpi_progress,
    pace,
    progress_towards,
    survey_trend,
    value_trend,
)
from maturity.scoring import ScoringMode as Mode  # the arithmetic's enum; the model's is ScoringMode
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


def find_round(session: Session, label: str, model_id: int | None, now: datetime) -> SurveyRound | None:
    """The newest closed round labelled ``label``, of the strategy's maturity model if it has one."""
    statement = select(SurveyRound).where(col(SurveyRound.period_label) == label)
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
class _KpiPlan:
    """A KPI's fixed inputs, read once per ``score_period`` from the ORM objects (whose attributes
    are slow to read for every unit): the KPI periods read, its mode, and the valid rows by date."""

    node: KpiNode
    labels: tuple[str, ...]  # the KPI periods read for the period, latest first
    previous_labels: tuple[str, ...]  # … for the previous period
    kpi_id: int = field(init=False)
    weight: float = field(init=False)
    scoring: Mode = field(init=False)
    formula: str = field(init=False)
    direction: Direction = field(init=False)
    decimals: int = field(init=False)
    per_unit: dict[str, bool] = field(init=False)  # kind → rows for single units exist
    references: dict[tuple[str, date, int | None], KpiTarget | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kpi = self.node.kpi
        self.kpi_id, self.weight, self.decimals = kpi.id or 0, kpi.weight, kpi.decimals
        self.scoring, self.direction = Mode(kpi.scoring), Direction(kpi.direction)
        self.formula = _KPI_FORMULA[ScoringMode(kpi.scoring)]
        self.per_unit = {
            TargetKind.BASELINE: any(r.unit_id is not None for r in self.node.baselines),
            TargetKind.TARGET: any(r.unit_id is not None for r in self.node.targets),
        }

    def reference(self, kind: TargetKind, on: date, unit_id: int) -> KpiTarget | None:
        """The valid row, looked up once per date unless the KPI has rows for single units."""
        key = (kind, on, unit_id if self.per_unit[kind] else None)
        if key not in self.references:
            self.references[key] = self.node.valid(kind, on, unit_id)
        return self.references[key]


@dataclass(frozen=True, slots=True)
class _IndicatorPlan:
    node: IndicatorNode
    weight: float
    kpis: tuple[_KpiPlan, ...]
    measures: tuple[tuple[SurveyMeasure, float], ...]  # each with its weight


def _plans(tree: StrategyTree, current: Period, previous: Period) -> list[tuple[Goal, tuple[_IndicatorPlan, ...]]]:
    def kpi(node: KpiNode) -> _KpiPlan:
        frequency = node.kpi.frequency
        return _KpiPlan(node, tuple(kpi_periods(current, frequency)), tuple(kpi_periods(previous, frequency)))

    return [
        (
            goal.goal,
            tuple(
                _IndicatorPlan(
                    i, i.indicator.weight, tuple(kpi(k) for k in i.kpis), tuple((m, m.weight) for m in i.measures)
                )
                for i in goal.indicators
            ),
        )
        for goal in tree.goals
    ]


@dataclass(frozen=True, slots=True)
class _Inputs:
    rollups: Mapping[tuple[int, int, str], KpiRollup]
    survey: DisclosedRound | None
    previous_survey: DisclosedRound | None
    thresholds: PaceThresholds
    expected: float
    end: date  # the period's last day
    previous_end: date


def _kpi_value(
    plan: _KpiPlan, unit_id: int, labels: tuple[str, ...], rollups: Mapping[tuple[int, int, str], KpiRollup]
) -> tuple[str | None, KpiRollup | None, float | None]:
    """The first of the KPI periods with a value: its label, roll-up and value."""
    for label in labels:
        rollup = rollups.get((plan.kpi_id, unit_id, label))
        if rollup is not None and (value := rollup.value) is not None:
            return label, rollup, value
    return None, None, None


def _progress(plan: _KpiPlan, actual: float | None, baseline: KpiTarget | None, target: KpiTarget | None) -> Any:
    if actual is None:
        return None
    band = None
    if target is not None and target.lower is not None and target.upper is not None:
        band = Band(target.lower, target.upper, target.tolerance or 0.0)
    return kpi_progress(
        plan.scoring,
        actual,
        direction=plan.direction,
        baseline=baseline.value if baseline is not None else None,
        target=target.value if target is not None else None,
        band=band,
    )


def _valid_progress(
    plan: _KpiPlan, unit_id: int, label: str | None, actual: float | None, end: date
) -> tuple[KpiTarget | None, KpiTarget | None, Progress | None]:
    """The baseline and target valid at the end of the KPI period read, and the progress."""
    on = _period_end(label) if label is not None else end
    baseline = plan.reference(TargetKind.BASELINE, on, unit_id)
    target = plan.reference(TargetKind.TARGET, on, unit_id)
    return baseline, target, _progress(plan, actual, baseline, target)


def _score_kpi(plan: _KpiPlan, unit_id: int, inputs: _Inputs) -> tuple[KpiScore, float | None]:
    """The KPI's score, and its score in the previous period (for the trends of indicators and goals)."""
    label, rollup, actual = _kpi_value(plan, unit_id, plan.labels, inputs.rollups)
    before_label, _, before_value = _kpi_value(plan, unit_id, plan.previous_labels, inputs.rollups)
    baseline, target, progress = _valid_progress(plan, unit_id, label, actual, inputs.end)
    earlier = None
    if before_value is not None:
        earlier = _valid_progress(plan, unit_id, before_label, before_value, inputs.previous_end)[2]
    score = KpiScore(
        kpi=plan.node.kpi,
        weight=plan.weight,
        period=label,
        rollup=rollup,
        baseline=baseline,
        target=target,
        progress=progress,
        previous_period=before_label,
        previous=before_value,
        trend=value_trend(actual, before_value, plan.decimals),
        formula=plan.formula,
    )
    return score, earlier.score if earlier is not None else None


def _survey_progress(measure: SurveyMeasure, figure: SurveyFigure) -> Progress | None:
    if figure.shown and figure.mean is not None:
        return progress_towards(figure.mean, measure.baseline, measure.target, Direction.HIGHER)
    return None


def _score_survey(measure: SurveyMeasure, unit_id: int, inputs: _Inputs) -> tuple[SurveyMeasureScore, float | None]:
    """The measure's score, and its score in the previous round (for the trends of indicators and goals)."""
    survey, previous = inputs.survey, inputs.previous_survey
    figure = survey.figure(unit_id, measure.dimension_id) if survey is not None else NO_FIGURE
    before = previous.figure(unit_id, measure.dimension_id) if previous is not None else NO_FIGURE
    trend = Trend(Change.UNKNOWN)
    if figure.stats is not None and before.stats is not None:
        trend = survey_trend(figure.stats, before.stats)
    earlier = _survey_progress(measure, before)
    scored = SurveyMeasureScore(measure, figure, before, _survey_progress(measure, figure), trend)
    return scored, earlier.score if earlier is not None else None


def _compose(plans: list[tuple[Goal, tuple[_IndicatorPlan, ...]]], unit_id: int, inputs: _Inputs) -> UnitScores:
    """One unit's scores; the previous period's indicator and goal scores, composed the same way
    from the same lookups, only for the trends."""
    goals = []
    for goal, goal_plans in plans:
        indicators, earlier = [], []
        for node in goal_plans:
            scored = [_score_kpi(k, unit_id, inputs) for k in node.kpis]
            surveyed = [_score_survey(m, unit_id, inputs) for m, _ in node.measures]
            kpis = tuple(k for k, _ in scored)
            surveys = tuple(s for s, _ in surveyed)
            combined = indicator_score(
                [Weighted(k.weight, k.score) for k in kpis]
                + [Weighted(w, s.score) for (_, w), s in zip(node.measures, surveys, strict=True)]
            )
            old = indicator_score(
                [Weighted(k.weight, before) for k, (_, before) in zip(node.kpis, scored, strict=True)]
                + [Weighted(w, before) for (_, w), (_, before) in zip(node.measures, surveyed, strict=True)]
            )
            earlier.append(old)
            indicators.append(
                IndicatorScore(
                    node.node.indicator,
                    kpis,
                    surveys,
                    combined,
                    pace(combined.score, inputs.expected, inputs.thresholds, insufficient=combined.insufficient),
                    _score_trend(combined, old),
                )
            )
        combined_goal = goal_score([(node.weight, i.combined) for node, i in zip(goal_plans, indicators, strict=True)])
        old_goal = goal_score([(node.weight, old) for node, old in zip(goal_plans, earlier, strict=True)])
        goals.append(
            GoalResult(
                goal,
                tuple(indicators),
                combined_goal,
                pace(combined_goal.score, inputs.expected, inputs.thresholds, insufficient=combined_goal.insufficient),
                _score_trend(combined_goal, old_goal),
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
) -> PeriodScores:
    """Every unit's scores (or those of ``unit_ids``) for the strategy and period: the strategy
    tree, the KPI roll-ups of the period and the one before (one statement), the survey round of
    each (two statements and one disclosure decision each), then arithmetic only.
    Raises ValueError for a period label that is not a period."""
    current, previous = Period.parse(period), Period.parse(period).previous()
    tree = load_strategy_tree(session, strategy_id)
    now = now or datetime.now(UTC)
    on = min(current.end, today or now.date())
    strategy = tree.strategy
    expected = expected_progress(on, strategy.period_start, strategy.period_end)
    thresholds = PaceThresholds(strategy.on_track_threshold, strategy.behind_threshold)
    plans = _plans(tree, current, previous)
    kpi_plans = [k for _, indicators in plans for i in indicators for k in i.kpis]
    labels = {label for k in kpi_plans for label in (*k.labels, *k.previous_labels)}
    kpi_ids = [k.kpi_id for k in kpi_plans if k.node.kpi.id is not None]
    rollups = kpi_rollups(session, periods=sorted(labels), kpi_ids=kpi_ids) if kpi_ids else {}
    parents = unit_parents(session)
    model_id = strategy.maturity_model_id
    survey_round = find_round(session, str(current), model_id, now)
    previous_round = find_round(session, str(previous), model_id, now)
    survey = disclosed_round(session, survey_round, parents) if survey_round is not None else None
    previous_survey = disclosed_round(session, previous_round, parents) if previous_round is not None else None
    inputs = _Inputs(rollups, survey, previous_survey, thresholds, expected, current.end, previous.end)
    units = {unit_id: _compose(plans, unit_id, inputs) for unit_id in (unit_ids if unit_ids is not None else parents)}
    return PeriodScores(
        tree=tree,
        period=str(current),
        previous_period=str(previous),
        on=on,
        expected=expected,
        survey_round=survey_round,
        previous_round=previous_round,
        survey=survey,
        previous_survey=previous_survey,
        parents=parents,
        units=units,
    )
