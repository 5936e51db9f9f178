"""KPI pages for leaders and the strategy office: the entry grid with history, CSV import with a
dry-run preview, and CSV export. Every unit outside the reader's scope is 404."""

from dataclasses import replace
from datetime import date
from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.controllers import LABELS
from indicators.kpi_grid import load_grid
from indicators.models import Kpi, TargetKind
from indicators.record_files import export_kpi_csv, import_kpi_csv
from indicators.recording import numbers_changed, record_values
from indicators.records import check_grid
from indicators.risk_comments import at_risk_without_comment, comment_problem, comment_required
from indicators.strategy_tree import current_strategy, get_kpi, load_kpi_node, load_strategy_tree
from maturity.audit.services import Actor
from maturity.auth.models import Role, User
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.guards import requires_leader
from maturity.periods import Period
from maturity.units.services import UnitScope
from maturity.uploads.services import KeptFile, keep_upload, take_upload
from maturity.web import MEGABYTE, UPLOAD_LIMIT_OPT, flash, redirect, render, t

MAX_UPLOAD = 5 * 1024 * 1024
UPLOAD_KIND = "kpi-values"  # of the files kept between preview and confirmation


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
            {"summary": None, "problems": [], "filename": "", "upload": "", "limit_mb": MAX_UPLOAD // MEGABYTE},
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
        """Check a file (the default, and always first) or, with ``commit``, record the file the
        check kept on the server (``maturity.uploads``): nothing is uploaded twice."""
        assert user.id is not None
        upload = data.get("file")
        commit = data.get("commit") == "1"
        kept = None
        if isinstance(upload, UploadFile) and upload.filename:
            with upload.file:
                kept = KeptFile(upload.filename, upload.file.read(MAX_UPLOAD + 1))
        elif commit:
            kept = take_upload(db_session, str(data.get("upload", "")), user.id, UPLOAD_KIND, now=utcnow())
        context: dict[str, Any] = {"summary": None, "problems": [], "filename": kept.filename if kept else ""}
        if kept is None or not kept.content:
            message = N_("The checked file has expired: choose it again.") if commit else N_("Choose a CSV file.")
            context["problems"] = [Problem(message)]
            return self._import_page(request, context, 422)
        try:
            summary = import_kpi_csv(db_session, kept.content, unit_scope, Actor.of(user), dry_run=not commit)
        except InvalidInput as exc:
            context["problems"] = exc.problems
            return self._import_page(request, context, 422)
        if commit:
            message = t(
                request,
                "Recorded %(file)s: %(new)s new values, %(changed)s corrections, %(unchanged)s unchanged.",
                file=kept.filename,
                new=summary.new,
                changed=summary.changed,
                unchanged=summary.unchanged,
            )
            flash(request, message, "success")
            return redirect(request, request.app.route_reverse("kpis.import_form"))
        token = keep_upload(db_session, user.id, UPLOAD_KIND, kept.filename, kept.content, now=utcnow())
        context.update(summary=summary, upload=token)
        return self._import_page(request, context, 200)

    def _import_page(self, request: HTMXRequest, context: dict[str, Any], status: int) -> Template:
        context.setdefault("upload", "")
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
        kpi = get_kpi(db_session, code)
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
            "risk_comment_required": comment_required(db_session, kpi),
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
        kpi = get_kpi(db_session, code)
        until = data.get("until", "")
        source = data.get("source", "").strip() or t(request, "Entered by hand")
        checked = check_grid(db_session, kpi, data, unit_scope, source=source, note=data.get("note", "").strip())
        errors, records = checked.errors, []
        if not errors:
            commented = {cell for cell, fields in checked.typed.items() if fields.get("note")}
            records = numbers_changed(db_session, checked.records, commented=commented)
            for risky in at_risk_without_comment(db_session, records):
                cell = (risky.unit.code, risky.period)
                errors.setdefault(cell, []).append(replace(comment_problem(risky), path=" ".join(cell)))
        autosave = request.htmx and not request.htmx.boosted
        if errors and autosave:
            problems = [p for found in errors.values() for p in found]
            context = {"message": "", "problems": problems, "saved": [], "grid": None}
            return Template(template_name="indicators/partials/kpi_saved.html", context=context, status_code=422)
        if errors:
            return self._grid_page(request, db_session, kpi, unit_scope, user, until, checked.typed, errors, 422)
        # The comments a value at risk needs were asked for just above.
        summary = record_values(db_session, records, Actor.of(user), via="form", require_comments=False)
        message = t(
            request, "Saved: %(new)s new values, %(changed)s corrections.", new=summary.new, changed=summary.changed
        )
        if autosave:
            # Say so in the live region and refresh the saved cells' history, leaving the inputs
            # (one of which may have the focus) alone.
            grid = load_grid(db_session, kpi, unit_scope, until=_until(until), first=_first_day(db_session))
            saved = [grid.cell(c.unit, c.period) for c in checked.records if (c.unit.id, c.period) in grid.cells]
            return Template(
                template_name="indicators/partials/kpi_saved.html",
                context={"message": message, "problems": [], "saved": saved, "grid": grid},
            )
        flash(request, message, "success")
        target = request.app.route_reverse("kpis.show", code=kpi.code)
        return redirect(request, target + (f"?until={until}" if until else ""))
