"""The strategy tree (strategy → goals → actions and success indicators → KPIs and survey
measures), dated baselines and targets, and KPI records with their revisions."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

from maturity.bilingual import Bilingual
from maturity.db import UTCDateTime, utcnow

# A KPI's direction, scoring mode and aggregation are the scoring's own words; the tables store
# their values (and the check constraints below name them). Imported here for the packages that
# read KPIs.
from maturity.scoring import Aggregation as Aggregation
from maturity.scoring import Direction as Direction
from maturity.scoring import ScoringMode as ScoringMode
from maturity.scoring.unit_targets import Cascade as Cascade

DEFAULT_DUE_DAYS = 30
MAX_DUE_DAYS = 366


class TargetKind(StrEnum):
    BASELINE = "baseline"
    TARGET = "target"


class Strategy(Bilingual, SQLModel, table=True):
    __tablename__ = "strategy"
    __table_args__ = (
        CheckConstraint("period_end > period_start", name="period_forward"),
        CheckConstraint("behind_threshold < on_track_threshold", name="thresholds_ordered"),
        CheckConstraint("partly_threshold < achieved_threshold", name="final_thresholds_ordered"),
        CheckConstraint("successor_code IS NULL OR successor_code <> code", name="successor_not_itself"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    title_nb: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    description_nb: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
    period_start: date
    period_end: date
    # Pace: health = score / expected progress; ≥ on_track is on track, ≥ behind is behind, else at risk.
    on_track_threshold: float = 0.95
    behind_threshold: float = 0.85
    # Final evaluation, once concluded: score ≥ achieved is achieved, ≥ partly is partly achieved.
    achieved_threshold: float = 100.0
    partly_threshold: float = 50.0
    # A KPI value that would put its KPI at risk (the worst status) is recorded only with a comment.
    risk_comment_required: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    # The code of the strategy that follows this one (it may be imported later).
    successor_code: str | None = Field(default=None, max_length=60)
    maturity_model_id: int | None = Field(default=None, foreign_key="maturity_model.id", ondelete="SET NULL")


class StrategyMilestone(SQLModel, table=True):
    """A dated expectation: by ``due`` the strategy expects ``expected`` progress (0–100).

    With milestones, expected progress is a step function (the last milestone reached, 0 before
    the first) instead of the elapsed share of the period. Dates and values increase strictly."""

    __tablename__ = "strategy_milestone"
    __table_args__ = (
        UniqueConstraint("strategy_id", "due"),
        CheckConstraint("expected BETWEEN 0 AND 100", name="expected_0_to_100"),
    )

    id: int | None = Field(default=None, primary_key=True)
    strategy_id: int = Field(foreign_key="strategy.id", index=True, ondelete="CASCADE")
    due: date
    expected: float


class Goal(Bilingual, SQLModel, table=True):
    __tablename__ = "goal"
    __table_args__ = (UniqueConstraint("strategy_id", "code"), CheckConstraint("weight > 0", name="weight_positive"))

    id: int | None = Field(default=None, primary_key=True)
    strategy_id: int = Field(foreign_key="strategy.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    title_nb: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    description_nb: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
    weight: float = 1.0
    position: int = 0


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    PAUSED = "paused"
    STOPPED = "stopped"


# An action still meant to move its measures (done and stopped ones are not).
ACTIVE_STATUSES = frozenset({ActionStatus.PLANNED, ActionStatus.IN_PROGRESS, ActionStatus.PAUSED})


class Action(Bilingual, SQLModel, table=True):
    """A course of action under a goal: the institution's (no ``unit_id``) or a unit's own, in
    that unit's action plan; with a responsible person, a status and dates."""

    __tablename__ = "action"
    __table_args__ = (
        UniqueConstraint("goal_id", "code"),
        CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'paused', 'stopped')", name="known_action_status"
        ),
        CheckConstraint("start_date IS NULL OR due_date IS NULL OR due_date >= start_date", name="dates_ordered"),
    )

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    title_nb: str = Field(sa_type=Text)
    title_en: str = Field(sa_type=Text)
    position: int = 0
    # The unit whose action plan this is; none: the institution's own course of action.
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True, ondelete="CASCADE")
    owner_id: int | None = Field(default=None, foreign_key="app_user.id", index=True, ondelete="SET NULL")
    status: str = Field(default=ActionStatus.PLANNED, sa_type=String(12))
    start_date: date | None = None
    due_date: date | None = None


