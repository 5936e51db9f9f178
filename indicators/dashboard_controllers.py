"""The leader dashboard and the strategy office's overview: thin handlers over
``indicators.scorecard`` and ``indicators.overview``."""

from datetime import UTC, datetime
from typing import Annotated, Any, cast

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.actions import STATUS_LABELS
from indicators.dashboard_charts import dashboard_charts
from indicators.dashboard_periods import PeriodChoice, period_choice
from indicators.kpi_series import unit_series
from indicators.logic_model import dimension_plans, logic_model
from indicators.models import Strategy
from indicators.overview import OVERDUE_GROUPINGS, heatmap, overdue_groups, overview
from indicators.score_cache import ScoreCache
from indicators.score_labels import (
    FORMULA,
    STATUS,
    STATUS_CLASS,
    TARGET_SOURCE,
    TREND,
    expected_rule,
    target_source_key,
)
from indicators.scorecard import EVERYTHING, unit_scorecard
from indicators.strategy_tree import list_strategies, strategy_for
from maturity.auth.models import Role, User
from maturity.errors import BadParameter, NotFound
from maturity.guards import requires_leader, requires_strategy_office
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, get_unit, visible_units
from maturity.web import locale_of, render

LABELS = {
    "status_labels": STATUS,
    "status_classes": STATUS_CLASS,
    "trend_labels": TREND,
    "formulas": FORMULA,
    "expected_rule": expected_rule,
    "target_sources": TARGET_SOURCE,
    "target_source_key": target_source_key,
}
OUTSIDE = "indicators/pages/outside_period.html"  # a period outside the strategy: 404 with the periods


def provide_score_cache(request: Request[Any, Any, Any]) -> ScoreCache:
    return cast(ScoreCache, request.app.state.score_cache)


CACHE = {"score_cache": Provide(provide_score_cache, sync_to_thread=False)}


def _outside(choice: PeriodChoice, strategy: Strategy, route: str, unit: OrgUnit | None) -> tuple[str, dict[str, Any]]:
    return OUTSIDE, {"choice": choice, "strategy": strategy, "route": route, "unit": unit}


def _render(request: HTMXRequest, page: str, context: dict[str, Any], partial: str) -> Template:
    """The page, or the page saying that the period lies outside the strategy (404)."""
    if page == OUTSIDE:
        return render(request, page, context, partial="indicators/partials/outside_period.html", status_code=404)
    return render(request, page, context, partial=partial)


def _first_unit(units: list[OrgUnit]) -> OrgUnit:
    """The reader's top unit: the institution for the office, the first led unit for a leader."""
    ids = {u.id for u in units}
    tops = [u for u in units if u.parent_id not in ids]
    if not tops:
        raise NotFound("unit")
    return tops[0]


