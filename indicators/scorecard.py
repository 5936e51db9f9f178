"""One unit's scorecard for a period: what the dashboard, the scores API and the PDF report show.

``unit_scorecard(session, unit, period)`` composes the unit's goal, indicator and measure scores
(``indicators.scores.score_period`` for the unit, its parent, the institution and its children),
the maturity profile (unit vs parent vs institution vs previous round, per dimension and overall),
the perspectives (per respondent group), the response rate, the KPI records each value was made
from, and the list of hidden survey figures in the unit's subtree for a method appendix. Survey
figures are disclosed (``surveys.figures``): a hidden one carries no number. Free text is never
part of it.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, KpiRecord
from indicators.scores import KpiScore, PeriodScores, UnitScores, score_period
from indicators.strategy_tree import strategy_for
from maturity.disclosure import Participation, Visibility, participation
from maturity.errors import NotFound
from maturity.maturity_model.models import Dimension
from maturity.periods import Period
from maturity.scoring import Change, Trend, survey_trend
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, children, subtree_ids
from surveys.figures import ALL_GROUPS, NO_FIGURE, DisclosedRound, SurveyFigure
from surveys.models import RespondentGroup

EVERYTHING = UnitScope(everything=True, roots=frozenset())


@dataclass(frozen=True, slots=True)
class RecordUsed:
    """A KPI record that counts for the unit's value (its own, or a unit's below it)."""

    unit_code: str
    period: str
    value: float
    numerator: float | None
    denominator: float | None
    source: str
    revision: int
    recorded_at: datetime
    note: str = ""  # the comment recorded with the value (a value at risk needs one)


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """A dimension (None: the whole survey): the unit against its parent, the institution and the
    previous round; ``trend`` only when both rounds' figures are shown."""

    dimension: Dimension | None
    unit: SurveyFigure
    parent: SurveyFigure
    institution: SurveyFigure
    previous: SurveyFigure
    trend: Trend


@dataclass(frozen=True, slots=True)
class PerspectiveRow:
    dimension: Dimension | None
    groups: tuple[SurveyFigure, ...]  # in the order of ``Scorecard.groups``


@dataclass(frozen=True, slots=True)
class HiddenFigure:
    unit_code: str
    dimension: Dimension | None
    group: RespondentGroup | None  # None: all respondents
    visibility: Visibility


@dataclass
class Scorecard:
    unit: OrgUnit
    parent: OrgUnit | None
    institution: OrgUnit
    scores: PeriodScores  # the strategy, period, rounds, expected progress; every unit computed
    unit_scores: UnitScores
    children: list[tuple[OrgUnit, UnitScores]]
    profile: list[ProfileRow]
    groups: list[RespondentGroup]
    perspectives: list[PerspectiveRow]
    submitted: int | None  # submitted responses in the subtree; None without a round or below k
    response_rate: float | None  # submitted / headcount, 0–1; None below k
    records: dict[int, list[RecordUsed]] = field(default_factory=dict)  # by KPI id
    hidden: list[HiddenFigure] = field(default_factory=list)
    participation: Participation | None = None  # the response count as the reader may see it; None without a round

    @property
    def period(self) -> str:
        return self.scores.period

    def records_of(self, kpi_score: KpiScore) -> list[RecordUsed]:
        return self.records.get(kpi_score.kpi.id or 0, [])

    def comment_of(self, kpi_score: KpiScore) -> str:
        """The comment recorded with the unit's own value, shown next to it (a value rolled up
        from the units below lists theirs with its records)."""
        own = [r for r in self.records_of(kpi_score) if r.unit_code == self.unit.code]
        return own[0].note if own else ""


