"""The survey builder for the strategy office: surveys and their versions, texts and sections, and
the one path every edit takes (``apply_edit``). Questions are in ``surveys/question_controllers.py``,
the preview and rounds in ``surveys/round_admin_controllers.py``."""

from collections.abc import Callable, Sequence
from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import InvalidInput
from maturity.forms import TYPED_TEXT_CHECKED, FormField, FormState, InvalidForm, while_typing
from maturity.guards import requires_strategy_office
from maturity.web import flash, redirect, render, t
from surveys.builder import (
    EDIT_SURVEY_FIELDS,
    NEW_SURVEY_FIELDS,
    add_section,
    builder_view,
    check_survey_form,
    create_survey,
    get_survey,
    list_surveys,
    move_section,
    new_survey_form,
    remove_section,
    survey_choices,
    survey_form,
    update_survey,
)
from surveys.survey_file import export_survey, indicator_codes
from surveys.versions import Draft, NewerDraftExists, draft_for_edit, is_frozen

Form = dict[str, str | list[str]]


def survey_url(request: HTMXRequest, survey_id: int | None, anchor: str = "") -> str:
    return request.app.route_reverse("builder.show", survey_id=survey_id) + (f"#{anchor}" if anchor else "")


def form_page(
    request: HTMXRequest,
    *,
    title: str,
    fields: Sequence[FormField],
    state: FormState,
    choices: dict[str, Any],
    action: str,
    validate_url: str,
    back: str,
    notice: str = "",
    depths: dict[str, int] | None = None,
    status_code: int = 200,
) -> Template:
    """The one form page of the builder; ``depths`` indents a unit tree of checkboxes."""
    context = {
        "title": title,
        "fields": fields,
        "state": state,
        "choices": choices,
        "action": action,
        "validate_url": validate_url,
        "back": back,
        "notice": notice,
        "form_id": "builder-form",
        "depths": depths or {},
    }
    return render(request, "surveys/pages/builder_form.html", context, status_code=status_code)


def field_errors(request: HTMXRequest, fields: Sequence[FormField], state: FormState) -> Template:
    """Inline validation while typing: each field's problems, nothing saved."""
    context = {"fields": fields, "state": while_typing(state, request.headers.get("hx-trigger-name"))}
    return Template("forms/field_errors.html", context=context)


def frozen_notice(request: HTMXRequest, db_session: Session, survey_id: int | None) -> str:
    survey = get_survey(db_session, survey_id or 0)
    if not is_frozen(db_session, survey):
        return ""
    return t(
        request,
        "Version %(version)s is in use by a round and stays as it is: saving makes a new version.",
        version=survey.version,
    )


def show_page(request: HTMXRequest, db_session: Session, survey_id: int | None) -> Template:
    survey = get_survey(db_session, survey_id or 0)
    view = builder_view(db_session, survey, indicator_codes(db_session))
    return render(
        request,
        "surveys/pages/builder_survey.html",
        {"view": view, "survey": survey},
        partial="surveys/partials/builder_sections.html",
    )


def apply_edit(
    request: HTMXRequest,
    db_session: Session,
    user: User,
    survey_id: int,
    change: Callable[[Draft], str],
    invalid: Callable[[FormState], Template],
    *,
    list_swap: bool = False,
) -> Response[Any] | Template:
    """Every edit goes through here: ``change`` is applied to the version the edit belongs to (a
    frozen version is copied first) and returns the anchor to show.

    ``list_swap``: an HTMX request gets the updated list of sections (reordering) when the
    version did not change; otherwise the builder page with a message.
    """
    survey = get_survey(db_session, survey_id)
    try:
        draft = draft_for_edit(db_session, survey, Actor.of(user))
    except NewerDraftExists as exc:
        flash(
            request,
            t(
                request,
                "Version %(version)s is being prepared; make your changes there.",
                version=exc.draft.version,
            ),
            "info",
        )
        return redirect(request, survey_url(request, exc.draft.id))
    try:
        anchor = change(draft)
    except InvalidForm as exc:
        return invalid(exc.state)
    except InvalidInput as exc:
        for problem in exc.problems:
            flash(request, problem.render(lambda m: t(request, m)), "error")
        return redirect(request, survey_url(request, survey_id))
    if draft.copied_from is not None:
        flash(
            request,
            t(
                request,
                "Version %(old)s is in use by a round and stays as it is. Your change was made in a new version %(new)s.",
                old=draft.copied_from.version,
                new=draft.survey.version,
            ),
            "info",
        )
    elif list_swap and request.htmx and not request.htmx.boosted:
        return show_page(request, db_session, draft.survey.id)
    else:
        flash(request, t(request, "Saved."), "success")
    return redirect(request, survey_url(request, draft.survey.id, anchor))


