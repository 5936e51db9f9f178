"""Survey rounds for leaders and the strategy office: status and live response rates."""

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.db import utcnow
from maturity.errors import NotFound
from maturity.guards import requires_leader
from maturity.units.services import UnitScope
from maturity.web import render
from surveys.models import Response, Survey, SurveyRound
from surveys.rates import response_rates


class SurveyRoundController(Controller):
    path = "/surveys"
    guards = [requires_leader]
    include_in_schema = False

    @get("/", name="surveys.index", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        rounds = (
            db_session.execute(
                select(SurveyRound, Survey)
                .join(Survey, col(Survey.id) == col(SurveyRound.survey_id))
                .order_by(col(SurveyRound.opens_at).desc())
            )
            .tuples()
            .all()
        )
        submitted = dict(
            db_session.execute(
                select(col(Response.round_id), func.count())
                .where(col(Response.status) == "submitted")
                .group_by(col(Response.round_id))
            )
            .tuples()
            .all()
        )
        return render(request, "surveys/pages/rounds.html", {"rounds": rounds, "submitted": submitted, "now": utcnow()})

    @get("/rounds/{round_id:int}", name="surveys.round", sync_to_thread=True)
    def round_rates(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
    ) -> Template:
        """Live response rates for the reader's units; every few seconds with HTMX while open."""
        survey_round = db_session.get(SurveyRound, round_id)
        if survey_round is None:
            raise NotFound(round_id)
        rows, groups = response_rates(db_session, survey_round, unit_scope)
        context = {
            "survey_round": survey_round,
            "survey": db_session.get_one(Survey, survey_round.survey_id),
            "rows": rows,
            "groups": groups,
            "now": utcnow(),
        }
        return render(request, "surveys/pages/round.html", context, partial="surveys/partials/rates.html")