def unit_scorecard(
    session: Session,
    unit: OrgUnit,
    period: str,
    *,
    scope: UnitScope = EVERYTHING,
    strategy_id: int | None = None,
    today: date | None = None,
    round_id: int | None = None,
    scores: PeriodScores | None = None,
    exact_counts: bool = False,
) -> Scorecard:
    """The unit's scorecard for ``period`` ("2024", "2024-S1") under the strategy in force at its
    end, else the current one (or ``strategy_id``); children are those ``scope`` covers; ``round_id`` picks one of the period's
    closed survey rounds (the newest by default). ``scores``: the period already scored
    for (at least) the unit and its children, as a batch keeps it for all its reports.
    ``exact_counts``: the reader may see response counts below k (``surveys.rates.sees_exact_counts``
    for the strategy office; never for the API or reports). NotFound
    without a strategy; ValueError for a period label that is not a period."""
    if scores is not None:
        strategy_id = scores.strategy.id
    elif strategy_id is None:
        strategy = strategy_for(session, None, period, today)
        if strategy is None:
            raise NotFound("strategy")
        strategy_id = strategy.id
    assert strategy_id is not None
    assert unit.id is not None
    kids = children(session, unit, scope)
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars() if u.id is not None}
    parent = units.get(unit.parent_id) if unit.parent_id is not None else None
    root_id = unit.id
    while units[root_id].parent_id is not None:
        root_id = units[root_id].parent_id or root_id
    wanted = [unit.id, *(u.id for u in kids if u.id is not None)]
    if scores is None:
        scores = score_period(session, strategy_id, period, today=today, unit_ids=wanted, round_id=round_id)
    elif scores.period != str(Period.parse(period)):
        raise ValueError(f"scores of {scores.period} given for {period}")
    card = Scorecard(
        unit=unit,
        parent=parent,
        institution=units[root_id],
        scores=scores,
        unit_scores=scores.unit(unit.id),
        children=[(kid, scores.unit(kid.id)) for kid in kids if kid.id is not None],
        profile=[],
        groups=[],
        perspectives=[],
        submitted=None,
        response_rate=None,
    )
    _add_survey(session, card, units, exact_counts)
    card.records = records_used(session, scores, unit.id, units)
    return card


def _dimensions(scores: PeriodScores) -> list[Dimension | None]:
    model = scores.tree.model
    return [None, *(node.dimension for node in model.dimensions)] if model is not None else [None]


def _figure(survey: DisclosedRound | None, unit_id: int | None, dimension_id: int | None) -> SurveyFigure:
    if survey is None or unit_id is None:
        return NO_FIGURE
    return survey.figure(unit_id, dimension_id)


def _add_survey(session: Session, card: Scorecard, units: dict[int, OrgUnit], exact_counts: bool) -> None:
    survey, previous = card.scores.survey, card.scores.previous_survey
    unit_id = card.unit.id
    assert unit_id is not None
    if survey is None:
        return
    card.participation = participation(
        survey.submitted(unit_id),
        survey.k,
        headcount=survey.headcounts.get(unit_id),
        exact=exact_counts and survey.survey_round.office_exact_counts,
    )
    card.submitted = card.participation.count
    card.response_rate = card.participation.rate
    parent_id = card.parent.id if card.parent is not None else None
    for dimension in _dimensions(card.scores):
        dimension_id = dimension.id if dimension is not None else None
        now, before = _figure(survey, unit_id, dimension_id), _figure(previous, unit_id, dimension_id)
        trend = Trend(Change.UNKNOWN)
        if now.stats is not None and before.stats is not None:
            trend = survey_trend(now.stats, before.stats)
        card.profile.append(
            ProfileRow(
                dimension,
                now,
                _figure(survey, parent_id, dimension_id),
                _figure(survey, card.institution.id, dimension_id),
                before,
                trend,
            )
        )
    group_ids = {g for (_, _, g) in survey.aggregates.dimensions_by_group if g is not None}
    card.groups = list(
        session.execute(
            select(RespondentGroup)
            .where(col(RespondentGroup.id).in_(group_ids))
            .order_by(col(RespondentGroup.position), col(RespondentGroup.code))
        ).scalars()
    )
    for dimension in _dimensions(card.scores):
        dimension_id = dimension.id if dimension is not None else None
        figures = tuple(survey.figure(unit_id, dimension_id, g.id) for g in card.groups)
        card.perspectives.append(PerspectiveRow(dimension, figures))
    card.hidden = _hidden(card, survey, units)


