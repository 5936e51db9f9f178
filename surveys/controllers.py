"""Answering a survey by personal link: no account needed, works without JavaScript, and with
HTMX every answer saves itself as it is given."""

from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from markupsafe import escape
from sqlmodel import Session

from maturity.db import Database, utcnow
from maturity.errors import InvalidInput, NotFound, Problem
from maturity.settings import Settings
from maturity.web import flash, redirect, render, t
from surveys.answer_pages import load_page, profile_view
from surveys.answering import (
    AlreadySubmitted,
    Respondent,
    RoundClosed,
    missing_required,
    open_response,
    reopen,
    save_answer,
    submit,
)
from surveys.autosave import UnknownLink, autosave
from surveys.versions import sections_of

Form = dict[str, str | list[str]]


def _values(form: Form, code: str) -> list[str]:
    raw = form.get(f"q-{code}", [])
    return [raw] if isinstance(raw, str) else list(raw)


class LinkNotValid(NotFound):
    """No invitation has this link."""


def link_not_valid_page(request: Request[Any, Any, Any], _: LinkNotValid) -> Template:
    return Template(template_name="surveys/pages/invalid_link.html", context={}, status_code=404)


def round_closed_page(request: Request[Any, Any, Any], _: RoundClosed) -> Template:
    """A clear page, in the reader's language, when a round does not take answers (any more)."""
    return Template(template_name="surveys/pages/closed.html", context={}, status_code=410)


def already_submitted_page(request: Request[Any, Any, Any], _: AlreadySubmitted) -> Template:
    """A further link of an invitation whose answers were submitted from another link."""
    return Template(template_name="surveys/pages/already_submitted.html", context={}, status_code=409)


class AnswerController(Controller):
    path = "/s/{token:str}"
    include_in_schema = False

    def _respondent(self, db_session: Session, settings: Settings, token: str) -> Respondent:
        try:
            return open_response(db_session, token, secret=settings.secret_key, now=utcnow())
        except NotFound:
            raise LinkNotValid(token) from None

    def _page(
        self,
        request: HTMXRequest,
        db_session: Session,
        respondent: Respondent,
        token: str,
        number: int,
        errors: dict[str, list[Problem]] | None = None,
        status_code: int = 200,
    ) -> Template:
        page = load_page(db_session, respondent, number)
        context = {
            "token": token,
            "page": page,
            "survey": respondent.survey,
            "respondent": respondent,
            "errors": errors or {},
            "likert_labels": respondent.survey.likert_labels,
        }
        return render(request, "surveys/pages/page.html", context, status_code=status_code)

    @get("/", name="answer.start", sync_to_thread=True)
    def start(
        self,
        request: HTMXRequest,
        token: FromPath[str],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Template:
        respondent = self._respondent(db_session, settings, token)
        context = {
            "token": token,
            "respondent": respondent,
            "pages": len(sections_of(db_session, respondent.survey)),
            "profile": profile_view(db_session, respondent) if respondent.response.status == "submitted" else [],
        }
        return render(request, "surveys/pages/start.html", context)

    @get("/p/{number:int}", name="answer.page", sync_to_thread=True)
    def page(
        self,
        request: HTMXRequest,
        token: FromPath[str],
        number: FromPath[int],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Template:
        respondent = self._respondent(db_session, settings, token)
        return self._page(request, db_session, respondent, token, number)

    @post("/p/{number:int}", name="answer.save_page", sync_to_thread=True)
    def save_page(
        self,
        request: HTMXRequest,
        token: FromPath[str],
        number: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Response[Any] | Template:
        """The page as a plain form: save every answer given on it, then go on."""
        respondent = self._respondent(db_session, settings, token)
        page = load_page(db_session, respondent, number)
        errors: dict[str, list[Problem]] = {}
        for view in page.questions:
            values = _values(data, view.question.code)
            if not values and view.question.kind != "multi":
                continue  # nothing chosen here: keep what was saved before
            try:
                save_answer(db_session, respondent, view.question, values, now=utcnow())
            except InvalidInput as exc:
                errors[view.question.code] = exc.problems
        if errors:
            db_session.rollback()
            respondent = self._respondent(db_session, settings, token)
            return self._page(request, db_session, respondent, token, number, errors, status_code=422)
        go = str(data.get("go", "next"))
        if go == "previous" and number > 1:
            target = request.app.route_reverse("answer.page", token=token, number=number - 1)
        elif go == "next" and number < page.count:
            target = request.app.route_reverse("answer.page", token=token, number=number + 1)
        elif go == "later":
            flash(request, t(request, "Your answers are saved. Open the same link to go on."), "success")
            target = request.app.route_reverse("answer.start", token=token)
        else:
            target = request.app.route_reverse("answer.review", token=token)
        return redirect(request, target)

    @post("/answer/{code:str}", name="answer.autosave", sync_to_thread=True)
    def autosave(
        self, request: HTMXRequest, token: FromPath[str], code: FromPath[str], data: URLEncodedBody[Form]
    ) -> Response[str] | Template:
        """One answer, as the respondent gives it (HTMX). Idempotent: the last save wins.

        The most frequent request of the app owns its transaction: it opens its session, commits
        and closes it here in its worker thread, so the request boundary has no database work
        left, and it asks for no dependencies (resolving them cost a tenth of its CPU; see
        tests/benchmarks/test_autosave_cpu.py). An error rolls back as the session closes.
        """
        state = request.app.state
        database: Database = state.db
        settings: Settings = state.settings
        with database.session() as session:
            try:
                autosave(session, token, code, _values(data, code), secret=settings.secret_key, now=utcnow())
            except UnknownLink:
                raise LinkNotValid(token) from None
            except InvalidInput as exc:  # nothing was written
                return Template(
                    template_name="surveys/partials/save_status.html",
                    context={"problems": exc.problems},
                    status_code=422,
                )
            session.commit()
        return Response(str(escape(t(request, "Saved"))), status_code=200, media_type=MediaType.HTML)

    @get("/review", name="answer.review", sync_to_thread=True)
    def review(
        self,
        request: HTMXRequest,
        token: FromPath[str],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Template:
        respondent = self._respondent(db_session, settings, token)
        return self._review(request, db_session, respondent, token)

    def _review(
        self, request: HTMXRequest, db_session: Session, respondent: Respondent, token: str, status_code: int = 200
    ) -> Template:
        sections = sections_of(db_session, respondent.survey)
        page_of = {s.id: n for n, s in enumerate(sections, start=1)}
        missing = [(q, page_of.get(q.section_id, 1)) for q in missing_required(db_session, respondent)]
        context = {"token": token, "respondent": respondent, "missing": missing, "pages": len(sections)}
        return render(request, "surveys/pages/review.html", context, status_code=status_code)

    @post("/submit", name="answer.submit", sync_to_thread=True)
    def submit_response(
        self,
        request: HTMXRequest,
        token: FromPath[str],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Response[Any] | Template:
        respondent = self._respondent(db_session, settings, token)
        try:
            submit(db_session, respondent, now=utcnow())
        except InvalidInput:
            return self._review(request, db_session, respondent, token, status_code=422)
        return redirect(request, request.app.route_reverse("answer.start", token=token))

    @post("/reopen", name="answer.reopen", sync_to_thread=True)
    def reopen_response(
        self,
        request: HTMXRequest,
        token: FromPath[str],
        db_session: NamedDependency[Session],
        settings: NamedDependency[Settings],
    ) -> Response[Any]:
        respondent = self._respondent(db_session, settings, token)
        reopen(db_session, respondent, now=utcnow())
        return redirect(request, request.app.route_reverse("answer.page", token=token, number=1))
