"""Importing baselines and targets per unit from a CSV file on the strategy page: check first
(a preview, nothing written), then record; every problem of the file at once."""

from typing import Any

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.strategy_tree import find_strategy, load_strategy_tree
from indicators.unit_target_import import export_unit_targets_csv, import_unit_targets_csv
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.csvio import DEFAULT_MAX_BYTES
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.guards import requires_strategy_office
from maturity.uploads.services import KeptFile, keep_upload, take_upload
from maturity.web import MEGABYTE, UPLOAD_LIMIT_OPT, flash, redirect, render, t

UPLOAD_KIND = "unit-targets"  # of the files kept between preview and confirmation


class UnitTargetController(Controller):
    path = "/strategy/{code:str}/targets"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/export.csv", name="unit_targets.export", sync_to_thread=True)
    def export(self, code: FromPath[str], db_session: NamedDependency[Session]) -> Response[str]:
        """The strategy's baselines and targets of single units, as the import reads them."""
        strategy = find_strategy(db_session, code)
        if strategy is None or strategy.id is None:
            raise NotFound(code)
        kpi_ids = [node.kpi.id or 0 for node in load_strategy_tree(db_session, strategy.id).kpis()]
        return Response(
            export_unit_targets_csv(db_session, kpi_ids),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="{code}-unit-targets.csv"'},
        )

    @get("/import", name="unit_targets.import_form", sync_to_thread=True)
    def import_form(self, request: HTMXRequest, code: FromPath[str], db_session: NamedDependency[Session]) -> Template:
        return self._page(request, db_session, code, {"summary": None, "problems": [], "filename": ""}, 200)

    @post("/import", name="unit_targets.import", sync_to_thread=True, opt={UPLOAD_LIMIT_OPT: DEFAULT_MAX_BYTES})
    def import_file(
        self,
        request: HTMXRequest,
        code: FromPath[str],
        data: MultipartBody[dict[str, Any]],
        db_session: NamedDependency[Session],
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
                kept = KeptFile(upload.filename, upload.file.read(DEFAULT_MAX_BYTES + 1))
        elif commit:
            kept = take_upload(db_session, str(data.get("upload", "")), user.id, UPLOAD_KIND, now=utcnow())
        filename = kept.filename if kept else ""
        context: dict[str, Any] = {"summary": None, "problems": [], "filename": filename}
        if kept is None or not kept.content:
            message = N_("The checked file has expired: choose it again.") if commit else N_("Choose a CSV file.")
            context["problems"] = [Problem(message)]
            return self._page(request, db_session, code, context, 422)
        try:
            summary = import_unit_targets_csv(db_session, kept.content, Actor.of(user), dry_run=not commit)
        except InvalidInput as exc:
            context["problems"] = exc.problems
            return self._page(request, db_session, code, context, 422)
        if commit:
            flash(
                request,
                t(
                    request,
                    "Recorded %(file)s: %(created)s new rows, %(changed)s changed, %(unchanged)s unchanged.",
                    file=filename,
                    created=summary.created,
                    changed=summary.changed,
                    unchanged=summary.unchanged,
                ),
                "success",
            )
            return redirect(request, request.app.route_reverse("strategy.show", code=code))
        token = keep_upload(db_session, user.id, UPLOAD_KIND, filename, kept.content, now=utcnow())
        context.update(summary=summary, upload=token)
        return self._page(request, db_session, code, context, 200)

    def _page(
        self, request: HTMXRequest, session: Session, code: str, context: dict[str, Any], status: int
    ) -> Template:
        strategy = find_strategy(session, code)
        if strategy is None:
            raise NotFound(code)
        context.setdefault("upload", "")
        context.setdefault("limit_mb", DEFAULT_MAX_BYTES // MEGABYTE)
        return render(
            request,
            "indicators/pages/unit_target_import.html",
            {**context, "strategy": strategy},
            partial="indicators/partials/unit_target_import_result.html",
            status_code=status,
        )
