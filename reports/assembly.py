"""Building the report object for a unit and period from the scoring and disclosure services.

Nothing here scores: ``indicators.scorecard.unit_scorecard`` gives the goal, indicator and
measure scores with their status and trend, the KPI values with the records they were made
from, the disclosed maturity profile and perspectives; this module copies them into the report
object in the report's language. The KPI trend over periods is the scoring side's roll-up
(``indicators.rollup.kpi_rollups``) of the earlier periods, read the same way.
"""

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from indicators.kpi_series import kpi_series_periods
from indicators.logic_model import ActionRow, DimensionPlans, GoalLogic, dimension_plans, logic_model
from indicators.models import Aggregation
from indicators.rollup import kpi_rollups
from indicators.scorecard import Scorecard, unit_scorecard
from indicators.scores import GoalResult, IndicatorScore, KpiScore, SurveyMeasureScore
from indicators.strategy_tree import current_strategy
from maturity import i18n
from maturity.periods import Period
from maturity.scoring import Change, Trend
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, ancestors
from reports.appendix import method
from reports.branding import Branding, branding_from_env
from reports.content import (
    ActionLine,
    ActionMeasure,
    BehindIndicator,
    DimensionProfile,
    GoalSection,
    IndicatorSection,
    KpiLine,
    NarrativeText,
    ReportContent,
    Score,
    SeriesPoint,
    SourceLine,
    SurveyMeasureLine,
    UnitRef,
)
from reports.models import Narrative
from reports.narratives import find_narrative
from reports.shared_scoring import SharedScoring
from reports.survey_content import perspectives, profile, response_rate, survey_figure

NO_CHILDREN = UnitScope(everything=False, roots=frozenset())  # a report scores its unit, not the units below

Series = dict[int, tuple[SeriesPoint, ...]]  # by KPI id


def unit_ref(unit: OrgUnit, locale: str) -> UnitRef:
    return UnitRef(code=unit.code, name=unit.name(locale), kind=unit.kind)


def report_title(unit: OrgUnit, period: str, locale: str, *, final: bool = False) -> str:
    """The report's title; a concluded strategy's last period gives its final report."""
    if final:
        return i18n.translate(locale, "Final report %(period)s: %(unit)s", period=period, unit=unit.name(locale))
    return i18n.translate(locale, "Progress report %(period)s: %(unit)s", period=period, unit=unit.name(locale))


def build_content(
    session: Session,
    unit: OrgUnit,
    period: str,
    locale: str,
    shared: SharedScoring | None = None,
    branding: Branding | None = None,
) -> ReportContent:
    """The report object for ``unit`` in ``period`` (a checked period string), in ``locale``;
    with ``shared``, the period is scored once for every report that shares it. ``branding``
    (the institution's name and logo) defaults to the environment's configuration."""
    language = "en" if locale == "en" else "nb"
    when = Period.parse(period)
    brand = branding if branding is not None else branding_from_env()
    narrative = find_narrative(session, unit, period)
    strategy = current_strategy(session, today=when.end)
    if strategy is None or strategy.id is None:
        chain = ancestors(session, unit)
        top = chain[0] if chain else unit
        return ReportContent(
            unit=unit_ref(unit, language),
            parent=unit_ref(chain[-1], language) if chain else None,
            institution=unit_ref(top, language),
            institution_name=brand.name or top.name(language),
            logo=brand.logo,
            period=period,
            language=language,
            title=report_title(unit, period, language),
            data_as_of=_data_as_of(None, narrative),
            narrative=_narrative(narrative),
        )
    scores = shared.period_scores(session, strategy.id, period) if shared is not None else None
    card = unit_scorecard(session, unit, period, scope=NO_CHILDREN, strategy_id=strategy.id, scores=scores)
    series = _series(session, card, shared)
    logic = logic_model(session, card)
    return ReportContent(
        unit=unit_ref(unit, language),
        parent=unit_ref(card.parent, language) if card.parent else None,
        institution=unit_ref(card.institution, language),
        institution_name=brand.name or card.institution.name(language),
        logo=brand.logo,
        period=period,
        language=language,
        title=report_title(unit, period, language, final=card.scores.final),
        strategy_code=card.scores.strategy.code,
        strategy_title=card.scores.strategy.tr("title", language),
        data_as_of=_data_as_of(card, narrative),
        goals=tuple(_goal(card, g, series, language, logic.get(g.goal.id or 0)) for g in card.unit_scores.goals),
        profile=_with_actions(profile(card, language), dimension_plans(card, logic)),
        profile_previous_label=card.scores.previous_round.tr("name", language) if card.scores.previous_round else "",
        response_rate=response_rate(card),
        perspectives=perspectives(card, language),
        narrative=_narrative(narrative),
        method=method(session, card, when, language),
    )