def no_form(state: FormState) -> Template:
    raise AssertionError("no form here")  # changes without a form raise InvalidInput instead


class SurveyBuilderController(Controller):
    path = "/surveys/builder"
    guards = [requires_strategy_office]
    include_in_schema = False

    # --- surveys ----------------------------------------------------------------------------------

    @get("/", name="builder.index", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        return render(request, "surveys/pages/builder_index.html", {"surveys": list_surveys(db_session)})

    def _survey_form(
        self, request: HTMXRequest, db_session: Session, state: FormState, survey_id: int | None, status: int = 200
    ) -> Template:
        new = survey_id is None
        if new:
            action = request.app.route_reverse("builder.create")
            back = request.app.route_reverse("builder.index")
        else:
            action = request.app.route_reverse("builder.update", survey_id=survey_id)
            back = survey_url(request, survey_id)
        return form_page(
            request,
            title=t(request, "New survey") if new else t(request, "Edit the survey's texts"),
            fields=NEW_SURVEY_FIELDS if new else EDIT_SURVEY_FIELDS,
            state=state,
            choices=survey_choices(db_session),
            action=action,
            validate_url=request.app.route_reverse("builder.validate_survey") + ("?new=1" if new else ""),
            back=back,
            notice="" if new else frozen_notice(request, db_session, survey_id),
            status_code=status,
        )

    @get("/new", name="builder.new", sync_to_thread=True)
    def new(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        return self._survey_form(request, db_session, new_survey_form(), None)

    @post("/new", name="builder.create", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def create(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        try:
            survey = create_survey(db_session, data, Actor.of(user))
        except InvalidForm as exc:
            return self._survey_form(request, db_session, exc.state, None, status=422)
        flash(request, t(request, "Created the survey %(code)s.", code=survey.code), "success")
        return redirect(request, survey_url(request, survey.id))

    @post("/validate", name="builder.validate_survey", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def validate_survey(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        new: FromQuery[int] = 0,
    ) -> Template:
        _, state = check_survey_form(db_session, data, new=bool(new))
        return field_errors(request, NEW_SURVEY_FIELDS if new else EDIT_SURVEY_FIELDS, state)

    @get("/{survey_id:int}", name="builder.show", sync_to_thread=True)
    def show(self, request: HTMXRequest, survey_id: FromPath[int], db_session: NamedDependency[Session]) -> Template:
        return show_page(request, db_session, survey_id)

    @get("/{survey_id:int}/export", name="builder.export", sync_to_thread=True)
    def export(self, survey_id: FromPath[int], db_session: NamedDependency[Session]) -> Response[str]:
        survey = get_survey(db_session, survey_id)
        return Response(
            export_survey(db_session, survey),
            media_type="application/yaml; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{survey.code}-v{survey.version}.yaml"'},
        )

    @get("/{survey_id:int}/edit", name="builder.edit", sync_to_thread=True)
    def edit(self, request: HTMXRequest, survey_id: FromPath[int], db_session: NamedDependency[Session]) -> Template:
        return self._survey_form(request, db_session, survey_form(get_survey(db_session, survey_id)), survey_id)

    @post("/{survey_id:int}/edit", name="builder.update", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def update(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def change(draft: Draft) -> str:
            update_survey(db_session, draft.survey, data, Actor.of(user))
            return ""

        def invalid(state: FormState) -> Template:
            return self._survey_form(request, db_session, state, survey_id, status=422)

        return apply_edit(request, db_session, user, survey_id, change, invalid)

    # --- sections ---------------------------------------------------------------------------------

    @post("/{survey_id:int}/sections", name="builder.add_section", sync_to_thread=True)
    def add_section(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def change(draft: Draft) -> str:
            section = add_section(db_session, draft.survey, str(data.get("dimension", "")), Actor.of(user))
            return f"section-{section.id}"

        return apply_edit(request, db_session, user, survey_id, change, no_form)

    @post("/{survey_id:int}/sections/{section_id:int}/move", name="builder.move_section", sync_to_thread=True)
    def move_section(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        data: URLEncodedBody[Form],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def change(draft: Draft) -> str:
            target = draft.section_id(section_id)
            move_section(db_session, draft.survey, target, str(data.get("direction", "")), Actor.of(user))
            return f"section-{target}"

        return apply_edit(request, db_session, user, survey_id, change, no_form, list_swap=True)

    @post("/{survey_id:int}/sections/{section_id:int}/delete", name="builder.remove_section", sync_to_thread=True)
    def remove_section(
        self,
        request: HTMXRequest,
        survey_id: FromPath[int],
        section_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        def change(draft: Draft) -> str:
            remove_section(db_session, draft.survey, draft.section_id(section_id), Actor.of(user))
            return "sections"

        return apply_edit(request, db_session, user, survey_id, change, no_form)

    # --- questions --------------------------------------------------------------------------------