def dashboard_context(
    request: HTMXRequest,
    db_session: Session,
    unit_scope: UnitScope,
    score_cache: ScoreCache,
    unit: str | None,
    period: str | None,
    round_id: int | None,
    strategy_code: str | None = None,
    exact_counts: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The dashboard's template and context (the period's scores kept in ``score_cache``): the
    strategy named, else the one in force at the period's end, else today's (or the latest
    concluded one); ``exact_counts``: the reader is the strategy office (response counts below k
    are exact when the round lets the office see them)."""
    units = visible_units(db_session, unit_scope)
    chosen = get_unit(db_session, unit_scope, unit) if unit else _first_unit(units)
    strategy = strategy_for(db_session, strategy_code, period)
    if strategy is None:
        return "indicators/pages/no_strategy.html", {}
    assert strategy.id is not None
    strategy_id = strategy.id
    inputs = score_cache.inputs(db_session)
    # Everything below is kept until a write changes the scores' inputs (indicators.score_cache):
    # the periods offered, the period's scores, the unit's scorecard, KPI series and charts.
    now = datetime.now(UTC)
    choice = score_cache.kept(
        db_session,
        ("choice", strategy_id, unit_scope, period, round_id),
        lambda s: period_choice(s, s.get_one(Strategy, strategy_id), unit_scope, period, round_id, now),
        inputs,
    )
    if choice.problems:
        raise BadParameter(choice.problems)
    if choice.outside:
        return _outside(choice, strategy, "dashboard.index", chosen)
    card = drawn = None
    if choice.chosen.has_data:
        assert chosen.id is not None
        unit_id, locale = chosen.id, locale_of(request)
        round_chosen = choice.survey_round.id if choice.survey_round is not None else None
        scores = score_cache.period_scores(db_session, strategy_id, choice.period, inputs, round_id=round_chosen)
        where = (strategy_id, choice.period, round_chosen, unit_id, unit_scope, exact_counts)
        card = score_cache.kept(
            db_session,
            ("card", *where),
            lambda s: unit_scorecard(
                s,
                s.get_one(OrgUnit, unit_id),
                choice.period,
                scope=unit_scope,
                scores=scores,
                exact_counts=exact_counts,
            ),
            inputs,
        )
        series = score_cache.kept(db_session, ("series", *where), lambda s: unit_series(s, scores, unit_id), inputs)
        drawn = score_cache.kept(
            db_session, ("charts", *where, locale), lambda _: dashboard_charts(card, series, locale), inputs
        )
    context: dict[str, Any] = {
        "card": card,
        # not kept with the scores: actions are not inputs of scores, so their writes keep the cache
        "logic": (logic := logic_model(db_session, card) if card is not None else None),
        "dimension_plans": dimension_plans(card, logic) if card is not None and logic is not None else None,
        "action_status_labels": STATUS_LABELS,
        "charts": drawn,
        "unit": chosen,
        "units": units,
        "choice": choice,
        "strategy": strategy,
        "strategies": list_strategies(db_session),
        "today": datetime.now(UTC).date(),
        **LABELS,
    }
    return "indicators/pages/dashboard.html", context


def overview_context(
    request: HTMXRequest,
    db_session: Session,
    score_cache: ScoreCache,
    period: str | None,
    sort: str | None,
    order: str | None,
    overdue: str | None,
    strategy_code: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """The overview's template and context (the period's overview kept in ``score_cache``)."""
    strategy = strategy_for(db_session, strategy_code, period)
    if strategy is None:
        return "indicators/pages/no_strategy.html", {}
    assert strategy.id is not None
    strategy_id = strategy.id
    inputs = score_cache.inputs(db_session)
    now = datetime.now(UTC)
    choice = score_cache.kept(  # the office sees every unit
        db_session,
        ("choice", strategy_id, EVERYTHING, period, None),
        lambda s: period_choice(s, s.get_one(Strategy, strategy_id), EVERYTHING, period, None, now),
        inputs,
    )
    if choice.problems:
        raise BadParameter(choice.problems)
    if choice.outside:
        return _outside(choice, strategy, "overview.index", None)
    found = score_cache.kept(
        db_session, ("overview", strategy_id, choice.period), lambda s: overview(s, strategy_id, choice.period), inputs
    )
    grouping = overdue if overdue in OVERDUE_GROUPINGS else OVERDUE_GROUPINGS[0]
    context: dict[str, Any] = {
        "view": found,
        "heat": heatmap(found, sort, descending=order == "desc"),
        "overdue_by": grouping,
        "overdue_groups": overdue_groups(found, grouping),
        "choice": choice,
        "strategy": strategy,
        "strategies": list_strategies(db_session),
        "today": datetime.now(UTC).date(),
        **LABELS,
    }
    return "indicators/pages/overview.html", context


class DashboardController(Controller):
    path = "/dashboard"
    guards = [requires_leader]
    dependencies = CACHE
    include_in_schema = False

    @get("/", name="dashboard.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        score_cache: NamedDependency[ScoreCache],
        user: NamedDependency[User],
        unit: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
        round_id: Annotated[int | None, QueryParameter(name="round")] = None,
        strategy_code: Annotated[str | None, QueryParameter(name="strategy")] = None,
    ) -> Template:
        """A unit's goals, indicators and maturity profile for a period (and survey round); HTMX
        swaps the part below the form. A period without data gets a page that says so; one
        outside the strategy a 404 page with the periods that have data."""
        office = user.has_role(Role.STRATEGY_OFFICE)
        page, context = dashboard_context(
            request, db_session, unit_scope, score_cache, unit, period, round_id, strategy_code, office
        )
        return _render(request, page, context, "indicators/partials/dashboard.html")


class OverviewController(Controller):
    path = "/overview"
    guards = [requires_strategy_office]
    dependencies = CACHE
    include_in_schema = False

    @get("/", name="overview.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        score_cache: NamedDependency[ScoreCache],
        period: FromQuery[str | None] = None,
        sort: FromQuery[str | None] = None,
        order: FromQuery[str | None] = None,
        overdue: FromQuery[str | None] = None,
        strategy_code: Annotated[str | None, QueryParameter(name="strategy")] = None,
    ) -> Template:
        """Every unit × goal status as a heatmap of the unit tree, sorted by a goal's score when
        asked (``sort`` a goal code, ``order=desc`` strongest first), and the KPI values overdue
        for their frequency, by unit or by KPI (``overdue=kpi``)."""
        page, context = overview_context(request, db_session, score_cache, period, sort, order, overdue, strategy_code)
        return _render(request, page, context, "indicators/partials/overview.html")
