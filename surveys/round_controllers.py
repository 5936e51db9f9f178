"""Survey rounds for leaders and the strategy office: status and live response rates."""

from collections.abc import Sequence
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event
from maturity.auth.models import User
from maturity.db import Database, utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.guards import requires_leader, requires_strategy_office
from maturity.jobs import JobQueue
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from maturity.web import MEGABYTE, UPLOAD_LIMIT_OPT, flash, locale_of, redirect, render, t
from surveys.export import export_round
from surveys.invitations import invite_from_csv, links_csv
from surveys.models import Invitation, Survey, SurveyRound
from surveys.models import Response as SurveyResponse
from surveys.rates import rate_lines, rates_bars, response_rates, sees_exact_counts
from surveys.reminders import check_open_for_reminders, reminder_plan
from surveys.rounds import round_unit_ids
from surveys.scheduling import get_round
from surveys.staff_invitations import invite_staff_of_units
from surveys.tasks import SEND_INVITATIONS, SEND_REMINDERS, reminders_lock

MAX_STAFF_FILE = 5 * 1024 * 1024


def _round_context(
    request: HTMXRequest,
    db_session: Session,
    settings: Settings,
    survey_round: SurveyRound,
    unit_scope: UnitScope,
    user: User,
    *,
    problems: Sequence[Problem] = (),
    reminder_problems: Sequence[Problem] = (),
) -> dict[str, Any]:
    now = utcnow()
    rows, groups = response_rates(db_session, survey_round, unit_scope, exact=sees_exact_counts(user, survey_round))
    lines = rate_lines(rows)
    return {
        "lines": lines,
        "bars": rates_bars(lines, locale_of(request)) if lines else None,
        "problems": list(problems),
        "reminder_problems": list(reminder_problems),
        "limit_mb": MAX_STAFF_FILE // MEGABYTE,
        "survey_round": survey_round,
        "survey": db_session.get_one(Survey, survey_round.survey_id),
        "groups": groups,
        "reminders": reminder_plan(db_session, settings, survey_round, now=now),
        "round_units": sorted(
            db_session.execute(
                select(OrgUnit).where(col(OrgUnit.id).in_(round_unit_ids(db_session, survey_round)))
            ).scalars(),
            key=lambda u: u.code,
        ),
        "now": now,
    }


def _links_file(
    db_session: Session, settings: Settings, issued: Sequence[tuple[Invitation, str]], round_id: int
) -> Response[bytes]:
    """The personal links as a CSV file, shown this once: only their hashes are kept."""
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


