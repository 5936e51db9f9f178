"""The report object: everything one unit's report for one period shows, and nothing computed here.

Texts are already in the report's language, so the object alone renders the report; its
canonical JSON is the input snapshot whose SHA-256 decides whether a report must be built again.

Scored figures (goal and indicator scores, status, trend, the maturity profile, perspectives,
KPI progress) come from the scoring service. Until it fills them they are ``None`` and the
templates say "not yet available"; a figure the disclosure rules hide is ``suppressed``.
"""

import hashlib
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["on_track", "behind", "at_risk", "not_started"]
Trend = Literal["up", "down", "flat"]


class Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitRef(Part):
    code: str
    name: str
    kind: str


class Figure(Part):
    """A score with the number of answers behind it; ``suppressed`` when fewer than k answered."""

    value: float | None = None
    n: int | None = None
    suppressed: bool = False


class SeriesPoint(Part):
    period: str
    value: float


class KpiLine(Part):
    code: str
    name: str
    unit_of_measure: str = ""
    decimals: int = 1
    direction: str = "higher"
    scoring: str = "progress"
    measured_for: str = ""  # the unit whose values these are (the institution for institution-wide KPIs)
    baseline: float | None = None
    baseline_from: str | None = None  # ISO date the baseline is valid from
    target: float | None = None
    target_lower: float | None = None  # maintain KPIs: the band
    target_upper: float | None = None
    target_from: str | None = None
    actual: float | None = None
    actual_period: str | None = None
    source: str = ""
    note: str = ""
    recorded_at: datetime | None = None
    recorded_by: str = ""
    progress: float | None = None  # from the scoring service
    series: tuple[SeriesPoint, ...] = ()


class IndicatorSection(Part):
    code: str
    title: str
    score: Figure = Figure()
    kpis: tuple[KpiLine, ...] = ()


class GoalSection(Part):
    code: str
    title: str
    description: str = ""
    score: Figure = Figure()
    status: Status | None = None
    trend: Trend | None = None
    weakest_indicator: str | None = None  # an indicator code
    indicators: tuple[IndicatorSection, ...] = ()


class DimensionProfile(Part):
    code: str
    name: str
    unit: Figure = Figure()
    parent: Figure = Figure()
    institution: Figure = Figure()
    previous: Figure = Figure()


class GroupProfile(Part):
    """Dimension scores of one respondent group (only groups of at least k respondents)."""

    group: str
    n: int
    scores: tuple[Figure, ...] = ()  # in the order of ``ReportContent.profile``


class ResponseRate(Part):
    responses: int | None = None
    headcount: int | None = None
    rate: float | None = None  # 0–1


class NarrativeText(Part):
    text: str
    author: str
    updated_at: datetime
    revision: int


class Method(Part):
    k: int | None = None
    suppressed: tuple[str, ...] = ()  # what was hidden, described in the report's language
    definitions_changed: tuple[str, ...] = ()


class ReportContent(Part):
    unit: UnitRef
    parent: UnitRef | None = None
    institution: UnitRef | None = None
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
    groups: tuple[str, ...] = ()
    perspectives: tuple[GroupProfile, ...] = ()
    narrative: NarrativeText | None = None
    method: Method = Method()

    @property
    def has_scores(self) -> bool:
        return any(g.score.value is not None for g in self.goals)

    @property
    def has_profile(self) -> bool:
        return any(d.unit.value is not None for d in self.profile)


def canonical_json(content: ReportContent) -> str:
    """The same report object always gives the same text: sorted keys, no spaces, UTF-8."""
    return json.dumps(content.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def from_snapshot(snapshot: str) -> ReportContent:
    return ReportContent.model_validate_json(snapshot)
