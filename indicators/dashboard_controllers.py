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

from indicators.dashboard_charts import dashboard_charts
from indicators.dashboard_periods import PeriodChoice, period_choice
from indicators.kpi_series import unit_series
from indicators.models import Strategy
from indicators.overview import OVERDUE_GROUPINGS, heatmap, overdue_groups, overview
from indicators.score_cache import ScoreCache
from indicators.score_labels import FORMULA, STATUS, STATUS_CLASS, TREND, expected_rule
from indicators.scorecard import EVERYTHING, unit_scorecard
from indicators.services import current_strategy
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
}


def provide_score_cache(request: Request[Any, Any, Any]) -> ScoreCache:
    return cast(ScoreCache, request.app.state.score_cache)


CACHE = {"score_cache": Provide(provide_score_cache, sync_to_thread=False)}


def _choice(
    request: HTMXRequest,
    session: Session,
    strategy: Strategy,
    scope: UnitScope,
    period: str | None,
    round_id: int | None = None,
) -> PeriodChoice:
    """The period (and round) asked for, or 400 naming the parameter that is wrong."""
    choice = period_choice(session, strategy, scope, period, round_id, datetime.now(UTC))
    if choice.problems:
        raise BadParameter(choice.problems)
    return choice


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
) -> tuple[str, dict[str, Any]]:
    """The dashboard's template and context (the period's scores kept in ``score_cache``)."""
    units = visible_units(db_session, unit_scope)
    chosen = get_unit(db_session, unit_scope, unit) if unit else _first_unit(units)
    strategy = current_strategy(db_session)
    if strategy is None:
        return "indicators/pages/no_strategy.html", {}
    choice = _choice(request, db_session, strategy, unit_scope, period, round_id)
    card = drawn = None
    if choice.chosen.has_data:
        assert strategy.id is not None
        assert chosen.id is not None
        strategy_id, unit_id = strategy.id, chosen.id
        round_chosen = choice.survey_round.id if choice.survey_round is not None else None
        inputs = score_cache.inputs(db_session)
        scores = score_cache.period_scores(db_session, strategy_id, choice.period, inputs, round_id=round_chosen)
        card = unit_scorecard(db_session, chosen, choice.period, scope=unit_scope, scores=scores)
        series = score_cache.kept(
            db_session,
            ("series", strategy_id, choice.period, round_chosen, unit_id),
            lambda s: unit_series(s, scores, unit_id),
            inputs,
        )
        drawn = dashboard_charts(card, series, locale_of(request))
    context: dict[str, Any] = {
        "card": card,
        "charts": drawn,
        "unit": chosen,
        "units": units,
        "choice": choice,
        "strategy": strategy,
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
) -> tuple[str, dict[str, Any]]:
    """The overview's template and context (the period's overview kept in ``score_cache``)."""
    strategy = current_strategy(db_session)
    if strategy is None:
        return "indicators/pages/no_strategy.html", {}
    choice = _choice(request, db_session, strategy, EVERYTHING, period)  # the office sees every unit
    assert strategy.id is not None
    strategy_id = strategy.id
    found = score_cache.kept(
        db_session,
        ("overview", strategy_id, choice.period),
        lambda s: overview(s, strategy_id, choice.period),
        score_cache.inputs(db_session),
    )
    grouping = overdue if overdue in OVERDUE_GROUPINGS else OVERDUE_GROUPINGS[0]
    context: dict[str, Any] = {
        "view": found,
        "heat": heatmap(found, sort, descending=order == "desc"),
        "overdue_by": grouping,
        "overdue_groups": overdue_groups(found, grouping),
        "choice": choice,
        "strategy": strategy,
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
        unit: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
        round_id: Annotated[int | None, QueryParameter(name="round")] = None,
    ) -> Template:
        """A unit's goals, indicators and maturity profile for a period (and survey round); HTMX
        swaps the part below the form. A period without data gets a page that says so."""
        page, context = dashboard_context(request, db_session, unit_scope, score_cache, unit, period, round_id)
        return render(request, page, context, partial="indicators/partials/dashboard.html")


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
    ) -> Template:
        """Every unit × goal status as a heatmap of the unit tree, sorted by a goal's score when
        asked (``sort`` a goal code, ``order=desc`` strongest first), and the KPI values overdue
        for their frequency, by unit or by KPI (``overdue=kpi``)."""
        page, context = overview_context(request, db_session, score_cache, period, sort, order, overdue)
        return render(request, page, context, partial="indicators/partials/overview.html")
