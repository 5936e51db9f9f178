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
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.measure_scores import (
    FORMULA_BINARY,
    FORMULA_MAINTAIN,
    FORMULA_PROGRESS,
    FORMULA_SURVEY,
    KpiPlan,
    KpiScore,
    PeriodInputs,
    SurveyMeasureScore,
    kpi_periods,
    score_kpi,
    score_survey,
)
from indicators.models import Goal, Strategy, SuccessIndicator, SurveyMeasure
from indicators.rollup import kpi_rollups
from indicators.strategy_tree import IndicatorNode, KpiNode, StrategyTree, load_strategy_tree
from indicators.unit_targets import UnitTargets, baseline_periods
from maturity.gcpause import gc_paused
from maturity.periods import Period
from maturity.scoring import (
    Change,
    Combined,
    Expected,
    FinalThresholds,
    GoalScore,
    Pace,
    PaceThresholds,
    Trend,
    Weighted,
    expected_at,
    final_status,
    goal_score,
    pace,
    value_trend,
    weighted_pairs,
)
from surveys.figures import DisclosedRound, disclosed_round, unit_parents
from surveys.models import Survey, SurveyRound

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
    expected_basis: Expected  # expected progress on that day and the rule that gave it
    survey_round: SurveyRound | None
    previous_round: SurveyRound | None
    survey: DisclosedRound | None
    previous_survey: DisclosedRound | None
    parents: Mapping[int, int | None]
    units: dict[int, UnitScores]
    final: bool = False  # the final evaluation of a concluded strategy: statuses are achieved or not

    @property
    def expected(self) -> float:
        """Expected progress on ``on``, 0–100."""
        return self.expected_basis.value

    @property
    def strategy(self) -> Strategy:
        return self.tree.strategy

    def unit(self, unit_id: int) -> UnitScores:
        return self.units[unit_id]

    def root_of(self, unit_id: int) -> int:
        while (parent := self.parents.get(unit_id)) is not None:
            unit_id = parent
        return unit_id


def is_final(strategy: Strategy, period: Period, today: date) -> bool:
    """A period is read as the final evaluation when the strategy has concluded (its end date has
    passed) and the period reaches its end; earlier periods keep their pace."""
    return today > strategy.period_end and period.end >= strategy.period_end


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


@dataclass(frozen=True, slots=True)
class _IndicatorPlan:
    node: IndicatorNode
    weight: float
    kpis: tuple[KpiPlan, ...]
    measures: tuple[tuple[SurveyMeasure, float], ...]  # each with its weight
    weights: tuple[float, ...] = ()  # the KPIs' weights, then the measures': each checked once

    def __post_init__(self) -> None:
        weights = (*(k.weight for k in self.kpis), *(w for _, w in self.measures))
        for weight in weights:
            Weighted(weight, None)  # raises for a weight that is not positive
        object.__setattr__(self, "weights", weights)


def _plans(tree: StrategyTree, current: Period, previous: Period) -> list[tuple[Goal, tuple[_IndicatorPlan, ...]]]:
    def kpi(node: KpiNode) -> KpiPlan:
        frequency = node.kpi.frequency
        return KpiPlan(node, tuple(kpi_periods(current, frequency)), tuple(kpi_periods(previous, frequency)))

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


def _compose(plans: list[tuple[Goal, tuple[_IndicatorPlan, ...]]], unit_id: int, inputs: PeriodInputs) -> UnitScores:
    """One unit's scores; the previous period's indicator and goal scores, composed the same way
    from the same lookups, only for the trends."""
    goals = []
    for goal, goal_plans in plans:
        indicators, earlier = [], []
        for node in goal_plans:
            scored = [score_kpi(k, unit_id, inputs) for k in node.kpis]
            surveyed = [score_survey(m, unit_id, inputs) for m, _ in node.measures]
            kpis = tuple(k for k, _ in scored)
            surveys = tuple(s for s, _ in surveyed)
            now = [k.score for k in kpis] + [s.score for s in surveys]
            before = [b for _, b in scored] + [b for _, b in surveyed]
            combined = weighted_pairs(list(zip(node.weights, now, strict=True)))  # indicator_score
            old = weighted_pairs(list(zip(node.weights, before, strict=True)))
            earlier.append(old)
            indicators.append(
                IndicatorScore(
                    node.node.indicator,
                    kpis,
                    surveys,
                    combined,
                    _status(combined.score, inputs, insufficient=combined.insufficient),
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
                _status(combined_goal.score, inputs, insufficient=combined_goal.insufficient),
                _score_trend(combined_goal, old_goal),
            )
        )
    return UnitScores(unit_id, tuple(goals))


def _status(score: float | None, inputs: PeriodInputs, *, insufficient: bool) -> Pace:
    """Pace, or a concluded strategy's final status."""
    if inputs.final is not None:
        return final_status(score, inputs.final, insufficient=insufficient)
    return pace(score, inputs.expected, inputs.thresholds, insufficient=insufficient)


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
    with gc_paused():  # many small objects and no cycles (see maturity.gcpause)
        return _score_period(session, strategy_id, period, today=today, now=now, unit_ids=unit_ids, round_id=round_id)


def _score_period(
    session: Session,
    strategy_id: int,
    period: str,
    *,
    today: date | None,
    now: datetime | None,
    unit_ids: list[int] | None,
    round_id: int | None,
) -> PeriodScores:
    current, previous = Period.parse(period), Period.parse(period).previous()
    tree = load_strategy_tree(session, strategy_id)
    now = now or datetime.now(UTC)
    on = min(current.end, today or now.date())
    strategy = tree.strategy
    basis = expected_at(on, strategy.period_start, strategy.period_end, tree.pace_milestones())
    expected = basis.value
    thresholds = PaceThresholds(strategy.on_track_threshold, strategy.behind_threshold)
    plans = _plans(tree, current, previous)
    kpi_plans = [k for _, indicators in plans for i in indicators for k in i.kpis]
    labels = {label for k in kpi_plans for label in (*k.labels, *k.previous_labels)}
    labels |= baseline_periods([k.node for k in kpi_plans])  # the shares of cascades by baseline
    kpi_ids = [k.kpi_id for k in kpi_plans if k.node.kpi.id is not None]
    rollups = kpi_rollups(session, periods=sorted(labels), kpi_ids=kpi_ids) if kpi_ids else {}
    parents = unit_parents(session)
    model_id = strategy.maturity_model_id
    survey_round = find_round(session, str(current), model_id, now, round_id)
    previous_round = find_round(session, str(previous), model_id, now)
    survey = disclosed_round(session, survey_round, parents) if survey_round is not None else None
    previous_survey = disclosed_round(session, previous_round, parents) if previous_round is not None else None
    targets = UnitTargets.load(session, parents, rollups)
    final = None
    if is_final(strategy, current, (today or now.date())):
        final = FinalThresholds(strategy.achieved_threshold, strategy.partly_threshold)
    inputs = PeriodInputs(
        rollups, survey, previous_survey, thresholds, expected, current.end, previous.end, targets, final
    )
    units = {unit_id: _compose(plans, unit_id, inputs) for unit_id in (unit_ids if unit_ids is not None else parents)}
    return PeriodScores(
        tree=tree,
        period=str(current),
        previous_period=str(previous),
        on=on,
        expected_basis=basis,
        survey_round=survey_round,
        previous_round=previous_round,
        survey=survey,
        previous_survey=previous_survey,
        parents=parents,
        units=units,
        final=final is not None,
    )
