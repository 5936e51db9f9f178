"""The leader dashboard and the strategy office's overview: thin handlers over
``indicators.scorecard`` and ``indicators.overview``."""

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.dashboard_periods import PeriodChoice, period_choice
from indicators.models import Strategy
from indicators.overview import overview
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
from indicators.services import list_strategies, strategy_for
from maturity.errors import BadParameter, NotFound
from maturity.guards import requires_leader, requires_strategy_office
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, get_unit, visible_units
from maturity.web import render

LABELS = {
    "status_labels": STATUS,
    "status_classes": STATUS_CLASS,
    "trend_labels": TREND,
    "formulas": FORMULA,
    "expected_rule": expected_rule,
    "target_sources": TARGET_SOURCE,
    "target_source_key": target_source_key,
}


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


def _outside(
    request: HTMXRequest, choice: PeriodChoice, strategy: Strategy, route: str, unit: OrgUnit | None
) -> Template:
    """A period outside the strategy's dates: 404, with the periods that exist."""
    context = {"choice": choice, "strategy": strategy, "route": route, "unit": unit}
    return render(
        request,
        "indicators/pages/outside_period.html",
        context,
        partial="indicators/partials/outside_period.html",
        status_code=404,
    )


def _first_unit(units: list[OrgUnit]) -> OrgUnit:
    """The reader's top unit: the institution for the office, the first led unit for a leader."""
    ids = {u.id for u in units}
    tops = [u for u in units if u.parent_id not in ids]
    if not tops:
        raise NotFound("unit")
    return tops[0]


class DashboardController(Controller):
    path = "/dashboard"
    guards = [requires_leader]
    include_in_schema = False

    @get("/", name="dashboard.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        unit: FromQuery[str | None] = None,
        period: FromQuery[str | None] = None,
        round_id: Annotated[int | None, QueryParameter(name="round")] = None,
        strategy_code: Annotated[str | None, QueryParameter(name="strategy")] = None,
    ) -> Template:
        """A unit's goals, indicators and maturity profile for a period (and survey round); HTMX
        swaps the part below the form. A period without data gets a page that says so."""
        units = visible_units(db_session, unit_scope)
        chosen = get_unit(db_session, unit_scope, unit) if unit else _first_unit(units)
        strategy = strategy_for(db_session, strategy_code, period)
        if strategy is None:
            return render(request, "indicators/pages/no_strategy.html", {})
        choice = _choice(request, db_session, strategy, unit_scope, period, round_id)
        if choice.outside:
            return _outside(request, choice, strategy, "dashboard.index", chosen)
        card = None
        if choice.chosen.has_data:
            round_chosen = choice.survey_round.id if choice.survey_round is not None else None
            card = unit_scorecard(
                db_session, chosen, choice.period, scope=unit_scope, strategy_id=strategy.id, round_id=round_chosen
            )
        context: dict[str, Any] = {
            "card": card,
            "unit": chosen,
            "units": units,
            "choice": choice,
            "strategy": strategy,
            "strategies": list_strategies(db_session),
            "today": datetime.now(UTC).date(),
            **LABELS,
        }
        return render(request, "indicators/pages/dashboard.html", context, partial="indicators/partials/dashboard.html")


class OverviewController(Controller):
    path = "/overview"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="overview.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        period: FromQuery[str | None] = None,
        strategy_code: Annotated[str | None, QueryParameter(name="strategy")] = None,
    ) -> Template:
        """Every unit × goal status, and the KPI values overdue for their frequency."""
        strategy = strategy_for(db_session, strategy_code, period)
        if strategy is None:
            return render(request, "indicators/pages/no_strategy.html", {})
        choice = _choice(request, db_session, strategy, EVERYTHING, period)  # the office sees every unit
        if choice.outside:
            return _outside(request, choice, strategy, "overview.index", None)
        assert strategy.id is not None
        found = overview(db_session, strategy.id, choice.period)
        context: dict[str, Any] = {
            "view": found,
            "choice": choice,
            "strategy": strategy,
            "strategies": list_strategies(db_session),
            "today": datetime.now(UTC).date(),
            **LABELS,
        }
        return render(request, "indicators/pages/overview.html", context, partial="indicators/partials/overview.html")
