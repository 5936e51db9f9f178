"""KPI and survey measure scores of one unit, the parts ``indicators.scores`` composes: the
value read in each KPI's own frequency, the baseline and target rows valid for it, progress and
trend; a survey measure's progress on its disclosed dimension figure. Each comes with its score
in the previous period, which the trends of indicator and goal scores need."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from indicators.models import Kpi, KpiTarget, ScoringMode, SurveyMeasure
from indicators.rollup import KpiRollup
from indicators.strategy_tree import KpiNode
from indicators.unit_targets import UnitReference, UnitTargets
from maturity.periods import Frequency, Period
from maturity.scoring import (
    Band,
    Change,
    Direction,
    FinalThresholds,
    PaceThresholds,
    Progress,
    Trend,
    kpi_progress,
    progress_towards,
    survey_trend,
    value_trend,
)
from maturity.scoring import ScoringMode as Mode
from maturity.scoring.unit_targets import Cascade, TargetSource
from surveys.figures import NO_FIGURE, DisclosedRound, SurveyFigure

# Formula keys: each names one rule, explained in the method text of pages and reports.
FORMULA_PROGRESS = "kpi.progress"  # 100 · (a − b) / (t − b), clamped to 0–100
FORMULA_MAINTAIN = "kpi.maintain"  # 100 inside [L, U], linearly to 0 at the tolerance
FORMULA_BINARY = "kpi.binary"  # 100 at or beyond the target, else 0
FORMULA_SURVEY = "survey.measure"  # 100 · (mean − baseline) / (target − baseline), clamped
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
    target_source: TargetSource = TargetSource.INSTITUTION  # where the unit's target comes from
    cascade: Cascade | None = None  # the key of a cascaded target

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


@lru_cache(maxsize=1024)
def _period_end(label: str) -> date:
    return Period.parse(label).end


@dataclass
class KpiPlan:
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

    def __post_init__(self) -> None:
        kpi = self.node.kpi
        self.kpi_id, self.weight, self.decimals = kpi.id or 0, kpi.weight, kpi.decimals
        self.scoring, self.direction = Mode(kpi.scoring), Direction(kpi.direction)
        self.formula = _KPI_FORMULA[ScoringMode(kpi.scoring)]


@dataclass(frozen=True, slots=True)
class PeriodInputs:
    rollups: Mapping[tuple[int, int, str], KpiRollup]
    survey: DisclosedRound | None
    previous_survey: DisclosedRound | None
    thresholds: PaceThresholds
    expected: float
    end: date  # the period's last day
    previous_end: date
    targets: UnitTargets  # each unit's baseline and target
    final: FinalThresholds | None = None  # a concluded strategy's final evaluation, instead of pace


def _kpi_value(
    plan: KpiPlan, unit_id: int, labels: tuple[str, ...], rollups: Mapping[tuple[int, int, str], KpiRollup]
) -> tuple[str | None, KpiRollup | None, float | None]:
    """The first of the KPI periods with a value: its label, roll-up and value."""
    for label in labels:
        rollup = rollups.get((plan.kpi_id, unit_id, label))
        if rollup is not None and (value := rollup.value) is not None:
            return label, rollup, value
    return None, None, None


def _progress(plan: KpiPlan, actual: float | None, baseline: UnitReference, target: UnitReference) -> Any:
    if actual is None:
        return None
    band = None
    row = target.row
    # only ``maintain`` reads a band (the database keeps every band ordered: it would not raise)
    if plan.scoring == Mode.MAINTAIN and row is not None and row.lower is not None and row.upper is not None:
        band = Band(row.lower, row.upper, row.tolerance or 0.0)
    return kpi_progress(
        plan.scoring, actual, direction=plan.direction, baseline=baseline.value, target=target.value, band=band
    )


def valid_progress(
    plan: KpiPlan, unit_id: int, label: str | None, actual: float | None, end: date, targets: UnitTargets
) -> tuple[UnitReference, UnitReference, Progress | None]:
    """The unit's baseline and target valid at the end of the KPI period read, and the progress."""
    on = _period_end(label) if label is not None else end
    baseline, target = targets.references(plan.node, plan.kpi_id, on, unit_id)
    return baseline, target, _progress(plan, actual, baseline, target)


def score_kpi(plan: KpiPlan, unit_id: int, inputs: PeriodInputs) -> tuple[KpiScore, float | None]:
    """The KPI's score, and its score in the previous period (for the trends of indicators and goals)."""
    label, rollup, actual = _kpi_value(plan, unit_id, plan.labels, inputs.rollups)
    before_label, _, before_value = _kpi_value(plan, unit_id, plan.previous_labels, inputs.rollups)
    baseline, target, progress = valid_progress(plan, unit_id, label, actual, inputs.end, inputs.targets)
    earlier = None
    if before_value is not None:
        earlier = valid_progress(plan, unit_id, before_label, before_value, inputs.previous_end, inputs.targets)[2]
    score = KpiScore(
        kpi=plan.node.kpi,
        weight=plan.weight,
        period=label,
        rollup=rollup,
        baseline=baseline.row,
        target=target.row,
        progress=progress,
        previous_period=before_label,
        previous=before_value,
        trend=value_trend(actual, before_value, plan.decimals),
        formula=plan.formula,
        target_source=target.source,
        cascade=target.cascade,
    )
    return score, earlier.score if earlier is not None else None


def _survey_progress(measure: SurveyMeasure, figure: SurveyFigure) -> Progress | None:
    if figure.shown and figure.mean is not None:
        return progress_towards(figure.mean, measure.baseline, measure.target, Direction.HIGHER)
    return None


def score_survey(measure: SurveyMeasure, unit_id: int, inputs: PeriodInputs) -> tuple[SurveyMeasureScore, float | None]:
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
