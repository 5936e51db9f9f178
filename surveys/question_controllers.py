"""The builder's questions: add, edit, delete and reorder, each in the version the edit belongs to."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.forms import TYPED_TEXT_CHECKED, FormState
from maturity.guards import requires_strategy_office
from maturity.web import render, t
from surveys.builder import get_survey
from surveys.builder_controllers import Form, apply_edit, field_errors, form_page, frozen_notice, no_form, survey_url
from surveys.questions import (
    QUESTION_FIELDS,
    check_question_form,
    create_question,
    delete_question,
    get_question,
    move_question,
    new_question_form,
    question_choices,
    question_form,
    update_question,
)
from surveys.versions import Draft, is_frozen


def _in_draft(draft: Draft, data: Form) -> Form:
    """A question form whose section is named in the version the edit goes to (a copy has new ids)."""
    form = dict(data)
    if draft.copied_from is not None and str(form.get("section", "")).isdigit():
        form["section"] = str(draft.section_id(int(str(form["section"]))))
    return form


class QuestionBuilderController(Controller):
    path = "/surveys/builder/{survey_id:int}/questions"
    guards = [requires_strategy_office]
    include_in_schema = False

    def _question_form(
        self,
        request: HTMXRequest,
        db_session: Session,
        survey_id: int,
        state: FormState,
        *,
        question_id: int | None,
        status: int = 200,
    ) -> Template:
        survey = get_survey(db_session, survey_id)
        if question_id is None:
            action = request.app.route_reverse("builder.create_question", survey_id=survey_id)
            title = t(request, "New question")
        else:
            action = request.app.route_reverse("builder.update_question", survey_id=survey_id, question_id=question_id)
            title = t(request, "Edit question %(code)s", code=get_question(db_session, survey, question_id).code)
        validate_url = request.app.route_reverse("builder.validate_question", survey_id=survey_id)
        return form_page(
            request,
            title=title,
            fields=QUESTION_FIELDS,
            state=state,
            choices=question_choices(db_session, survey),
            action=action,
            validate_url=validate_url + (f"?question={question_id}" if question_id else ""),
            back=survey_url(request, survey_id),
            notice=frozen_notice(request, db_session, survey_id),
            status_code=status,
        )

    @get("/new", name="builder.new_question", sync_to_thread=True)
    def new_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        db_session: NamedDependency[Session],
        section: FromQuery[int | None] = None,
    ) -> Template:
        return self._question_form(request, db_session, survey_id, new_question_form(section), question_id=None)

    @post("/new", name="builder.create_question", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def create_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def change(draft: Draft) -> str:
            form = _in_draft(draft, data)
            question = create_question(db_session, draft.survey, form, Actor.of(user))
            return f"question-{question.id}"

        def invalid(state: FormState) -> Template:
            return self._question_form(request, db_session, survey_id, state, question_id=None, status=422)

        return apply_edit(request, db_session, user, survey_id, change, invalid)

    @post("/validate", name="builder.validate_question", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def validate_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        question: FromQuery[int | None] = None,
    ) -> Template:
        survey = get_survey(db_session, survey_id)
        _, state = check_question_form(db_session, survey, data, question_id=question)
        return field_errors(request, QUESTION_FIELDS, state)

    @get("/{question_id:int}/edit", name="builder.edit_question", sync_to_thread=True)
    def edit_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        db_session: NamedDependency[Session],
    ) -> Template:
        question = get_question(db_session, get_survey(db_session, survey_id), question_id)
        state = question_form(db_session, question)
        return self._question_form(request, db_session, survey_id, state, question_id=question_id)

    @post(
        "/{question_id:int}/edit", name="builder.update_question", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True}
    )
    def update_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        get_question(db_session, get_survey(db_session, survey_id), question_id)

        def change(draft: Draft) -> str:
            form = _in_draft(draft, data)
            question = update_question(db_session, draft.survey, draft.question_id(question_id), form, Actor.of(user))
            return f"question-{question.id}"

        def invalid(state: FormState) -> Template:
            return self._question_form(request, db_session, survey_id, state, question_id=question_id, status=422)

        return apply_edit(request, db_session, user, survey_id, change, invalid)

    @get("/{question_id:int}/delete", name="builder.confirm_delete", sync_to_thread=True)
    def confirm_delete(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        db_session: NamedDependency[Session],
    ) -> Template:
        survey = get_survey(db_session, survey_id)
        question = get_question(db_session, survey, question_id)
        context = {"survey": survey, "question": question, "frozen": is_frozen(db_session, survey)}
        return render(request, "surveys/pages/builder_delete.html", context)

    @post("/{question_id:int}/delete", name="builder.delete_question", sync_to_thread=True)
    def delete_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        get_question(db_session, get_survey(db_session, survey_id), question_id)

        def change(draft: Draft) -> str:
            delete_question(db_session, draft.survey, draft.question_id(question_id), Actor.of(user))
            return "sections"

        return apply_edit(request, db_session, user, survey_id, change, no_form)

    @post("/{question_id:int}/move", name="builder.move_question", sync_to_thread=True)
    def move_question(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        question_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def change(draft: Draft) -> str:
            target = draft.question_id(question_id)
            move_question(db_session, draft.survey, target, str(data.get("direction", "")), Actor.of(user))
            return f"question-{target}"

        return apply_edit(request, db_session, user, survey_id, change, no_form, list_swap=True)
