"""Strategy pages: the tree at a glance, editing its parts, and the strategy file."""

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.editing import (
    AGGREGATIONS,
    FREQUENCIES,
    SCORING,
    new_values,
    spec_for,
)
from indicators.editing_services import (
    create_item,
    delete_item,
    field_choices,
    form_from_item,
    get_item,
    get_parent,
    move_item,
    owning_strategy,
    records_of,
    strategy_of_parent,
    update_item,
    validate,
)
from indicators.models import Strategy
from indicators.strategy_export import export_strategy
from indicators.strategy_file import MAX_BYTES, import_strategy
from indicators.strategy_tree import current_strategy, find_strategy, list_strategies, load_strategy_tree
from indicators.unit_target_views import strategy_unit_targets
from maturity.audit.services import Actor
from maturity.auth.models import Role, User
from maturity.errors import InvalidInput, NotFound
from maturity.forms import TYPED_TEXT_CHECKED, FormState, InvalidForm, while_typing
from maturity.guards import requires_leader, requires_strategy_office
from maturity.units.services import unit_codes
from maturity.web import MEGABYTE, UPLOAD_LIMIT_OPT, flash, redirect, render, t

LABELS = {
    "scoring_labels": {c.value: c.label for c in SCORING},
    "frequency_labels": {c.value: c.label for c in FREQUENCIES},
    "aggregation_labels": {c.value: c.label for c in AGGREGATIONS},
}


def _strategy_url(request: HTMXRequest, code: str, anchor: str = "") -> str:
    return request.app.route_reverse("strategy.show", code=code) + (f"#{anchor}" if anchor else "")


