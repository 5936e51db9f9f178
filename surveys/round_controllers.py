"""Survey rounds for leaders and the strategy office: status and live response rates."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.guards import requires_leader, requires_strategy_office
from maturity.settings import Settings
from maturity.units.services import UnitScope
from maturity.web import render
from surveys.models import Response as SurveyResponse
from surveys.models import Survey, SurveyRound
from surveys.rates import response_rates
from surveys.services import invite_from_csv, links_csv, send_invitations

MAX_STAFF_FILE = 5 * 1024 * 1024


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
                select(col(SurveyResponse.round_id), func.count())
                .where(col(SurveyResponse.status) == "submitted")
                .group_by(col(SurveyResponse.round_id))
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
            "problems": [],
            "survey_round": survey_round,
            "survey": db_session.get_one(Survey, survey_round.survey_id),
            "rows": rows,
            "groups": groups,
            "now": utcnow(),
        }
        return render(request, "surveys/pages/round.html", context, partial="surveys/partials/rates.html")

    @post(
        "/rounds/{round_id:int}/invitations",
        name="surveys.invite",
        guards=[requires_strategy_office],
        sync_to_thread=True,
    )
    def invite_staff(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        data: MultipartBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
    ) -> Response[bytes] | Template:
        """A staff list in, the personal links out (as a file, once), and e-mails if asked for."""
        survey_round = db_session.get(SurveyRound, round_id)
        if survey_round is None:
            raise NotFound(round_id)
        survey = db_session.get_one(Survey, survey_round.survey_id)
        upload = data.get("file")
        content = b""
        if isinstance(upload, UploadFile):
            with upload.file:
                content = upload.file.read(MAX_STAFF_FILE + 1)
        try:
            if not content:
                raise InvalidInput([Problem(N_("Choose a CSV file."))])
            issued = invite_from_csv(db_session, survey_round, content, actor=Actor.of(user))
        except InvalidInput as exc:
            rows, groups = response_rates(db_session, survey_round, unit_scope)
            context = {
                "problems": exc.problems,
                "survey_round": survey_round,
                "survey": survey,
                "rows": rows,
                "groups": groups,
                "now": utcnow(),
            }
            return render(request, "surveys/pages/round.html", context, status_code=422)
        if data.get("send") == "1":
            send_invitations(db_session, settings, survey, survey_round, issued)
        text = links_csv(db_session, issued, settings.base_url)
        return Response(
            "\ufeff".encode() + text.encode(),
            media_type="text/csv; charset=utf-8",
            status_code=200,
            headers={
                "content-disposition": f'attachment; filename="links-round-{round_id}.csv"',
                "cache-control": "no-store",
            },
        )