def _hidden(card: Scorecard, survey: DisclosedRound, units: dict[int, OrgUnit]) -> list[HiddenFigure]:
    """Hidden figures in the unit's subtree (which, not what they would have been)."""
    below = _subtree(card.scores, card.unit.id or 0)
    dimensions = {d.id: d for d in _dimensions(card.scores) if d is not None}
    groups = {g.id: g for g in card.groups}
    return [
        HiddenFigure(
            units[unit_id].code,
            dimensions.get(dimension_id) if dimension_id is not None else None,
            None if group == ALL_GROUPS or not isinstance(group, int) else groups.get(group),
            visibility,
        )
        for unit_id, dimension_id, group, visibility in survey.hidden()
        if unit_id in below and (group == ALL_GROUPS or isinstance(group, int))
    ]


def _subtree(scores: PeriodScores, unit_id: int) -> set[int]:
    below: dict[int, list[int]] = {}
    for child, parent in scores.parents.items():
        if parent is not None:
            below.setdefault(parent, []).append(child)
    found, stack = set(), [unit_id]
    while stack:
        current = stack.pop()
        found.add(current)
        stack.extend(below.get(current, []))
    return found


def records_used(
    session: Session, scores: PeriodScores, unit_id: int, units: dict[int, OrgUnit]
) -> dict[int, list[RecordUsed]]:
    """For each KPI, the records its value for the unit was made from: those in the unit's subtree
    with no record on the way up to the unit (``indicators.rollup``); one query."""
    wanted = {
        (k.kpi.id or 0, k.period): k
        for indicator in scores.unit(unit_id).indicators()
        for k in indicator.kpis
        if k.period is not None
    }
    if not wanted:
        return {}
    rows = session.execute(
        select(KpiRecord)
        .where(
            col(KpiRecord.unit_id).in_(subtree_ids([unit_id])),
            col(KpiRecord.period).in_({period for _, period in wanted}),
            col(KpiRecord.kpi_id).in_({kpi_id for kpi_id, _ in wanted}),
        )
        .order_by(col(KpiRecord.unit_id))
    ).scalars()
    by_key: dict[tuple[int, str], dict[int, KpiRecord]] = {}
    for record in rows:
        if (record.kpi_id, record.period) in wanted:
            by_key.setdefault((record.kpi_id, record.period), {})[record.unit_id] = record
    out: dict[int, list[RecordUsed]] = {}
    for (kpi_id, period), records in by_key.items():
        score = wanted[kpi_id, period]
        counted = [r for r in records.values() if _counts(r.unit_id, unit_id, records, scores.parents)]
        if score.kpi.aggregation == Aggregation.INSTITUTION_ONLY:
            counted = [r for r in counted if r.unit_id == unit_id and scores.parents.get(unit_id) is None]
        out[kpi_id] = [
            RecordUsed(
                units[r.unit_id].code,
                r.period,
                r.value,
                r.numerator,
                r.denominator,
                r.source,
                r.revision,
                r.recorded_at,
                r.note,
            )
            for r in sorted(counted, key=lambda r: units[r.unit_id].code)
        ]
    return out


def _counts(record_unit: int, unit_id: int, records: dict[int, KpiRecord], parents: Mapping[int, int | None]) -> bool:
    """A record counts for the unit when no unit between it and the unit has a record of its own."""
    current = record_unit
    while current != unit_id:
        parent = parents.get(current)
        if parent is None:
            return False
        if parent in records:
            return False
        current = parent
    return True
