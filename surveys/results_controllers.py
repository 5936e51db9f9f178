"""Results for my unit: the closed rounds of the reader's unit and each round's results."""

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.auth.models import User
from maturity.db import utcnow
from maturity.errors import NotFound
from maturity.guards import requires_login
from maturity.units.models import OrgUnit
from maturity.web import locale_of, render
from surveys.results import closed_rounds_of, results_chart, unit_results
from surveys.scheduling import get_round


class ResultsController(Controller):
    path = "/results"
    guards = [requires_login]
    include_in_schema = False

    @get("/", name="results.index", sync_to_thread=True)
    def index(
        self, request: HTMXRequest, db_session: NamedDependency[Session], user: NamedDependency[User]
    ) -> Template:
        unit = db_session.get(OrgUnit, user.home_unit_id) if user.home_unit_id is not None else None
        rounds = closed_rounds_of(db_session, unit.id, now=utcnow()) if unit is not None and unit.id is not None else []
        return render(request, "surveys/pages/results_index.html", {"unit": unit, "rounds": rounds})

    @get("/{round_id:int}", name="results.round", sync_to_thread=True)
    def show(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Template:
        """The results of the reader's own unit; 404 for an open round or one without the unit."""
        if user.home_unit_id is None:
            raise NotFound(round_id)
        results = unit_results(db_session, get_round(db_session, round_id), user.home_unit_id, now=utcnow())
        context = {"results": results, "chart": results_chart(results, locale_of(request))}
        return render(request, "surveys/pages/results.html", context)
