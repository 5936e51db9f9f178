"""Results for my unit: once a round has closed, everyone of a unit in it — the staff member
logged in, and the respondent by their link — sees the unit's profile beside its parent's and
the institution's, and its response rate. Every figure comes from the round's one disclosure
decision (``surveys.figures.disclosed_round``): a hidden figure reaches this page as its reason
only, as on the dashboard, in the API, the reports and the export."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlmodel import Session, col

from maturity import i18n
from maturity.charts import Chart, ProfileValue, profile_chart
from maturity.disclosure import Participation
from maturity.errors import NotFound
from maturity.maturity_model.models import Dimension
from maturity.units.models import OrgUnit
from maturity.units.services import ancestors
from surveys.answer_pages import ProfileRow
from surveys.answering import Respondent
from surveys.figures import SurveyFigure, disclosed_round
from surveys.invitations import find_invitation, resume_key
from surveys.models import Response, Survey, SurveyRound, SurveySection
from surveys.rates import shown_rate
from surveys.rounds import round_unit_ids


@dataclass(frozen=True, slots=True)
class ClosedRound:
    survey_round: SurveyRound
    survey: Survey


@dataclass(frozen=True, slots=True)
class DimensionResult:
    dimension: Dimension
    unit: SurveyFigure
    parent: SurveyFigure | None
    institution: SurveyFigure | None


@dataclass(frozen=True, slots=True)
class UnitResults:
    survey_round: SurveyRound
    survey: Survey
    unit: OrgUnit
    parent: OrgUnit | None
    institution: OrgUnit | None  # None when the unit is the institution
    dimensions: list[DimensionResult]
    overall: SurveyFigure  # the whole survey, every scored answer
    rate: Participation
    headcount: int

    @property
    def k(self) -> int:
        return self.survey_round.min_group_size

    @property
    def shown(self) -> list[DimensionResult]:
        return [d for d in self.dimensions if d.unit.shown]

    @property
    def strongest(self) -> DimensionResult | None:
        shown = self.shown
        return max(shown, key=lambda d: d.unit.mean or 0.0) if len(shown) > 1 else None

    @property
    def weakest(self) -> DimensionResult | None:
        shown = self.shown
        return min(shown, key=lambda d: d.unit.mean or 0.0) if len(shown) > 1 else None


def is_closed(survey_round: SurveyRound, now: datetime) -> bool:
    return survey_round.status(now) == "closed"


def closed_rounds_of(session: Session, unit_id: int, *, now: datetime) -> list[ClosedRound]:
    """The closed rounds a unit was part of (a target unit or below one), newest first."""
    rows = (
        session.execute(
            select(SurveyRound, Survey)
            .join(Survey, col(Survey.id) == col(SurveyRound.survey_id))
            .where(or_(col(SurveyRound.closed_at).is_not(None), col(SurveyRound.closes_at) <= now))
            .order_by(col(SurveyRound.closes_at).desc(), col(SurveyRound.id).desc())
        )
        .tuples()
        .all()
    )
    return [ClosedRound(r, s) for r, s in rows if unit_id in round_unit_ids(session, r)]


def unit_results(session: Session, survey_round: SurveyRound, unit_id: int, *, now: datetime) -> UnitResults:
    """The unit's results of a closed round; NotFound while the round is open or when the unit
    was not in it (nothing says which)."""
    if not is_closed(survey_round, now) or unit_id not in round_unit_ids(session, survey_round):
        raise NotFound(survey_round.id)
    unit = session.get_one(OrgUnit, unit_id)
    line = ancestors(session, unit)
    parent = line[-1] if line else None
    institution = line[0] if line else None
    survey = session.get_one(Survey, survey_round.survey_id)
    decided = disclosed_round(session, survey_round)
    dimension_ids = [
        d
        for d in session.execute(
            select(col(SurveySection.dimension_id))
            .where(col(SurveySection.survey_id) == survey.id, col(SurveySection.dimension_id).is_not(None))
            .order_by(col(SurveySection.position))
        ).scalars()
        if d is not None
    ]
    dimensions = {
        d.id: d for d in session.execute(select(Dimension).where(col(Dimension.id).in_(dimension_ids))).scalars()
    }
    results = [
        DimensionResult(
            dimensions[d],
            decided.figure(unit_id, d),
            decided.figure(parent.id, d) if parent is not None and parent.id is not None else None,
            decided.figure(institution.id, d)
            if institution is not None and institution is not parent and institution.id is not None
            else None,
        )
        for d in dimension_ids
        if d in dimensions
    ]
    overall = decided.figure(unit_id, None)
    headcount = decided.headcounts.get(unit_id, 0)
    rate = shown_rate(decided.submitted(unit_id), headcount, overall.visibility, k=decided.k, exact=False)
    return UnitResults(survey_round, survey, unit, parent, institution, results, overall, rate, headcount)


def results_chart(results: UnitResults, locale: str) -> Chart | None:
    """The unit's shown dimension scores beside its parent's and the institution's (only figures
    the decision shows); None when the unit has none."""
    series = [(results.unit, "unit", lambda d: d.unit)]
    if results.parent is not None:
        series.append((results.parent, "parent", lambda d: d.parent))
    if results.institution is not None:
        series.append((results.institution, "institution", lambda d: d.institution))
    values = []
    for unit, _, pick in series:
        for result in results.dimensions:
            figure = pick(result)
            if result.unit.shown and figure is not None and figure.shown and figure.mean is not None:
                values.append(ProfileValue(result.dimension.tr("name", locale), unit.name(locale), figure.mean))
    if not any(v.series == results.unit.name(locale) for v in values):
        return None
    present = [(u, role) for u, role, _ in series if any(v.series == u.name(locale) for v in values)]
    return profile_chart(
        values, [u.name(locale) for u, _ in present], results.unit.name(locale), locale, [r for _, r in present]
    )


def own_and_unit_chart(profile: Sequence[ProfileRow], results: UnitResults | None, locale: str) -> Chart | None:
    """The respondent's own profile (``services.profile_view``), beside their unit's once
    published: only the unit's figures the round's decision shows."""
    mine = i18n.translate(locale, "You")
    values = [ProfileValue(row.dimension.tr("name", locale), mine, row.score) for row in profile]
    if not values:
        return None
    order, roles = [mine], ["unit"]
    if results is not None:
        unit_name = results.unit.name(locale)
        own = {row.dimension.id for row in profile}
        theirs = [
            ProfileValue(result.dimension.tr("name", locale), unit_name, result.unit.mean)
            for result in results.dimensions
            if result.dimension.id in own and result.unit.shown and result.unit.mean is not None
        ]
        if theirs:
            values += theirs
            order.append(unit_name)
            roles.append("parent")
    return profile_chart(values, order, i18n.translate(locale, "your answers"), locale, roles)


def closed_feedback(session: Session, token: str, *, secret: str, now: datetime) -> Respondent | None:
    """The respondent whose link answered and submitted, once the round has closed (else None):
    their feedback page stays readable with the unit's results beside their own."""
    invitation = find_invitation(session, token)
    if invitation is None:
        return None
    row = (
        session.execute(
            select(Response, SurveyRound, Survey)
            .join(SurveyRound, col(SurveyRound.id) == col(Response.round_id))
            .join(Survey, col(Survey.id) == col(SurveyRound.survey_id))
            .where(col(Response.resume_hash) == resume_key(secret, token), col(Response.status) == "submitted")
        )
        .tuples()
        .first()
    )
    if row is None or not is_closed(row[1], now):
        return None
    response, survey_round, survey = row
    return Respondent(response, survey_round, survey, invitation)
