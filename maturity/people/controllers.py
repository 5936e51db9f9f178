"""The Users pages of the strategy office: people, their roles, deactivation."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.auth.models import Role, User
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.forms import FormState
from maturity.guards import requires_strategy_office
from maturity.people.groups import respondent_groups
from maturity.people.staff_list import import_staff_csv
from maturity.people.users import (
    PeopleFilter,
    PersonForm,
    deactivate_person,
    get_person,
    list_people,
    reactivate_person,
    save_person,
    unit_choices,
)
from maturity.uploads.services import KeptFile, keep_upload, take_upload
from maturity.web import MEGABYTE, UPLOAD_LIMIT_OPT, flash, redirect, render, t

MAX_STAFF_FILE = 5 * 1024 * 1024
UPLOAD_KIND = "staff_list"


def _import_page(
    request: HTMXRequest,
    *,
    options: dict[str, Any],
    plan: Any = None,
    problems: list[Problem] | None = None,
    upload: str = "",
    filename: str = "",
    status_code: int = 200,
) -> Template:
    context = {
        "options": options,
        "plan": plan,
        "problems": problems or [],
        "upload": upload,
        "filename": filename,
        "limit_mb": MAX_STAFF_FILE // MEGABYTE,
    }
    return render(request, "people/pages/import.html", context, status_code=status_code)


def _values(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def _text(data: dict[str, Any], name: str) -> str:
    values = _values(data, name)
    return values[0] if values else ""


def person_form(data: dict[str, Any]) -> PersonForm:
    return PersonForm(
        name=_text(data, "name"),
        email=_text(data, "email"),
        home_unit=_text(data, "home_unit"),
        group=_text(data, "group"),
        employee_number=_text(data, "employee_number"),
        login_name=_text(data, "login_name"),
        staff=_text(data, "staff") == "1",
        office=_text(data, "office") == "1",
        led_units=_values(data, "led_units"),
        break_glass=_text(data, "break_glass") == "1",
    )


def _form_page(
    request: HTMXRequest,
    db_session: Session,
    form: PersonForm,
    *,
    person: User | None,
    me: User,
    problems: list[Problem] | None = None,
    status_code: int = 200,
) -> Template:
    state = FormState(values={})
    state.add(problems or [])
    return render(
        request,
        "people/pages/person.html",
        {
            "form": form,
            "person": person,
            "errors": {
                path: [p.render(lambda m: t(request, m)) for p in found] for path, found in state.errors.items()
            },
            "units": unit_choices(db_session),
            "groups": respondent_groups(db_session),
            "own_account": person is not None and person.id == me.id,
        },
        status_code=status_code,
    )


class PeopleController(Controller):
    path = "/users"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="users.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        q: FromQuery[str] = "",
        home: FromQuery[str] = "",  # a unit code; not "unit", which would make this a unit-scoped page
        role: FromQuery[str] = "",
        active: FromQuery[str] = "",
    ) -> Template:
        """Everyone, filtered by a search text, home unit, role and whether active (HTMX as you type)."""
        wanted = PeopleFilter(q=q.strip()[:200], unit=home.strip()[:40], role=role, active=active)
        return render(
            request,
            "people/pages/index.html",
            {
                "rows": list_people(db_session, wanted),
                "filter": wanted,
                "units": unit_choices(db_session),
                "Role": Role,
            },
            partial="people/partials/list.html",
        )

    @get("/new", name="users.new", sync_to_thread=True)
    def new(self, request: HTMXRequest, db_session: NamedDependency[Session], user: NamedDependency[User]) -> Template:
        return _form_page(request, db_session, PersonForm(), person=None, me=user)

    @post("/", name="users.create", sync_to_thread=True)
    def create(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        form = person_form(data)
        try:
            person = save_person(db_session, None, form, actor=user)
        except InvalidInput as exc:
            return _form_page(request, db_session, form, person=None, me=user, problems=exc.problems, status_code=422)
        flash(request, t(request, "%(name)s was added.", name=person.name), "success")
        return redirect(request, request.app.route_reverse("users.edit", user_id=person.id))

    @get("/{user_id:int}", name="users.edit", sync_to_thread=True)
    def edit(
        self,
        request: HTMXRequest,
        user_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Template:
        person = get_person(db_session, user_id)
        return _form_page(request, db_session, PersonForm.of(db_session, person), person=person, me=user)

    @post("/{user_id:int}", name="users.update", sync_to_thread=True)
    def update(
        self,
        request: HTMXRequest,
        user_id: FromPath[int],
        data: URLEncodedBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        person = get_person(db_session, user_id)
        form = person_form(data)
        try:
            save_person(db_session, person, form, actor=user)
        except InvalidInput as exc:
            return _form_page(request, db_session, form, person=person, me=user, problems=exc.problems, status_code=422)
        flash(request, t(request, "Saved."), "success")
        return redirect(request, request.app.route_reverse("users.edit", user_id=user_id))

    @post("/{user_id:int}/deactivate", name="users.deactivate", sync_to_thread=True)
    def deactivate(
        self,
        request: HTMXRequest,
        user_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        """Deactivate: their open sessions end at once."""
        person = get_person(db_session, user_id)
        try:
            deactivate_person(db_session, person, actor=Actor.of(user), by=user)
        except InvalidInput as exc:
            form = PersonForm.of(db_session, person)
            return _form_page(request, db_session, form, person=person, me=user, problems=exc.problems, status_code=422)
        flash(request, t(request, "%(name)s is deactivated and logged out.", name=person.name), "success")
        return redirect(request, request.app.route_reverse("users.edit", user_id=user_id))

    @post("/{user_id:int}/reactivate", name="users.reactivate", sync_to_thread=True)
    def reactivate(
        self,
        request: HTMXRequest,
        user_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        person = get_person(db_session, user_id)
        reactivate_person(db_session, person, actor=Actor.of(user))
        flash(request, t(request, "%(name)s is active again.", name=person.name), "success")
        return redirect(request, request.app.route_reverse("users.edit", user_id=user_id))

    @get("/import", name="users.import", sync_to_thread=False)
    def import_form(self, request: HTMXRequest) -> Template:
        return _import_page(request, options={"deactivate_missing": False, "headcount_period": ""})

    @post("/import", name="users.import.submit", sync_to_thread=True, opt={UPLOAD_LIMIT_OPT: MAX_STAFF_FILE})
    def import_staff(
        self,
        request: HTMXRequest,
        data: MultipartBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        """Check a staff list (always first) and show what it would change; with ``commit``,
        import the file the check kept on the server (``maturity.uploads``), with the same options."""
        assert user.id is not None
        options = {
            "deactivate_missing": data.get("deactivate_missing") == "1",
            "headcount_period": str(data.get("headcount_period") or "").strip()[:10],
        }
        commit = data.get("commit") == "1"
        upload = data.get("file")
        kept = None
        if isinstance(upload, UploadFile) and upload.filename and not commit:
            with upload.file:
                kept = KeptFile(upload.filename, upload.file.read(MAX_STAFF_FILE + 1))
        elif commit:
            kept = take_upload(db_session, str(data.get("upload", "")), user.id, UPLOAD_KIND, now=utcnow())
        try:
            if kept is None or not kept.content:
                message = N_("The checked file has expired: choose it again.") if commit else N_("Choose a CSV file.")
                raise InvalidInput([Problem(message)])
            plan = import_staff_csv(
                db_session,
                kept.content,
                actor=Actor.of(user),
                deactivate_missing=bool(options["deactivate_missing"]),
                headcount_period=str(options["headcount_period"]) or None,
                dry_run=not commit,
            )
        except InvalidInput as exc:
            return _import_page(request, options=options, problems=exc.problems, status_code=422)
        if commit:
            message = t(
                request,
                "Imported %(file)s: %(new)s new, %(changed)s changed, %(gone)s deactivated, %(same)s unchanged.",
                file=kept.filename,
                new=len(plan.create),
                changed=len(plan.update),
                gone=len(plan.deactivate),
                same=plan.unchanged,
            )
            flash(request, message, "success")
            return redirect(request, request.app.route_reverse("users.index"))
        token = keep_upload(db_session, user.id, UPLOAD_KIND, kept.filename, kept.content, now=utcnow())
        return _import_page(request, options=options, plan=plan, upload=token, filename=kept.filename)