class ActionUnit(SQLModel, table=True):
    """A unit responsible for carrying out an action."""

    __tablename__ = "action_unit"

    action_id: int = Field(foreign_key="action.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", primary_key=True, index=True, ondelete="CASCADE")


class ActionMilestone(Bilingual, SQLModel, table=True):
    """A dated step of an action, done or not."""

    __tablename__ = "action_milestone"

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    due: date
    title_nb: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    done: bool = False


class ActionUpdate(Bilingual, SQLModel, table=True):
    """The progress update of an action for one period: its status then and what happened."""

    __tablename__ = "action_update"
    __table_args__ = (
        UniqueConstraint("action_id", "period"),
        CheckConstraint(
            "status IN ('planned', 'in_progress', 'done', 'paused', 'stopped')", name="known_update_status"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    period: str = Field(max_length=10)
    status: str = Field(sa_type=String(12))
    text_nb: str = Field(default="", sa_type=Text)
    text_en: str = Field(default="", sa_type=Text)
    author_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    author_label: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ActionLink(SQLModel, table=True):
    """A measure an action is meant to move, and which way: a success indicator, a KPI or a
    maturity dimension (exactly one). A plan, not a proof."""

    __tablename__ = "action_link"
    __table_args__ = (
        CheckConstraint("direction IN ('increase', 'decrease')", name="known_direction"),
        CheckConstraint(
            "(CASE WHEN indicator_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN kpi_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN dimension_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_measure",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    action_id: int = Field(foreign_key="action.id", index=True, ondelete="CASCADE")
    indicator_id: int | None = Field(default=None, foreign_key="success_indicator.id", ondelete="CASCADE")
    kpi_id: int | None = Field(default=None, foreign_key="kpi.id", ondelete="CASCADE")
    dimension_id: int | None = Field(default=None, foreign_key="dimension.id", ondelete="CASCADE")
    direction: str = Field(default="increase", sa_type=String(10))


class SuccessIndicator(Bilingual, SQLModel, table=True):
    """An indication of success of a goal, measured by KPIs and survey measures."""

    __tablename__ = "success_indicator"
    __table_args__ = (UniqueConstraint("goal_id", "code"), CheckConstraint("weight > 0", name="weight_positive"))

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    title_nb: str = Field(sa_type=Text)
    title_en: str = Field(sa_type=Text)
    weight: float = 1.0
    position: int = 0


class Kpi(Bilingual, SQLModel, table=True):
    """A key performance indicator attached to one success indicator (``weight`` on that edge).

    Codes are unique across strategies: KPI files and the API name KPIs by code.
    Ratio KPIs are shares in percent: value = 100 · numerator / denominator.
    """

    __tablename__ = "kpi"
    __table_args__ = (
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("direction IN ('higher', 'lower')", name="known_direction"),
        CheckConstraint("scoring IN ('progress', 'maintain', 'binary')", name="known_scoring"),
        CheckConstraint("aggregation IN ('sum', 'ratio', 'mean', 'institution_only')", name="known_aggregation"),
        CheckConstraint("frequency IN ('year', 'semester', 'tertial', 'quarter', 'month')", name="known_frequency"),
        CheckConstraint("decimals BETWEEN 0 AND 6", name="decimals_range"),
        CheckConstraint("cascade IN ('none', 'baseline', 'headcount')", name="known_cascade"),
        CheckConstraint("due_days BETWEEN 0 AND 366", name="due_days_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="success_indicator.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40, unique=True)
    name_nb: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    description_nb: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
    unit_nb: str = Field(default="", max_length=60)  # unit of measure
    unit_en: str = Field(default="", max_length=60)
    direction: str = Field(default=Direction.HIGHER, sa_type=String(10))
    scoring: str = Field(default=ScoringMode.PROGRESS, sa_type=String(10))
    frequency: str = Field(default="year", sa_type=String(10))
    aggregation: str = Field(default=Aggregation.SUM, sa_type=String(20))
    # A sum KPI's baseline and target for a unit without its own: cascaded from its parent by this key.
    cascade: str = Field(default=Cascade.NONE, sa_type=String(10))
    weight: float = 1.0
    decimals: int = 1
    # Values, baselines and targets below zero are refused unless the KPI says it can be negative
    # (a result in money, a change); a count or an index is not.
    may_be_negative: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    # A period's value is due this many days after the period ends.
    due_days: int = Field(default=DEFAULT_DUE_DAYS, sa_column_kwargs={"server_default": str(DEFAULT_DUE_DAYS)})
    position: int = 0


class KpiOwner(SQLModel, table=True):
    """The person who owes a unit's values of a KPI; a unit without a row: its leader."""

    __tablename__ = "kpi_owner"

    kpi_id: int = Field(foreign_key="kpi.id", primary_key=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", primary_key=True, index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")


class KpiTarget(SQLModel, table=True):
    """A dated baseline or target, for the whole organisation (no unit) or one unit.

    The row valid for a period is the latest with ``valid_from`` on or before the period's end;
    changing a target adds a row and never rewrites a past period. ``maintain`` KPIs carry a band
    (lower, upper, tolerance) instead of a value.
    """

    __tablename__ = "kpi_target"
    __table_args__ = (
        CheckConstraint("kind IN ('baseline', 'target')", name="known_kind"),
        CheckConstraint("tolerance IS NULL OR tolerance >= 0", name="tolerance_not_negative"),
        CheckConstraint("lower IS NULL OR upper IS NULL OR lower <= upper", name="band_ordered"),
        Index("ix_kpi_target_lookup", "kpi_id", "kind", "unit_id", "valid_from"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", ondelete="CASCADE")
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True, ondelete="CASCADE")
    kind: str = Field(sa_type=String(10))
    valid_from: date
    value: float | None = None
    lower: float | None = None
    upper: float | None = None
    tolerance: float | None = None


class SurveyMeasure(SQLModel, table=True):
    """A maturity dimension measured by the surveys, counted as a measure of a success indicator."""

    __tablename__ = "survey_measure"
    __table_args__ = (
        UniqueConstraint("indicator_id", "dimension_id"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("baseline BETWEEN 0 AND 100 AND target BETWEEN 0 AND 100", name="scores_0_to_100"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="success_indicator.id", index=True, ondelete="CASCADE")
    dimension_id: int = Field(foreign_key="dimension.id", index=True, ondelete="CASCADE")
    weight: float = 1.0
    baseline: float
    target: float
    position: int = 0


class KpiRecord(SQLModel, table=True):
    """The current value of a KPI for a unit and period; every version is a KpiRecordRevision."""

    __tablename__ = "kpi_record"
    __table_args__ = (
        UniqueConstraint("kpi_id", "unit_id", "period"),
        CheckConstraint("denominator IS NULL OR denominator > 0", name="denominator_positive"),
        Index("ix_kpi_record_unit_period", "unit_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kpi_id: int = Field(foreign_key="kpi.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", ondelete="CASCADE")
    period: str = Field(max_length=10)
    value: float
    numerator: float | None = None
    denominator: float | None = None
    source: str = Field(default="", max_length=300)
    note: str = Field(default="", sa_type=Text)
    revision: int = 1
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    recorded_by_label: str = Field(default="", max_length=300)
    recorded_via: str = Field(default="form", max_length=20)  # form, csv, api, cli, demo
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class KpiRecordRevision(SQLModel, table=True):
    """One version of a KPI record, the current one included: the history shown to users."""

    __tablename__ = "kpi_record_revision"
    __table_args__ = (UniqueConstraint("record_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="kpi_record.id", index=True, ondelete="CASCADE")
    revision: int
    value: float
    numerator: float | None = None
    denominator: float | None = None
    source: str = Field(default="", max_length=300)
    note: str = Field(default="", sa_type=Text)
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    recorded_by_label: str = Field(default="", max_length=300)
    recorded_via: str = Field(default="form", max_length=20)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