class StrategyController(Controller):
    path = "/strategy"
    guards = [requires_leader]
    include_in_schema = False

    @get("/", name="strategy.index", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Response[Any] | Template:
        strategy = current_strategy(db_session)
        if strategy is None:
            return render(request, "indicators/pages/no_strategy.html", {})
        return redirect(request, _strategy_url(request, strategy.code))

    @get("/import", name="strategy.import_form", guards=[requires_strategy_office], sync_to_thread=False)
    def import_form(self, request: HTMXRequest) -> Template:
        return render(
            request, "indicators/pages/import.html", {"problems": [], "filename": "", "limit_mb": MAX_BYTES // MEGABYTE}
        )

    @post(
        "/import",
        name="strategy.import",
        guards=[requires_strategy_office],
        sync_to_thread=True,
        opt={UPLOAD_LIMIT_OPT: MAX_BYTES},
    )
    def import_file(
        self,
        request: HTMXRequest,
        data: MultipartBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        upload = data.get("file")
        filename, content = "", b""
        if isinstance(upload, UploadFile):
            with upload.file:
                filename, content = upload.filename, upload.file.read(MAX_BYTES + 1)
        try:
            summary = import_strategy(db_session, content, Actor.of(user))
        except InvalidInput as exc:
            context = {"problems": exc.problems, "filename": filename, "limit_mb": MAX_BYTES // MEGABYTE}
            return render(request, "indicators/pages/import.html", context, status_code=422)
        strategy = db_session.get_one(Strategy, summary.strategy_id)
        flash(
            request,
            t(
                request,
                "Imported %(file)s: %(created)s created, %(updated)s updated, %(deleted)s deleted.",
                file=filename,
                created=summary.created,
                updated=summary.updated,
                deleted=summary.deleted,
            ),
            "success",
        )
        return redirect(request, _strategy_url(request, strategy.code))

    @get("/{code:str}", name="strategy.show", sync_to_thread=True)
    def show(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Template:
        strategy = find_strategy(db_session, code)
        if strategy is None or strategy.id is None:
            raise NotFound(code)
        tree = load_strategy_tree(db_session, strategy.id)
        targets = strategy_unit_targets(db_session, tree, datetime.now(UTC).date())
        context = {
            "tree": tree,
            "unit_targets": targets,
            "strategies": list_strategies(db_session),
            "can_edit": user.has_role(Role.STRATEGY_OFFICE),
            "unit_codes": unit_codes(db_session),
            "dimensions": {d.dimension.id: d.dimension for d in tree.model.dimensions} if tree.model else {},
            **LABELS,
        }
        return render(request, "indicators/pages/strategy.html", context)

    @get("/{code:str}/export", name="strategy.export", guards=[requires_strategy_office], sync_to_thread=True)
    def export(self, code: FromPath[str], db_session: NamedDependency[Session]) -> Response[str]:
        strategy = find_strategy(db_session, code)
        if strategy is None or strategy.id is None:
            raise NotFound(code)
        return Response(
            export_strategy(db_session, strategy.id),
            media_type="application/yaml; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{code}.yaml"'},
        )


class DefinitionController(Controller):
    """Create, edit, reorder and delete one part of the strategy or the maturity model at a time."""

    path = "/definitions"
    guards = [requires_strategy_office]
    include_in_schema = False

    def _form_page(
        self,
        request: HTMXRequest,
        db_session: Session,
        kind: str,
        state: FormState,
        *,
        parent_id: int | None,
        item: Any = None,
        status_code: int = 200,
    ) -> Template:
        spec = spec_for(kind)
        parent = get_parent(db_session, spec, parent_id)
        strategy = (
            owning_strategy(db_session, spec, item)
            if item is not None
            else strategy_of_parent(db_session, spec, parent)
        )
        if item is not None:
            action = request.app.route_reverse("definitions.update", kind=kind, item_id=item.id)
            validate_url = request.app.route_reverse("definitions.validate", kind=kind) + f"?item={item.id}"
        else:
            action = request.app.route_reverse("definitions.create", kind=kind) + f"?parent={parent_id or ''}"
            validate_url = request.app.route_reverse("definitions.validate", kind=kind) + f"?parent={parent_id or ''}"
        context = {
            "spec": spec,
            "fields": spec.fields,
            "form_id": "definition-form",
            "back": request.app.route_reverse("strategy.show", code=strategy.code) if strategy else "",
            "state": state,
            "item": item,
            "parent": parent,
            "strategy": strategy,
            "choices": field_choices(db_session, spec, parent_id),
            "action": action,
            "validate_url": validate_url,
        }
        return render(request, "indicators/pages/edit.html", context, status_code=status_code)

    @get("/{kind:str}/new", name="definitions.new", sync_to_thread=True)
    def new(
        self,
        request: HTMXRequest,
        kind: FromPath[str],
        db_session: NamedDependency[Session],
        parent: FromQuery[int | None] = None,
    ) -> Template:
        return self._form_page(request, db_session, kind, FormState(new_values(spec_for(kind))), parent_id=parent)

    @post("/{kind:str}/new", name="definitions.create", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def create(
        self,
        request: HTMXRequest,
        kind: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
        parent: FromQuery[int | None] = None,
    ) -> Response[Any] | Template:
        spec = spec_for(kind)
        try:
            item = create_item(db_session, spec, data, parent_id=parent, actor=Actor.of(user))
        except InvalidForm as exc:
            return self._form_page(request, db_session, kind, exc.state, parent_id=parent, status_code=422)
        return self._done(request, db_session, kind, item, t(request, "Saved."))

    @post("/{kind:str}/validate", name="definitions.validate", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True})
    def check(
        self,
        request: HTMXRequest,
        kind: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        parent: FromQuery[int | None] = None,
        item: FromQuery[int | None] = None,
    ) -> Template:
        """Inline validation while typing: the problems per field, nothing saved."""
        spec = spec_for(kind)
        if item is not None:
            existing = get_item(db_session, spec, item)
            parent = getattr(existing, spec.parent_field) if spec.parent_field else None
        _, state = validate(db_session, spec, data, parent_id=parent, item_id=item)
        state = while_typing(state, request.headers.get("hx-trigger-name"))
        return Template(template_name="forms/field_errors.html", context={"fields": spec.fields, "state": state})

    @get("/{kind:str}/{item_id:int}/edit", name="definitions.edit", sync_to_thread=True)
    def edit(
        self, request: HTMXRequest, kind: FromPath[str], item_id: FromPath[int], db_session: NamedDependency[Session]
    ) -> Template:
        spec = spec_for(kind)
        item = get_item(db_session, spec, item_id)
        parent_id = getattr(item, spec.parent_field) if spec.parent_field else None
        return self._form_page(
            request, db_session, kind, form_from_item(db_session, spec, item), parent_id=parent_id, item=item
        )

    @post(
        "/{kind:str}/{item_id:int}/edit", name="definitions.update", sync_to_thread=True, opt={TYPED_TEXT_CHECKED: True}
    )
    def update(
        self,
        request: HTMXRequest,
        kind: FromPath[str],
        item_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        spec = spec_for(kind)
        try:
            item = update_item(db_session, spec, item_id, data, actor=Actor.of(user))
        except InvalidForm as exc:
            item = get_item(db_session, spec, item_id)
            parent_id = getattr(item, spec.parent_field) if spec.parent_field else None
            return self._form_page(
                request, db_session, kind, exc.state, parent_id=parent_id, item=item, status_code=422
            )
        return self._done(request, db_session, kind, item, t(request, "Saved."))

    @get("/{kind:str}/{item_id:int}/delete", name="definitions.confirm_delete", sync_to_thread=True)
    def confirm_delete(
        self, request: HTMXRequest, kind: FromPath[str], item_id: FromPath[int], db_session: NamedDependency[Session]
    ) -> Template:
        spec = spec_for(kind)
        item = get_item(db_session, spec, item_id)
        context = {
            "spec": spec,
            "item": item,
            "recorded": records_of(db_session, spec, item_id),
            "strategy": owning_strategy(db_session, spec, item),
            "problems": [],
        }
        return render(request, "indicators/pages/delete.html", context)

    @post("/{kind:str}/{item_id:int}/delete", name="definitions.delete", sync_to_thread=True)
    def delete(
        self,
        request: HTMXRequest,
        kind: FromPath[str],
        item_id: FromPath[int],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        spec = spec_for(kind)
        item = get_item(db_session, spec, item_id)
        strategy = owning_strategy(db_session, spec, item)
        label = spec.label_of(item, "en")
        try:
            delete_item(db_session, spec, item_id, actor=Actor.of(user))
        except InvalidInput as exc:
            context = {
                "spec": spec,
                "item": item,
                "recorded": records_of(db_session, spec, item_id),
                "strategy": strategy,
                "problems": exc.problems,
            }
            return render(request, "indicators/pages/delete.html", context, status_code=409)
        flash(request, t(request, "Deleted %(item)s.", item=label), "success")
        target = _strategy_url(request, strategy.code) if strategy else request.app.route_reverse("strategy.index")
        return redirect(request, target)

    @post("/{kind:str}/{item_id:int}/move", name="definitions.move", sync_to_thread=True)
    def move(
        self,
        request: HTMXRequest,
        kind: FromPath[str],
        item_id: FromPath[int],
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        user: NamedDependency[User],
    ) -> Response[Any]:
        spec = spec_for(kind)
        move_item(db_session, spec, item_id, data.get("direction", ""), actor=Actor.of(user))
        item = get_item(db_session, spec, item_id)
        strategy = owning_strategy(db_session, spec, item)
        if strategy is None:
            raise NotFound(kind)
        return redirect(request, _strategy_url(request, strategy.code, f"{kind}-{item_id}"))

    def _done(self, request: HTMXRequest, db_session: Session, kind: str, item: Any, message: str) -> Response[Any]:
        flash(request, message, "success")
        strategy = owning_strategy(db_session, spec_for(kind), item)
        if strategy is None:
            return redirect(request, request.app.route_reverse("strategy.index"))
        anchor = f"{kind}-{item.id}" if kind != "target" else f"kpi-{item.kpi_id}"
        return redirect(request, _strategy_url(request, strategy.code, anchor))