def _data_as_of(card: Scorecard | None, narrative: Narrative | None) -> datetime | None:
    """The newest of what the report rests on: records used, the survey round's close, the narrative."""
    stamps = [r.recorded_at for used in card.records.values() for r in used] if card is not None else []
    if card is not None and card.scores.survey_round is not None:
        stamps.append(card.scores.survey_round.closes_at)
    if narrative is not None and narrative.text:
        stamps.append(narrative.updated_at)
    return max(stamps) if stamps else None


def _narrative(narrative: Narrative | None) -> NarrativeText | None:
    if narrative is None or not narrative.text:
        return None
    return NarrativeText(
        text=narrative.text,
        author=narrative.author_label.split(" <")[0],
        updated_at=narrative.updated_at,
        revision=narrative.revision,
    )


def _trend(trend: Trend) -> str:
    return str(Change(trend.change))


def _score(result: GoalResult | IndicatorScore) -> Score:
    """A goal's or an indicator's score as the report shows it."""
    return Score(
        value=result.combined.score,
        coverage=result.combined.coverage,
        insufficient=result.combined.insufficient,
        status=result.pace.status.value,
        trend=_trend(result.trend),
    )


def _action(row: ActionRow, locale: str) -> ActionLine:
    return ActionLine(
        code=row.action.code,
        title=row.action.tr("title", locale),
        unit=row.unit_code,
        status=row.action.status,
        measures=tuple(
            ActionMeasure(
                code=m.code,
                direction=m.direction,
                trend=_trend(m.trend),
                as_planned=m.as_planned,
                basis=m.basis,
                since=m.since,
            )
            for m in row.measures
        ),
    )


def _with_actions(rows: tuple[DimensionProfile, ...], plans: DimensionPlans) -> tuple[DimensionProfile, ...]:
    """Each dimension with the codes of the actions meant to move it."""
    return tuple(
        row.model_copy(update={"actions": tuple(r.action.code for r in plans.actions.get(row.code, []))})
        if row.code in plans.actions
        else row
        for row in rows
    )


def _followed(row: ActionRow) -> bool:
    return bool(row.measures or row.unit_code or row.action.owner_id or row.action.status != "planned")


def _behind(result: GoalResult, logic: GoalLogic) -> tuple[BehindIndicator, ...]:
    return tuple(
        BehindIndicator(
            code=i.indicator.code,
            actions=tuple(r.action.code for r in logic.by_indicator.get(i.indicator.id or 0, [])),
            no_action=i.indicator.id in logic.no_action,
        )
        for i in result.indicators
        if i.indicator.id in logic.behind
    )


def _goal(
    card: Scorecard, result: GoalResult, series: Series, locale: str, logic: GoalLogic | None = None
) -> GoalSection:
    weakest = result.weakest
    logic = logic or GoalLogic()
    return GoalSection(
        # the actions being followed: a title alone (the strategy's own list) is not repeated here
        actions=tuple(_action(row, locale) for row in logic.actions if _followed(row)),
        behind=_behind(result, logic),
        code=result.goal.code,
        title=result.goal.tr("title", locale),
        description=result.goal.tr("description", locale),
        score=_score(result),
        weakest_code=weakest.indicator.code if weakest else None,
        weakest_title=weakest.indicator.tr("title", locale) if weakest else None,
        indicators=tuple(_indicator(card, i, series, locale) for i in result.indicators),
    )