def _mail_in_background(queue: JobQueue, round_id: int, issued: Sequence[tuple[Invitation, str]]) -> None:
    """The invitation mails, by a task that retries when the mail server refuses."""
    ids = [invitation.id for invitation, _ in issued if invitation.id is not None]
    if ids:
        queue.defer(SEND_INVITATIONS, round_id=round_id, invitation_ids=ids)


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
        settings: NamedDependency[Settings],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
    ) -> Template:
        """Live response rates for the reader's units; every few seconds with HTMX while open."""
        survey_round = get_round(db_session, round_id)
        context = _round_context(request, db_session, settings, survey_round, unit_scope, user)
        return render(request, "surveys/pages/round.html", context, partial="surveys/partials/rates.html")

    @post(
        "/rounds/{round_id:int}/invitations",
        name="surveys.invite",
        guards=[requires_strategy_office],
        sync_to_thread=True,
        opt={UPLOAD_LIMIT_OPT: MAX_STAFF_FILE},
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
        db: NamedDependency[Database],
        queue: NamedDependency[JobQueue],
    ) -> Response[bytes] | Template:
        """A staff list in, the personal links out (as a file, once), and e-mails if asked for
        (sent in the background, ``surveys.tasks``)."""
        survey_round = get_round(db_session, round_id)
        upload = data.get("file")
        content = b""
        if isinstance(upload, UploadFile):
            with upload.file:
                content = upload.file.read(MAX_STAFF_FILE + 1)
        try:
            if not content:
                raise InvalidInput([Problem(N_("Choose a CSV file."))])
            # Its own transaction: the invitations must be committed before a worker mails them.
            with db.transaction() as session:
                issued = invite_from_csv(session, get_round(session, round_id), content, actor=Actor.of(user))
        except InvalidInput as exc:
            context = _round_context(
                request, db_session, settings, survey_round, unit_scope, user, problems=exc.problems
            )
            return render(request, "surveys/pages/round.html", context, status_code=422)
        if data.get("send") == "1":
            _mail_in_background(queue, round_id, issued)
        return _links_file(db_session, settings, issued, round_id)

    @post(
        "/rounds/{round_id:int}/invitations/staff-list",
        name="surveys.invite_staff_list",
        guards=[requires_strategy_office],
        sync_to_thread=True,
    )
    def invite_staff_list(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
        db: NamedDependency[Database],
        queue: NamedDependency[JobQueue],
    ) -> Response[bytes] | Template:
        """Everyone in the chosen units according to the staff list: the links out as a file, once
        (and e-mails if asked for, sent in the background)."""
        survey_round = get_round(db_session, round_id)
        raw = data.get("units", [])
        codes = [str(c) for c in (raw if isinstance(raw, list) else [raw])]
        try:
            with db.transaction() as session:  # committed before a worker mails them
                result = invite_staff_of_units(session, get_round(session, round_id), codes, actor=Actor.of(user))
        except InvalidInput as exc:
            context = _round_context(
                request, db_session, settings, survey_round, unit_scope, user, problems=exc.problems
            )
            return render(request, "surveys/pages/round.html", context, status_code=422)
        if data.get("send") == "1":
            _mail_in_background(queue, round_id, result.issued)
        return _links_file(db_session, settings, result.issued, round_id)

    @post(
        "/rounds/{round_id:int}/reminders",
        name="surveys.remind",
        guards=[requires_strategy_office],
        sync_to_thread=True,
    )
    def remind(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
        queue: NamedDependency[JobQueue],
    ) -> Response[Any] | Template:
        """A new link by e-mail to everyone who has not submitted (and was not reminded lately),
        sent in the background (``surveys.tasks``: one committed mail at a time, retried with
        backoff when the mail server refuses)."""
        survey_round = get_round(db_session, round_id)
        now = utcnow()
        try:
            check_open_for_reminders(survey_round, now)
        except InvalidInput as exc:
            context = _round_context(
                request, db_session, settings, survey_round, unit_scope, user, reminder_problems=exc.problems
            )
            return render(request, "surveys/pages/round.html", context, status_code=422)
        due = reminder_plan(db_session, settings, survey_round, now=now).due
        queue.defer(SEND_REMINDERS, lock=reminders_lock(round_id), round_id=round_id, actor=Actor.of(user).label)
        flash(
            request,
            t(
                request,
                "Reminders are being sent to %(count)s people; reload this page to see who is still due.",
                count=due,
            ),
            "success",
        )
        return redirect(request, request.app.route_reverse("surveys.round", round_id=round_id))

    @post(
        "/rounds/{round_id:int}/export",
        name="surveys.export",
        guards=[requires_strategy_office],
        sync_to_thread=True,
    )
    def export(
        self,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[bytes]:
        """The submitted answers in long format with a codebook, as a zip file."""
        survey_round = get_round(db_session, round_id)
        exported = export_round(db_session, survey_round)
        record_event(
            db_session,
            Actor.of(user),
            "export",
            survey_round,
            label=survey_round.name_en,
            after={"respondents": exported.respondents},
        )
        return Response(
            exported.zip_bytes(),
            media_type="application/zip",
            status_code=200,
            headers={
                "content-disposition": f'attachment; filename="survey-round-{round_id}.zip"',
                "cache-control": "no-store",
            },
        )
