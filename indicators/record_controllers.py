"""KPI pages for leaders and the strategy office: the entry grid with history, CSV import with a
dry-run preview, and CSV export. Every unit outside the reader's scope is 404."""

import base64
import hashlib
from datetime import date
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.controllers import LABELS
from indicators.models import Kpi, TargetKind
from indicators.records import (
    RecordInput,
    check_records,
    export_kpi_csv,
    import_kpi_csv,
    load_grid,
    numbers_changed,
    record_values,
)
from indicators.services import current_strategy, load_kpi_node, load_strategy_tree
from maturity.audit.services import Actor
from maturity.auth.models import Role, User
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.guards import requires_leader
from maturity.numbers import decimal_mark
from maturity.periods import Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from maturity.web import MEGABYTE, UPLOAD_LIMIT_OPT, flash, redirect, render, t

MAX_UPLOAD = 5 * 1024 * 1024


def _kpi(session: Session, code: str) -> Kpi:
    kpi = session.execute(select(Kpi).where(col(Kpi.code) == code)).scalars().first()
    if kpi is None:
        raise NotFound(code)
    return kpi


def _first_day(session: Session) -> date:
    strategy = current_strategy(session)
    return strategy.period_start if strategy else date(2000, 1, 1)


def _until(raw: str) -> date:
    if not raw:
        return date.today()
    try:
        return Period.parse(raw).end
    except ValueError:
        return date.today()