def _indicator(card: Scorecard, result: IndicatorScore, series: Series, locale: str) -> IndicatorSection:
    return IndicatorSection(
        code=result.indicator.code,
        title=result.indicator.tr("title", locale),
        score=_score(result),
        kpis=tuple(_kpi(card, k, series, locale) for k in result.kpis),
        surveys=tuple(_survey_measure(card, s, locale) for s in result.surveys),
    )


def _kpi(card: Scorecard, score: KpiScore, series: Series, locale: str) -> KpiLine:
    kpi = score.kpi
    baseline, target = score.baseline, score.target
    return KpiLine(
        code=kpi.code,
        name=kpi.tr("name", locale),
        unit_of_measure=kpi.tr("unit", locale),
        decimals=kpi.decimals,
        direction=kpi.direction,
        scoring=kpi.scoring,
        weight=score.weight,
        measured_for=card.unit.name(locale),
        institution_wide=kpi.aggregation == Aggregation.INSTITUTION_ONLY,
        baseline=baseline.value if baseline else None,
        baseline_from=baseline.valid_from.isoformat() if baseline else None,
        target=target.value if target else None,
        target_lower=target.lower if target else None,
        target_upper=target.upper if target else None,
        target_from=target.valid_from.isoformat() if target else None,
        actual=score.actual,
        actual_period=score.period,
        progress=score.progress.score if score.progress else None,
        progress_raw=score.progress.raw if score.progress else None,
        previous=score.previous,
        previous_period=score.previous_period,
        trend=_trend(score.trend),
        improved=score.trend.improved(kpi.direction),
        sources=tuple(
            SourceLine(
                unit_code=r.unit_code,
                period=r.period,
                value=r.value,
                numerator=r.numerator,
                denominator=r.denominator,
                source=r.source,
                revision=r.revision,
                recorded_at=r.recorded_at,
                note=r.note,
            )
            for r in card.records_of(score)
        ),
        series=series.get(kpi.id or 0, ()),
    )


def _survey_measure(card: Scorecard, score: SurveyMeasureScore, locale: str) -> SurveyMeasureLine:
    model = card.scores.tree.model
    dimension = next(
        (d.dimension for d in (model.dimensions if model else []) if d.dimension.id == score.measure.dimension_id),
        None,
    )
    return SurveyMeasureLine(
        dimension_code=dimension.code if dimension else "",
        dimension_name=dimension.tr("name", locale) if dimension else "",
        weight=score.measure.weight,
        figure=survey_figure(score.figure),
        baseline=score.measure.baseline,
        target=score.measure.target,
        progress=score.progress.score if score.progress else None,
        progress_raw=score.progress.raw if score.progress else None,
        trend=_trend(score.trend),
    )


def _series(session: Session, card: Scorecard, shared: SharedScoring | None) -> Series:
    """Each KPI's values for the unit over its last ``SERIES_LENGTH`` periods up to the one read
    (the roll-up the scores use; one statement for every KPI, or the batch's shared one)."""
    when = Period.parse(card.period)
    unit_id = card.unit.id
    wanted = {
        score.kpi.id: kpi_series_periods(score, when)
        for indicator in card.unit_scores.indicators()
        for score in indicator.kpis
        if score.kpi.id is not None
    }
    wanted = {kpi_id: periods for kpi_id, periods in wanted.items() if periods}
    if not wanted or unit_id is None:
        return {}
    value_of: Callable[[int, str], float | None]
    if shared is not None:
        values = shared.series_values(session, card.scores)

        def value_of(kpi_id: int, label: str) -> float | None:
            return values.get((kpi_id, unit_id), {}).get(label)

    else:
        every_period = sorted({label for periods in wanted.values() for label in periods})
        rollups = kpi_rollups(session, periods=every_period, kpi_ids=list(wanted), unit_ids=[unit_id])

        def value_of(kpi_id: int, label: str) -> float | None:
            rollup = rollups.get((kpi_id, unit_id, label))
            return rollup.value if rollup is not None else None

    return {
        kpi_id: tuple(SeriesPoint(period=p, value=v) for p in periods if (v := value_of(kpi_id, p)) is not None)
        for kpi_id, periods in wanted.items()
    }
