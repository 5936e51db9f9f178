"""The read-only scores API: one unit's composed, disclosed scores for a period, within the
token's units. A unit outside them is answered exactly like an unknown unit (404)."""

from datetime import UTC, date, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from sqlmodel import Session

from indicators.api import CODE
from indicators.api_auth import ERRORS_AND_UNKNOWN_UNIT, ApiClient, ApiError, TokenApi, api_locale
from indicators.dashboard_periods import period_choice
from indicators.scorecard import Scorecard, unit_scorecard
from indicators.scores import GoalResult, IndicatorScore, KpiScore, SurveyMeasureScore
from indicators.strategy_tree import strategy_for
from maturity import i18n
from maturity.errors import N_, BadParameter
from maturity.periods import PERIOD_PATTERN
from maturity.scoring import Pace, Trend
from maturity.units.services import get_unit
from surveys.figures import SurveyFigure

Status = Annotated[
    str,
    msgspec.Meta(
        description=(
            "achieved, on_track, behind, at_risk or insufficient_data (no score, or coverage below 50 %); "
            "for a concluded strategy's final period: achieved, partly_achieved or not_achieved."
        )
    ),
]
Change = Annotated[
    str, msgspec.Meta(description="up, down, steady (within the noise) or unknown (nothing to compare).")
]


class FigureOut(msgspec.Struct):
    """A survey figure. Unless ``visibility`` is ``shown`` it carries no number at all."""

    visibility: Annotated[
        str,
        msgspec.Meta(
            description="shown; too_few (too few responses: hidden by disclosure control, for its own respondents or to protect another figure, which is not said); empty (no responses)."
        ),
    ]
    n: int | None = None
    mean: float | None = None
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None


class KpiOut(msgspec.Struct):
    code: str
    period: Annotated[str | None, msgspec.Meta(description="The KPI period read; none when it has no value.")]
    actual: float | None
    records: Annotated[int, msgspec.Meta(description="Records (units) the value was made from.")]
    baseline: float | None
    target: float | None
    score: Annotated[float | None, msgspec.Meta(description="Progress on 0–100.")]
    raw: Annotated[float | None, msgspec.Meta(description="Progress before clamping: above 100 is beyond the target.")]
    previous: float | None
    trend: Change
    formula: str


class SurveyMeasureOut(msgspec.Struct):
    dimension: str
    figure: FigureOut
    baseline: float
    target: float
    score: float | None
    trend: Change
    formula: str


class IndicatorOut(msgspec.Struct):
    code: str
    score: float | None
    coverage: float
    status: Status
    trend: Change
    formula: str
    kpis: list[KpiOut]
    survey_measures: list[SurveyMeasureOut]


class GoalOut(msgspec.Struct):
    code: str
    score: float | None
    coverage: float
    status: Status
    trend: Change
    weakest_indicator: str | None
    formula: str
    indicators: list[IndicatorOut]


class ProfileOut(msgspec.Struct):
    dimension: Annotated[str | None, msgspec.Meta(description="The dimension's code; none for all dimensions.")]
    unit: FigureOut
    parent: FigureOut
    institution: FigureOut
    previous_round: FigureOut
    trend: Change


class ScoresOut(msgspec.Struct):
    """A unit's scores for a period, as the dashboard shows them."""

    unit: str
    period: Annotated[str | None, msgspec.Meta(description="None when no strategy has been defined.")]
    strategy: Annotated[str | None, msgspec.Meta(description="The current strategy's code; None when there is none.")]
    judged_on: Annotated[date | None, msgspec.Meta(description="Pace is judged on this day.")] = None
    expected_progress: float | None = None
    survey_round: str | None = None
    min_group_size: int | None = None
    responses: Annotated[
        int | None,
        msgspec.Meta(description="Submitted responses in the unit's subtree; none below k (see responses_below_k)."),
    ] = None
    responses_below_k: Annotated[
        bool, msgspec.Meta(description="True when the unit has fewer than k responses: the count is not given.")
    ] = False
    response_rate: Annotated[float | None, msgspec.Meta(description="0–1; none below k or without a headcount.")] = None
    goals: list[GoalOut] = msgspec.field(default_factory=list)
    profile: list[ProfileOut] = msgspec.field(default_factory=list)


def _figure(f: SurveyFigure) -> FigureOut:
    if not f.shown or f.stats is None:
        return FigureOut(visibility=str(f.visibility))
    s = f.stats
    return FigureOut(visibility="shown", n=s.n, mean=s.mean, sd=s.sd, ci_low=s.ci_low, ci_high=s.ci_high)


def _status(p: Pace) -> str:
    return str(p.status)


def _change(t: Trend) -> str:
    return str(t.change)


def _kpi(k: KpiScore) -> KpiOut:
    return KpiOut(
        code=k.kpi.code,
        period=k.period,
        actual=k.actual,
        records=k.rollup.units if k.rollup is not None else 0,
        baseline=k.baseline.value if k.baseline is not None else None,
        target=k.target.value if k.target is not None else None,
        score=k.score,
        raw=k.progress.raw if k.progress is not None else None,
        previous=k.previous,
        trend=_change(k.trend),
        formula=k.formula,
    )


