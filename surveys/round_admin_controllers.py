"""For the strategy office: the preview of a survey version exactly as respondents see it (writing
nothing), and scheduling, opening and closing rounds."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import utcnow
from maturity.errors import InvalidInput, Problem
from maturity.forms import TYPED_TEXT_CHECKED, FormState, InvalidForm
from maturity.guards import requires_strategy_office
from maturity.settings import LOCALES
from maturity.web import flash, locale_of, redirect, render, t
from surveys.answer_pages import survey_page
from surveys.answering import answer_values
from surveys.builder import get_survey
from surveys.builder_controllers import form_page, survey_url
from surveys.models import Survey, SurveyRound
from surveys.scheduling import (
    ROUND_FIELDS,
    close_round_now,
    get_round,
    new_round_form,
    open_round_now,
    round_choices,
    schedule_round,
    unit_tree,
)
from surveys.versions import sections_of

Form = dict[str, str | list[str]]


def _values(form: Form, code: str) -> list[str]:
    raw = form.get(f"q-{code}", [])
    return [raw] if isinstance(raw, str) else list(raw)


class SurveyPreviewController(Controller):
    """The answering pages of a version, in either language, with no response behind them."""

    path = "/surveys/builder/{survey_id:int}/preview"
    guards = [requires_strategy_office]
    include_in_schema = False

    def _locale(self, request: HTMXRequest, lang: str) -> str:
        return lang if lang in LOCALES else locale_of(request)

    @get("/", name="builder.preview", sync_to_thread=True)
    def start(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        db_session: NamedDependency[Session],
        lang: FromQuery[str] = "",
        done: FromQuery[int] = 0,
    ) -> Template:
        survey = get_survey(db_session, survey_id)
        context = {
            "survey": survey,
            "locale": self._locale(request, lang),
            "pages": len(sections_of(db_session, survey)),
            "done": bool(done),
        }
        return render(request, "surveys/pages/preview_start.html", context)

    def _page(
        self,
        request: HTMXRequest,
        db_session: Session,
        survey: Survey,
        number: int,
        lang: str,
        errors: dict[str, list[Problem]] | None = None,
        status_code: int = 200,
    ) -> Template:
        context = {
            "survey": survey,
            "page": survey_page(db_session, survey, number, {}),
            "errors": errors or {},
            "likert_labels": survey.likert_labels,
            "locale": self._locale(request, lang),
            "preview": True,
            "token": "",
        }
        return render(request, "surveys/pages/page.html", context, status_code=status_code)

    @get("/{number:int}", name="builder.preview_page", sync_to_thread=True)
    def page(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        number: FromPath[int],
        db_session: NamedDependency[Session],
        lang: FromQuery[str] = "",
    ) -> Template:
        return self._page(request, db_session, get_survey(db_session, survey_id), number, lang)

    @post("/{number:int}", name="builder.preview_next", sync_to_thread=True)
    def next_page(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        number: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        lang: FromQuery[str] = "",
    ) -> Response[Any] | Template:
        """Checks the answers as the real page would, then goes on. Nothing is written."""
        survey = get_survey(db_session, survey_id)
        page = survey_page(db_session, survey, number, {})
        errors: dict[str, list[Problem]] = {}
        for view in page.questions:
            try:
                answer_values(db_session, view.question, _values(data, view.question.code))
            except InvalidInput as exc:
                errors[view.question.code] = exc.problems
        if errors:
            return self._page(request, db_session, survey, number, lang, errors, status_code=422)
        locale = self._locale(request, lang)
        go = str(data.get("go", "next"))
        if go == "previous" and number > 1:
            target = request.app.route_reverse("builder.preview_page", survey_id=survey_id, number=number - 1)
        elif go == "next" and number < page.count:
            target = request.app.route_reverse("builder.preview_page", survey_id=survey_id, number=number + 1)
        else:
            target = request.app.route_reverse("builder.preview", survey_id=survey_id) + f"?done={int(go != 'later')}"
        return redirect(request, target + ("&" if "?" in target else "?") + f"lang={locale}")


class RoundAdminController(Controller):
    path = "/surveys"
    guards = [requires_strategy_office]
    include_in_schema = False

    def _form(
        self, request: HTMXRequest, db_session: Session, survey: Survey, state: FormState, status: int = 200
    ) -> Template:
        return form_page(
            request,
            title=t(request, "New round of %(code)s version %(version)s", code=survey.code, version=survey.version),
            fields=ROUND_FIELDS,
            state=state,
            choices=round_choices(db_session),
            action=request.app.route_reverse("builder.create_round", survey_id=survey.id),
            validate_url="",
            back=survey_url(request, survey.id, "rounds"),
            depths={unit.code: depth for unit, depth in unit_tree(db_session)},
            status_code=status,
        )

    @get("/builder/{survey_id:int}/rounds/new", name="builder.new_round", sync_to_thread=True)
    def new_round(
        self, request: HTMXRequest, survey_id: FromPath[int], db_session: NamedDependency[Session]
    ) -> Template:
        return self._form(request, db_session, get_survey(db_session, survey_id), new_round_form(utcnow()))

    @post(
        "/builder/{survey_id:int}/rounds/new",
        name="builder.create_round",
        sync_to_thread=True,
        opt={TYPED_TEXT_CHECKED: True},
    )
    def create_round(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        survey = get_survey(db_session, survey_id)
        try:
            survey_round = schedule_round(db_session, survey, data, Actor.of(user))
        except InvalidForm as exc:
            return self._form(request, db_session, survey, exc.state, status=422)
        flash(
            request,
            t(request, "The round %(name)s is scheduled.", name=survey_round.tr("name", locale_of(request))),
            "success",
        )
        return redirect(request, request.app.route_reverse("surveys.round", round_id=survey_round.id))

    @post("/rounds/{round_id:int}/open", name="surveys.open_round", sync_to_thread=True)
    def open_now(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        return _change_round(request, db_session, user, round_id, open_round_now, t(request, "The round is open."))

    @post("/rounds/{round_id:int}/close", name="surveys.close_round", sync_to_thread=True)
    def close_now(
        self,
        request: HTMXRequest,
        round_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        return _change_round(request, db_session, user, round_id, close_round_now, t(request, "The round is closed."))


def _change_round(
    request: HTMXRequest,
    db_session: Session,
    user: User,
    round_id: int,
    change: Callable[[Session, SurveyRound, Actor, datetime], None],
    done: str,
) -> Response[Any]:
    """Open or close a round now, and back to its page with what happened."""
    survey_round = get_round(db_session, round_id)
    try:
        change(db_session, survey_round, Actor.of(user), utcnow())
        flash(request, done, "success")
    except InvalidInput as exc:
        flash(request, t(request, exc.problems[0].message), "error")
    return redirect(request, request.app.route_reverse("surveys.round", round_id=round_id))