def _cell_inputs(form: dict[str, str]) -> dict[tuple[str, str], dict[str, str]]:
    """``value|UNIT|PERIOD`` (and ``numerator|…``, ``denominator|…``) fields, grouped by cell."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for key, raw in form.items():
        parts = key.split("|")
        if len(parts) == 3 and parts[0] in ("value", "numerator", "denominator"):
            cells.setdefault((parts[1], parts[2]), {})[parts[0]] = raw.strip()
    return cells


class KpiController(Controller):
    path = "/kpis"
    guards = [requires_leader]
    include_in_schema = False

    @get("/", name="kpis.index", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        strategy = current_strategy(db_session)
        tree = load_strategy_tree(db_session, strategy.id) if strategy and strategy.id else None
        return render(request, "indicators/pages/kpis.html", {"tree": tree, **LABELS})

    @get("/export.csv", name="kpis.export", sync_to_thread=True)
    def export(
        self, db_session: NamedDependency[Session], unit_scope: NamedDependency[UnitScope], kpi: FromQuery[str] = ""
    ) -> Response[bytes]:
        text = export_kpi_csv(db_session, unit_scope, kpi_codes=[kpi] if kpi else [])
        return Response(
            "\ufeff".encode() + text.encode("utf-8"),  # a BOM, so Excel reads the UTF-8
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="kpi-records{"-" + kpi if kpi else ""}.csv"'},
        )

    @get("/import", name="kpis.import_form", sync_to_thread=False)
    def import_form(self, request: HTMXRequest) -> Template:
        return render(
            request,
            "indicators/pages/kpi_import.html",
            {"summary": None, "problems": [], "filename": "", "payload": "", "limit_mb": MAX_UPLOAD // MEGABYTE},
            partial="indicators/partials/kpi_import_result.html",
        )

    @post("/import", name="kpis.import", sync_to_thread=True, opt={UPLOAD_LIMIT_OPT: MAX_UPLOAD})
    def import_file(
        self,
        request: HTMXRequest,
        data: MultipartBody[dict[str, Any]],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        """Check a file (the default, and always first) or, with ``commit``, record it."""
        upload = data.get("file")
        filename, content = "", b""
        if isinstance(upload, UploadFile) and upload.filename:
            with upload.file:
                filename, content = upload.filename, upload.file.read(MAX_UPLOAD + 1)
        elif data.get("payload"):
            # A checked file comes back with the confirmation, so nothing needs uploading twice.
            filename = str(data.get("filename", ""))
            content = base64.b64decode(str(data["payload"]))
            if hashlib.sha256(content).hexdigest() != data.get("digest"):
                content = b""
        commit = data.get("commit") == "1"
        context: dict[str, Any] = {"summary": None, "problems": [], "filename": filename, "payload": ""}
        if not content:
            context["problems"] = [Problem(N_("Choose a CSV file."))]
            return self._import_page(request, context, 422)
        try:
            summary = import_kpi_csv(db_session, content, unit_scope, Actor.of(user), dry_run=not commit)
        except InvalidInput as exc:
            context["problems"] = exc.problems
            return self._import_page(request, context, 422)
        if commit:
            message = t(
                request,
                "Recorded %(file)s: %(new)s new values, %(changed)s corrections, %(unchanged)s unchanged.",
                file=filename,
                new=summary.new,
                changed=summary.changed,
                unchanged=summary.unchanged,
            )
            flash(request, message, "success")
            return redirect(request, request.app.route_reverse("kpis.import_form"))
        context.update(
            summary=summary,
            payload=base64.b64encode(content).decode(),
            digest=hashlib.sha256(content).hexdigest(),
        )
        return self._import_page(request, context, 200)

    def _import_page(self, request: HTMXRequest, context: dict[str, Any], status: int) -> Template:
        context.setdefault("digest", "")
        context.setdefault("limit_mb", MAX_UPLOAD // MEGABYTE)
        return render(
            request,
            "indicators/pages/kpi_import.html",
            context,
            partial="indicators/partials/kpi_import_result.html",
            status_code=status,
        )

    @get("/{code:str}", name="kpis.show", sync_to_thread=True)
    def show(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
        until: FromQuery[str] = "",
    ) -> Template:
        kpi = _kpi(db_session, code)
        return self._grid_page(request, db_session, kpi, unit_scope, user, until, {}, {})

    def _grid_page(
        self,
        request: HTMXRequest,
        db_session: Session,
        kpi: Kpi,
        unit_scope: UnitScope,
        user: User,
        until: str,
        typed: dict[tuple[str, str], dict[str, str]],
        errors: dict[tuple[str, str], list[Problem]],
        status_code: int = 200,
        message: str = "",
    ) -> Template:
        grid = load_grid(db_session, kpi, unit_scope, until=_until(until), first=_first_day(db_session))
        node = load_kpi_node(db_session, kpi)
        context = {
            "grid": grid,
            "baseline": node.valid(TargetKind.BASELINE, date.today()),  # the organisation-wide rows
            "target": node.valid(TargetKind.TARGET, date.today()),
            "until": until,
            "typed": typed,
            "errors": errors,
            "message": message,
            "can_edit": user.has_role(Role.LEADER) or user.has_role(Role.STRATEGY_OFFICE),
            **LABELS,
        }
        return render(
            request,
            "indicators/pages/kpi.html",
            context,
            partial="indicators/partials/kpi_grid.html",
            status_code=status_code,
        )

    @post("/{code:str}", name="kpis.record", sync_to_thread=True)
    def record(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        """Record the values typed into the grid (all of them, or one cell when HTMX autosaves)."""
        kpi = _kpi(db_session, code)
        cells = _cell_inputs(data)
        visible = {
            u.code
            for u in db_session.execute(
                unit_scope.filter(select(OrgUnit).where(col(OrgUnit.code).in_({u for u, _ in cells})), OrgUnit.id)
            ).scalars()
        }
        if any(unit not in visible for unit, _ in cells):
            raise NotFound("unit")  # another unit's values: not confirmed to exist
        items = []
        mark = decimal_mark(v for fields in cells.values() for v in fields.values())  # the form's values as one file
        for (unit, period), fields in cells.items():
            if not any(fields.values()):
                continue
            items.append(
                RecordInput(
                    kpi=kpi.code,
                    unit=unit,
                    period=period,
                    source=data.get("source", "").strip() or t(request, "Entered by hand"),
                    note=data.get("note", "").strip(),
                    path=f"{unit} {period}",
                    value=fields.get("value") or None,
                    numerator=fields.get("numerator") or None,
                    denominator=fields.get("denominator") or None,
                    mark=mark,
                )
            )
        try:
            checked = check_records(db_session, items, unit_scope)
        except InvalidInput as exc:
            errors: dict[tuple[str, str], list[Problem]] = {}
            for problem in exc.problems:
                unit, _, rest = (problem.path or "").partition(" ")
                errors.setdefault((unit, rest.split(".")[0]), []).append(problem)
            if request.htmx and not request.htmx.boosted:
                return Template(
                    template_name="indicators/partials/kpi_saved.html",
                    context={"message": "", "problems": exc.problems, "saved": [], "grid": None},
                    status_code=422,
                )
            return self._grid_page(
                request, db_session, kpi, unit_scope, user, data.get("until", ""), cells, errors, 422
            )
        summary = record_values(db_session, numbers_changed(db_session, checked), Actor.of(user), via="form")
        message = t(
            request,
            "Saved: %(new)s new values, %(changed)s corrections.",
            new=summary.new,
            changed=summary.changed,
        )
        if request.htmx and not request.htmx.boosted:
            # Autosave: say so in the live region and refresh the saved cells' history, leaving the
            # inputs (one of which may have the focus) alone.
            grid = load_grid(
                db_session, kpi, unit_scope, until=_until(data.get("until", "")), first=_first_day(db_session)
            )
            saved = [grid.cell(c.unit, c.period) for c in checked if (c.unit.id, c.period) in grid.cells]
            return Template(
                template_name="indicators/partials/kpi_saved.html",
                context={"message": message, "problems": [], "saved": saved, "grid": grid},
            )
        flash(request, message, "success")
        target = request.app.route_reverse("kpis.show", code=kpi.code)
        return redirect(request, target + (f"?until={data['until']}" if data.get("until") else ""))
