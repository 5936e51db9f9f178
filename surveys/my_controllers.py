"""My surveys: every logged-in person sees the open rounds they are invited to and can answer
without the e-mail. The new link lives in this browser's cookie only (see surveys/mine.py)."""

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.auth.models import User
from maturity.db import utcnow
from maturity.guards import requires_login
from maturity.settings import Settings
from maturity.web import flash, redirect, render, t
from surveys.mine import (
    COOKIE_PATH,
    cookie_name,
    decode_cookie,
    encode_cookie,
    my_invitation,
    my_rounds,
    start,
    token_is_mine,
)
from surveys.models import SurveyRound


def _cookie_token(request: Request[Any, Any, Any], settings: Settings, user: User, round_id: int) -> str | None:
    assert user.id is not None
    value = request.cookies.get(cookie_name(round_id))
    return decode_cookie(settings.secret_key, value, user_id=user.id, round_id=round_id)


class MySurveysController(Controller):
    path = COOKIE_PATH
    guards = [requires_login]
    include_in_schema = False

    @get("/", name="my_surveys.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Template:
        rounds = my_rounds(db_session, user, now=utcnow())
        held = {
            r.survey_round.id
            for r in rounds
            if r.survey_round.id is not None and _cookie_token(request, settings, user, r.survey_round.id)
        }
        template = render(request, "surveys/pages/my_surveys.html", {"rounds": rounds, "held": held})
        template.headers["cache-control"] = "no-store"
        return template

    @post("/{round_id:int}/start", name="my_surveys.start", sync_to_thread=True)
    def start_round(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        """A new link for this browser (or the one it holds), then on to the survey."""
        now = utcnow()
        token = _cookie_token(request, settings, user, round_id)
        if token is not None and token_is_mine(db_session, user, round_id, token):
            my_invitation(db_session, user, round_id, now=now)  # still open, still invited
            return redirect(request, request.app.route_reverse("answer.start", token=token))
        token = start(db_session, user, round_id, now=now)
        survey_round = db_session.get_one(SurveyRound, round_id)
        assert user.id is not None
        response = redirect(request, request.app.route_reverse("answer.start", token=token))
        response.set_cookie(
            Cookie(
                key=cookie_name(round_id),
                value=encode_cookie(settings.secret_key, user.id, round_id, token),
                path=COOKIE_PATH,
                max_age=max(60, int((survey_round.closes_at - now).total_seconds())),
                secure=settings.secure_cookies,
                httponly=True,
                samesite="lax",
            )
        )
        return response

    @get("/{round_id:int}/continue", name="my_surveys.continue", sync_to_thread=True)
    def continue_round(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
    ) -> Response[Any]:
        """Back to the survey with the link this browser holds."""
        token = _cookie_token(request, settings, user, round_id)
        if token is None or not token_is_mine(db_session, user, round_id, token):
            flash(request, t(request, "This browser does not hold your link to that survey any more."), "error")
            return redirect(request, request.app.route_reverse("my_surveys.index"))
        my_invitation(db_session, user, round_id, now=utcnow())
        return redirect(request, request.app.route_reverse("answer.start", token=token))