def _survey(s: SurveyMeasureScore, codes: dict[int, str]) -> SurveyMeasureOut:
    return SurveyMeasureOut(
        dimension=codes.get(s.measure.dimension_id, str(s.measure.dimension_id)),
        figure=_figure(s.figure),
        baseline=s.measure.baseline,
        target=s.measure.target,
        score=s.score,
        trend=_change(s.trend),
        formula=s.formula,
    )


def _indicator(i: IndicatorScore, codes: dict[int, str]) -> IndicatorOut:
    return IndicatorOut(
        code=i.indicator.code,
        score=i.combined.score,
        coverage=i.combined.coverage,
        status=_status(i.pace),
        trend=_change(i.trend),
        formula=i.formula,
        kpis=[_kpi(k) for k in i.kpis],
        survey_measures=[_survey(s, codes) for s in i.surveys],
    )


def _goal(g: GoalResult, codes: dict[int, str]) -> GoalOut:
    return GoalOut(
        code=g.goal.code,
        score=g.combined.score,
        coverage=g.combined.coverage,
        status=_status(g.pace),
        trend=_change(g.trend),
        weakest_indicator=g.weakest.indicator.code if g.weakest is not None else None,
        formula=g.formula,
        indicators=[_indicator(i, codes) for i in g.indicators],
    )


def scores_out(card: Scorecard) -> ScoresOut:
    """The scorecard as JSON: the same composed and disclosed figures the dashboard shows."""
    model = card.scores.tree.model
    codes = {n.dimension.id: n.dimension.code for n in model.dimensions if n.dimension.id} if model else {}
    s = card.scores
    return ScoresOut(
        unit=card.unit.code,
        period=card.period,
        strategy=s.strategy.code,
        judged_on=s.on,
        expected_progress=s.expected,
        survey_round=s.survey_round.name_en if s.survey_round is not None else None,
        min_group_size=s.survey_round.min_group_size if s.survey_round is not None else None,
        responses=card.submitted,
        responses_below_k=card.participation is not None and card.participation.below_k,
        response_rate=card.response_rate,
        goals=[_goal(g, codes) for g in card.unit_scores.goals],
        profile=[
            ProfileOut(
                dimension=row.dimension.code if row.dimension is not None else None,
                unit=_figure(row.unit),
                parent=_figure(row.parent),
                institution=_figure(row.institution),
                previous_round=_figure(row.previous),
                trend=_change(row.trend),
            )
            for row in card.profile
        ],
    )


class ScoresApi(TokenApi):
    path = "/api/scores"
    tags = ["Scores"]

    @get(
        "/",
        name="api.scores.show",
        sync_to_thread=True,
        summary="Read a unit's scores",
        response_description="Goal, indicator and measure scores, status and trend, and the maturity profile.",
        description=(
            "The scores of one unit (its whole subtree) for a period under the current strategy, read-only. "
            "Survey figures from fewer than k respondents, or that would reveal such a figure, carry no number. "
            "A unit outside the token's reach is answered like an unknown one: 404."
        ),
        responses={
            **ERRORS_AND_UNKNOWN_UNIT,
            404: ResponseSpec(
                data_container=ApiError,
                description="The unit or the strategy is not known, or the period lies outside the strategy.",
                generate_examples=False,
            ),
        },
    )
    def show(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[Session],
        api_client: NamedDependency[ApiClient],
        unit: Annotated[str, QueryParameter(pattern=CODE, description="The unit's code.")],
        period: Annotated[
            str | None,
            QueryParameter(
                pattern=PERIOD_PATTERN,
                description=(
                    "A period of the strategy, e.g. 2024 or 2024-S1; by default the latest that has ended and has "
                    "data. Outside the strategy's dates: 404 listing the periods with data."
                ),
            ),
        ] = None,
        strategy_code: Annotated[
            str | None,
            QueryParameter(
                name="strategy",
                pattern=CODE,
                description=(
                    "A strategy's code; by default the one in force at the period's end, else today's. "
                    "An unknown code: 404."
                ),
            ),
        ] = None,
    ) -> ScoresOut:
        chosen = get_unit(db_session, api_client.scope, unit)
        strategy = strategy_for(db_session, strategy_code, period)
        if strategy is None:
            return ScoresOut(unit=chosen.code, period=None, strategy=None)
        choice = period_choice(db_session, strategy, api_client.scope, period, None, datetime.now(UTC))
        if choice.problems:
            raise BadParameter(choice.problems)
        if choice.outside:
            message = i18n.translate(
                api_locale(request),
                N_("%(period)s is outside the strategy %(start)s – %(end)s. Periods with data: %(periods)s."),
                period=choice.period,
                start=strategy.period_start.isoformat(),
                end=strategy.period_end.isoformat(),
                periods=", ".join(o.label for o in choice.with_data) or "–",
            )
            links = [f"/api/scores?unit={chosen.code}&period={o.label}" for o in choice.with_data]
            raise NotFoundException(
                detail=message, extra={"periods": [o.label for o in choice.with_data], "links": links}
            )
        period = choice.period
        card = unit_scorecard(db_session, chosen, period, scope=api_client.scope, strategy_id=strategy.id)
        return scores_out(card)
