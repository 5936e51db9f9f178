"""The strategy file (YAML), as validated structures. Cross-field rules live in strategy_file.py."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from indicators.models import DEFAULT_DUE_DAYS, MAX_DUE_DAYS
from maturity.structured_file import Name, OptionalTexts, StrictModel, Texts

FORMAT = "maturity-strategy/1"

# Titles and names are stored in columns of limited length; a longer text is bad input, not a crash.


class LevelName(StrictModel):
    nb: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class UnitOfMeasure(StrictModel):
    nb: str = Field(default="", max_length=60)
    en: str = Field(default="", max_length=60)


def _texts_from_plain_string(value: Any) -> Any:
    """A unit of measure like "%" is the same in both languages and may be written once."""
    return {"nb": value, "en": value} if isinstance(value, str) else value


Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Weight = Annotated[float, Field(gt=0, le=1000)]
Score = Annotated[float, Field(ge=0, le=100)]


class DatedValue(StrictModel):
    valid_from: date
    unit: str | None = None  # a unit code; none means the whole organisation
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    tolerance: float | None = Field(default=None, ge=0)


class KpiOwnerSpec(StrictModel):
    unit: Code
    owner: str = Field(max_length=254)  # the person's e-mail address


class KpiSpec(StrictModel):
    code: Code
    name: Name
    description: OptionalTexts = OptionalTexts()
    unit_of_measure: Annotated[UnitOfMeasure, BeforeValidator(_texts_from_plain_string)] = UnitOfMeasure()
    direction: Literal["higher", "lower"]
    scoring: Literal["progress", "maintain", "binary"]
    frequency: Literal["year", "semester", "tertial", "quarter", "month"]
    aggregation: Literal["sum", "ratio", "mean", "institution_only"]
    # sum KPIs only: how a unit without targets of its own gets its parent's, apportioned
    cascade: Literal["none", "baseline", "headcount"] = "none"
    weight: Weight = 1.0
    decimals: int = Field(default=1, ge=0, le=6)
    # values, baselines and targets below zero are refused unless the KPI may be negative
    may_be_negative: bool = False
    # a period's value is due this many days after the period ends
    due_days: int = Field(default=DEFAULT_DUE_DAYS, ge=0, le=MAX_DUE_DAYS)
    # who owes a unit's values; a unit not listed: its leader
    owners: list[KpiOwnerSpec] = []
    baselines: list[DatedValue] = []
    targets: list[DatedValue] = Field(min_length=1)


class SurveyMeasureSpec(StrictModel):
    dimension: Code
    weight: Weight = 1.0
    baseline: Score
    target: Score


class IndicatorSpec(StrictModel):
    code: Code
    title: Texts
    weight: Weight = 1.0
    kpis: list[KpiSpec] = []
    survey_measures: list[SurveyMeasureSpec] = []


ActionStatusName = Literal["planned", "in_progress", "done", "paused", "stopped"]


class ActionMilestoneSpec(StrictModel):
    due: date
    title: Name
    done: bool = False


class ActionUpdateSpec(StrictModel):
    # 2024, 2024-S1, 2024-Q3 …; a year written bare is a number in YAML
    period: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v), Field(max_length=10)]
    status: ActionStatusName
    text: OptionalTexts = OptionalTexts()
    by: str = Field(default="", max_length=300)  # who wrote it, as the log names them
    at: datetime


class ActionLinkSpec(StrictModel):
    """A measure the action is meant to move: exactly one of indicator, KPI or dimension (codes)."""

    indicator: Code | None = None
    kpi: Code | None = None
    dimension: Code | None = None
    direction: Literal["increase", "decrease"] = "increase"


class ActionSpec(StrictModel):
    code: Code
    title: Texts
    unit: Code | None = None  # the unit whose action plan this is; none: the institution's
    responsible_units: list[Code] = []
    owner: str | None = Field(default=None, max_length=254)  # the responsible person's e-mail address
    status: ActionStatusName = "planned"
    start: date | None = None
    due: date | None = None
    milestones: list[ActionMilestoneSpec] = []
    updates: list[ActionUpdateSpec] = []
    links: list[ActionLinkSpec] = []


class GoalSpec(StrictModel):
    code: Code
    title: Name
    description: OptionalTexts = OptionalTexts()
    weight: Weight = 1.0
    actions: list[ActionSpec] = []
    indicators: list[IndicatorSpec] = []


class PeriodSpec(StrictModel):
    start: date
    end: date


class PaceSpec(StrictModel):
    on_track: float = Field(default=0.95, gt=0, le=1.5)
    behind: float = Field(default=0.85, gt=0, le=1.5)


class FinalSpec(StrictModel):
    """A concluded strategy's final evaluation: score ≥ achieved is achieved, ≥ partly is partly achieved."""

    achieved: Score = 100.0
    partly: Score = 50.0


class MilestoneSpec(StrictModel):
    due: date
    expected: Score  # expected progress by ``due``, 0–100


class StrategySpec(StrictModel):
    code: Code
    title: Name
    description: OptionalTexts = OptionalTexts()
    period: PeriodSpec
    pace: PaceSpec = PaceSpec()
    final: FinalSpec = FinalSpec()
    successor: Code | None = None  # the code of the strategy that follows this one
    # A KPI value that puts its KPI at risk is recorded only with a comment (the record's note).
    risk_comment_required: bool = True
    milestones: list[MilestoneSpec] = []  # dates and values strictly increasing
    goals: list[GoalSpec] = []


class LevelSpec(StrictModel):
    level: int = Field(ge=1, le=5)
    name: LevelName
    description: Texts


class DimensionSpec(StrictModel):
    code: Code
    name: Name
    description: OptionalTexts = OptionalTexts()
    levels: list[LevelSpec]


class MaturityModelSpec(StrictModel):
    code: Code
    name: Name
    description: OptionalTexts = OptionalTexts()
    dimensions: list[DimensionSpec] = Field(min_length=1)


class StrategyFile(StrictModel):
    format: Literal["maturity-strategy/1"]
    strategy: StrategySpec
    maturity_model: MaturityModelSpec | None = None
