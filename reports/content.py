"""The report object: everything one unit's report for one period shows, and nothing computed here.

Texts are already in the report's language, so the object alone renders the report; its
canonical JSON is the input snapshot whose SHA-256 decides whether a report must be built again.

Every scored figure (goal and indicator scores, coverage, status, trend, KPI progress, the
maturity profile, perspectives, response rate) is copied from the scoring service
(``indicators.scorecard``), and every survey figure from the disclosure service: a figure the
disclosure rules hide is ``suppressed`` and carries no number at all, so it cannot reach the
page, the chart, the PDF or the snapshot. ``None`` means there is no figure (no data).
"""

import hashlib
import json
from datetime import date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

# The scoring service's words (``maturity.scoring.PaceStatus`` and ``Change``).
Status = Literal["achieved", "on_track", "behind", "at_risk", "insufficient_data", "partly_achieved", "not_achieved"]
Trend = Literal["up", "down", "steady", "unknown"]


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitRef(Part):
    code: str
    name: str
    kind: str


class Figure(Part):
    """A survey figure as disclosure lets it be shown: its value with the number of respondents
    behind it, or ``suppressed`` (hidden by disclosure control) with neither."""

    value: float | None = None
    n: int | None = None
    suppressed: bool = False

    @model_validator(mode="after")
    def _hidden_has_no_number(self) -> Self:
        if self.suppressed and (self.value is not None or self.n is not None):
            raise ValueError("a suppressed figure carries no number")
        return self


class Score(Part):
    """A goal's or indicator's score with what explains it; ``insufficient`` below half the weight with data."""

    value: float | None = None
    coverage: float | None = None  # 0–1: weight with data / all weight
    insufficient: bool = False
    status: Status | None = None
    trend: Trend | None = None


class SeriesPoint(Part):
    period: str
    value: float


class SourceLine(Part):
    """A KPI record the value was made from (the unit's own, or those of units below it)."""

    unit_code: str
    period: str
    value: float
    numerator: float | None = None
    denominator: float | None = None
    source: str = ""
    revision: int = 1
    recorded_at: datetime
    note: str = ""  # the comment recorded with the value, shown next to it


class KpiLine(Part):
    code: str
    name: str
    unit_of_measure: str = ""
    decimals: int = 1
    direction: str = "higher"
    scoring: str = "progress"
    weight: float = 1.0
    measured_for: str = ""  # the unit whose value this is
    institution_wide: bool = False  # only the institution has a value (``institution_only``)
    baseline: float | None = None
    baseline_from: str | None = None  # ISO date the baseline is valid from
    target: float | None = None
    target_lower: float | None = None  # maintain KPIs: the band
    target_upper: float | None = None
    target_from: str | None = None
    actual: float | None = None
    actual_period: str | None = None  # the KPI period read
    progress: float | None = None  # 0–100
    progress_raw: float | None = None  # unclamped: above 100 is over-achievement
    previous: float | None = None
    previous_period: str | None = None
    trend: Trend | None = None
    improved: bool | None = None  # the trend in the good direction (None: no change)
    sources: tuple[SourceLine, ...] = ()
    series: tuple[SeriesPoint, ...] = ()


class SurveyMeasureLine(Part):
    """A maturity dimension used as a measure of an indicator."""

    dimension_code: str
    dimension_name: str
    weight: float = 1.0
    figure: Figure = Figure()
    baseline: float
    target: float
    progress: float | None = None
    progress_raw: float | None = None
    trend: Trend | None = None


class IndicatorSection(Part):
    code: str
    title: str
    score: Score = Score()
    kpis: tuple[KpiLine, ...] = ()
    surveys: tuple[SurveyMeasureLine, ...] = ()


ActionStatus = Literal["planned", "in_progress", "done", "paused", "stopped"]


class ActionMeasure(Part):
    """A measure an action links to, with the change the trend rule sees (``basis``: since the
    period ``since`` before the action started, the previous period, or the previous round)."""

    code: str
    direction: Literal["increase", "decrease"]
    trend: Trend
    as_planned: bool | None = None
    basis: Literal["start", "previous", "round"] = "previous"
    since: str = ""


class ActionLine(Part):
    code: str
    title: str
    unit: str = ""  # the unit whose action plan it is; "" for the institution's
    status: ActionStatus
    measures: tuple[ActionMeasure, ...] = ()


class BehindIndicator(Part):
    """An indicator behind pace with the actions meant to move it; ``no_action`` when none is active."""

    code: str
    actions: tuple[str, ...] = ()
    no_action: bool = False


class GoalSection(Part):
    code: str
    title: str
    description: str = ""
    score: Score = Score()
    weakest_code: str | None = None
    weakest_title: str | None = None
    indicators: tuple[IndicatorSection, ...] = ()
    actions: tuple[ActionLine, ...] = ()
    behind: tuple[BehindIndicator, ...] = ()

    @property
    def kpis(self) -> tuple[KpiLine, ...]:
        """Every KPI of the goal's indicators, in their order."""
        return tuple(kpi for indicator in self.indicators for kpi in indicator.kpis)


