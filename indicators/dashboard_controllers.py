"""The leader dashboard and the strategy office's overview: thin handlers over
``indicators.scorecard`` and ``indicators.overview``."""

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.models import Strategy
from indicators.overview import overview
from indicators.score_labels import FORMULA, STATUS, STATUS_CLASS, TREND
from indicators.scorecard import default_period, period_choices, unit_scorecard
from indicators.services import current_strategy
from maturity.errors import N_, NotFound
from maturity.guards import requires_leader, requires_strategy_office
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope, get_unit, visible_units
from maturity.web import render, t

LABELS = {"status_labels": STATUS, "status_classes": STATUS_CLASS, "trend_labels": TREND, "formulas": FORMULA}


def _period(request: HTMXRequest, strategy: Strategy, period: str | None) -> tuple[str, list[str]]:
    today = datetime.now(UTC).date()
    choices = period_choices(strategy.period_start, strategy.period_end, today)
    if period is None or period == "":
        return default_period(strategy.period_start, strategy.period_end, today), choices
    if period not in choices:
        raise ValidationException(
            detail=t(request, N_("Choose one of the periods offered: %(periods)s."), periods=", ".join(choices))
        )
    return period, choices


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
    ) -> Template:
        """A unit's goals, indicators and maturity profile for a period; HTMX swaps the part below the form."""
        units = visible_units(db_session, unit_scope)
        chosen = get_unit(db_session, unit_scope, unit) if unit else _first_unit(units)
        strategy = current_strategy(db_session)
        if strategy is None:
            return render(request, "indicators/pages/no_strategy.html", {})
        label, choices = _period(request, strategy, period)
        card = unit_scorecard(db_session, chosen, label, scope=unit_scope, strategy_id=strategy.id)
        context: dict[str, Any] = {"card": card, "units": units, "periods": choices, "strategy": strategy, **LABELS}
        return render(request, "indicators/pages/dashboard.html", context, partial="indicators/partials/dashboard.html")


class OverviewController(Controller):
    path = "/overview"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="overview.index", sync_to_thread=True)
    def index(
        self, request: HTMXRequest, db_session: NamedDependency[Session], period: FromQuery[str | None] = None
    ) -> Template:
        """Every unit × goal status, and the KPI values overdue for their frequency."""
        strategy = current_strategy(db_session)
        if strategy is None:
            return render(request, "indicators/pages/no_strategy.html", {})
        label, choices = _period(request, strategy, period)
        assert strategy.id is not None
        found = overview(db_session, strategy.id, label)
        context: dict[str, Any] = {"view": found, "periods": choices, "strategy": strategy, **LABELS}
        return render(request, "indicators/pages/overview.html", context, partial="indicators/partials/overview.html")