class DimensionProfile(Part):
    """A dimension (``overall``: the whole survey) for the unit, its parent, the institution and
    the unit in the previous round."""

    code: str
    name: str
    overall: bool = False
    unit: Figure = Figure()
    parent: Figure = Figure()
    institution: Figure = Figure()
    previous: Figure = Figure()
    trend: Trend | None = None
    actions: tuple[str, ...] = ()  # codes of the unit's actions meant to move the dimension


class GroupProfile(Part):
    """Dimension scores of one respondent group that disclosure shows."""

    group: str
    n: int | None = None
    scores: tuple[Figure, ...] = ()  # in the order of ``ReportContent.profile``


class ResponseRate(Part):
    responses: int | None = None  # None: no round, or ``below_k``
    below_k: int | None = None  # k, when the unit has fewer than k responses (the count is not given)
    headcount: int | None = None
    rate: float | None = None  # 0–1


class NarrativeText(Part):
    text: str
    author: str
    updated_at: datetime
    revision: int


class HiddenFigure(Part):
    """Which survey figure disclosure control hides (never what it would have been)."""

    unit_code: str
    unit_name: str
    dimension: str  # a dimension's name, or "all dimensions" in the report's language
    group: str  # a respondent group's name, or "all respondents"


class DefinitionChange(Part):
    """A change to the strategy's or maturity model's definitions, from the audit log."""

    kind: str  # in the report's language
    action: str  # in the report's language
    code: str
    at: datetime


class Method(Part):
    k: int | None = None
    survey_round: str = ""
    previous_round: str = ""
    pace_on: date | None = None
    expected: float | None = None  # expected progress on ``pace_on``, 0–100
    expected_rule: str = ""  # which rule gave it (elapsed share or a milestone), in the report's language
    formulas: tuple[str, ...] = ()  # in the report's language
    suppressed: tuple[HiddenFigure, ...] = ()
    definitions_changed: tuple[DefinitionChange, ...] = ()


# The report object's shape and the layout it is drawn in: a report made by an earlier version is
# not rendered again to verify it (it would not give the same PDF). 1: before the version was
# kept; 2: schema_version and expected_rule; 3: the scorecard layout (a table of measures per
# goal with a trend line per KPI, values per period, sources in an appendix); 4: a cover with
# the institution's name and logo, a first page of charts, the tables in an appendix; 5: hidden
# figures without a reason (too few and protecting another read the same), response counts below
# k as "fewer than k"; 6: courses of action per goal with their measures' change, indicators
# behind pace with their actions or "no action"; 7: a source's baseline and target dates in few
# words, the number columns' figures from Inter Tabular. (A source's ``note`` came later without
# a new version: a snapshot without it has none to show, so it renders as it did.)
SNAPSHOT_VERSION = 7


class ReportContent(Part):
    schema_version: int = SNAPSHOT_VERSION  # a stored snapshot of another shape is not rendered again
    unit: UnitRef
    parent: UnitRef | None = None
    institution: UnitRef | None = None
    institution_name: str = ""  # on the cover: from configuration, else the top unit's name
    logo: str | None = None  # the institution's logo as a data: URL (configuration)
    period: str
    language: Literal["nb", "en"]
    title: str
    strategy_code: str = ""
    strategy_title: str = ""
    data_as_of: datetime | None = None
    goals: tuple[GoalSection, ...] = ()
    profile: tuple[DimensionProfile, ...] = ()
    profile_previous_label: str = ""
    response_rate: ResponseRate = ResponseRate()
    perspectives: tuple[GroupProfile, ...] = ()
    narrative: NarrativeText | None = None
    method: Method = Method()

    @property
    def has_scores(self) -> bool:
        return any(g.score.value is not None for g in self.goals)

    @property
    def has_profile(self) -> bool:
        return any(
            f.value is not None for d in self.profile if not d.overall for f in (d.unit, d.parent, d.institution)
        )


def canonical_json(content: ReportContent) -> str:
    """The same report object always gives the same text: sorted keys, no spaces, UTF-8."""
    return json.dumps(content.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def snapshot_version(snapshot: str) -> int | None:
    """The version of the report object a stored snapshot was written with (1: from before the
    version was kept); None when it is not a JSON object."""
    try:
        data = json.loads(snapshot)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    version = data.get("schema_version", 1)
    return version if isinstance(version, int) else None


def from_snapshot(snapshot: str) -> ReportContent:
    """The report object of a snapshot of the current version (``snapshot_version``); an earlier
    one may not fit the object any more."""
    return ReportContent.model_validate_json(snapshot)
