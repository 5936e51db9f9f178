"""Report pages: the archive (list, download, verify), a report on screen, the leader's
narrative, and the strategy office's batch builds. A unit or report outside the reader's scope
is 404, with the same page as a missing one."""

from datetime import UTC, date, datetime
from typing import Any, cast

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from sqlmodel import Session

from indicators.dashboard_controllers import provide_score_cache
from indicators.dashboard_periods import PeriodChoice, default_period_label, period_choice
from indicators.score_cache import ScoreCache
from indicators.scorecard import EVERYTHING
from indicators.strategy_tree import current_strategy
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import Database
from maturity.errors import InvalidInput, NotFound
from maturity.guards import requires_leader, requires_strategy_office
from maturity.jobs import JobQueue
from maturity.periods import Frequency, Period
from maturity.settings import LOCALES, Settings
from maturity.units.services import UnitScope, get_unit, visible_units
from maturity.web import flash, locale_of, redirect, render, t
from reports.assembly import build_content
from reports.batch_jobs import defer_batch, get_batch, is_stale, recent_batches, start_batch
from reports.branding import branding_of
from reports.freshness import archive_marks
from reports.models import BatchStatus, Report
from reports.narratives import check_period, find_narrative, narrative_history, save_narrative
from reports.on_demand import PdfRenderer
from reports.rendering import document_context, report_charts
from reports.services import archived_with, current_report, get_report, list_reports, report_bytes, verify_report
from reports.shared_scoring import KeptScoring


def default_period(session: Session, scope: UnitScope) -> str:
    """The period the dashboard opens on for this reader (the one default-period rule); last year
    without a strategy."""
    strategy = current_strategy(session)
    if strategy is None:
        return str(Period(date.today().year - 1, Frequency.YEAR))
    return default_period_label(session, strategy, scope, datetime.now(UTC))


def outside_strategy(session: Session, scope: UnitScope, period: str) -> PeriodChoice | None:
    """The choice naming the periods with data when ``period`` lies outside the current strategy."""
    try:
        strategy = current_strategy(session, today=Period.parse(period).end)  # the one covering it, else the latest
    except ValueError:
        return None
    if strategy is None:
        return None
    choice = period_choice(session, strategy, scope, period, None, datetime.now(UTC))
    return choice if choice.outside else None


def provide_pdf_renderer(request: Request[Any, Any, Any]) -> PdfRenderer:
    return cast(PdfRenderer, request.app.state.pdf_renderer)


def pdf_response(data: bytes, report: Report, unit_code: str) -> Response[bytes]:
    filename = f"{unit_code}-{report.period}-{report.language}.pdf"
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "private, no-store"},
    )


class ReportController(Controller):
    path = "/reports"
    guards = [requires_leader]
    include_in_schema = False
    dependencies = {
        "pdf_renderer": Provide(provide_pdf_renderer, sync_to_thread=False),
        "score_cache": Provide(provide_score_cache, sync_to_thread=False),
    }

    @get("/", name="reports.index", sync_to_thread=True)
    def index(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        period: FromQuery[str] = "",
    ) -> Template:
        rows = list_reports(db_session, unit_scope, period=period.strip() or None)
        context = {
            "rows": rows,
            "marks": archive_marks(db_session, [report for report, _ in rows]),
            "units": visible_units(db_session, unit_scope),
            "period": period,
            "default_period": default_period(db_session, unit_scope),
        }
        return render(request, "reports/pages/index.html", context)

    @get("/view", name="reports.view", sync_to_thread=True)
    def view(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        settings: NamedDependency[Settings],
        score_cache: NamedDependency[ScoreCache],
        unit: FromQuery[str],
        period: FromQuery[str],
        lang: FromQuery[str] = "",
    ) -> Template:
        """The report on screen, built now from the current data, with the PDF's templates."""
        found = get_unit(db_session, unit_scope, unit)
        language = lang if lang in LOCALES else locale_of(request)
        try:
            period = check_period(period)
        except InvalidInput as exc:
            context = {"problems": exc.problems, "units": visible_units(db_session, unit_scope), "rows": []}
            context.update(period=period, default_period=default_period(db_session, unit_scope), marks={})
            return render(request, "reports/pages/index.html", context, status_code=422)
        outside = outside_strategy(db_session, unit_scope, period)
        if outside is not None:
            context = {"problems": [], "units": visible_units(db_session, unit_scope), "rows": [], "marks": {}}
            context.update(period=period, default_period=outside.with_data[0].label if outside.with_data else period)
            context.update(outside=outside, strategy=outside.strategy, unit=found)
            return render(request, "reports/pages/index.html", context, status_code=404)
        shared = KeptScoring(score_cache)  # the period scored once until a write changes it
        content = build_content(db_session, found, period, language, shared, branding_of(settings))
        context = document_context(content, report_charts(content), inline_charts=True)
        return render(request, "reports/pages/report.html", context)

    @get("/pdf", name="reports.current_pdf", sync_to_thread=True)
    def current_pdf(
        self,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        settings: NamedDependency[Settings],
        user: NamedDependency[User],
        pdf_renderer: NamedDependency[PdfRenderer],
        score_cache: NamedDependency[ScoreCache],
        unit: FromQuery[str],
        period: FromQuery[str],
        lang: FromQuery[str] = "nb",
    ) -> Response[bytes]:
        """The PDF of the data as they are now: the archived one while its inputs are unchanged,
        otherwise built now (in the renderer's worker process) and archived."""
        found = get_unit(db_session, unit_scope, unit)
        try:
            period = check_period(period)
        except InvalidInput:
            raise NotFound(period) from None
        if lang not in LOCALES:
            raise NotFound(lang)
        report = current_report(
            db_session,
            settings.report_storage,
            found,
            period,
            lang,
            generated_by=Actor.of(user).label,
            render=pdf_renderer,
            branding=branding_of(settings),
            shared=KeptScoring(score_cache),
        )
        return pdf_response(report_bytes(settings.report_storage, report), report, found.code)

    @get("/{report_id:int}/pdf", name="reports.download", sync_to_thread=True)
    def download(
        self,
        report_id: FromPath[int],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        report, unit = get_report(db_session, unit_scope, report_id)
        return pdf_response(report_bytes(settings.report_storage, report), report, unit.code)

    @get("/{report_id:int}/verify", name="reports.verify", sync_to_thread=True)
    def verify(
        self,
        request: HTMXRequest,
        report_id: FromPath[int],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        settings: NamedDependency[Settings],
    ) -> Template:
        """Re-hash the stored PDF and snapshot (rendering again runs in ``maturity reports verify``)."""
        report, unit = get_report(db_session, unit_scope, report_id)
        outcome = verify_report(settings.report_storage, report, rerender=False)
        mark = archive_marks(db_session, archived_with(db_session, report))[report.id or 0]
        context = {"report": report, "unit": unit, "outcome": outcome, "mark": mark}
        return render(request, "reports/pages/verify.html", context, partial="reports/partials/verify.html")

    @get("/narrative", name="reports.narrative", sync_to_thread=True)
    def narrative_form(
        self,
        request: HTMXRequest,
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        unit: FromQuery[str],
        period: FromQuery[str],
    ) -> Template:
        found = get_unit(db_session, unit_scope, unit)
        try:
            period = check_period(period)
        except InvalidInput:
            raise NotFound(period) from None
        narrative = find_narrative(db_session, found, period)
        context = {
            "unit": found,
            "period": period,
            "text": narrative.text if narrative else "",
            "history": narrative_history(db_session, narrative),
            "problems": [],
            "saved": False,
        }
        return render(request, "reports/pages/narrative.html", context)

    @post("/narrative", name="reports.narrative_save", sync_to_thread=True)
    def narrative_save(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[dict[str, str]],
        db_session: NamedDependency[Session],
        unit_scope: NamedDependency[UnitScope],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        found = get_unit(db_session, unit_scope, data.get("unit", ""))
        period, text = data.get("period", ""), data.get("text", "")
        try:
            narrative = save_narrative(db_session, found, period, text, Actor.of(user))
        except InvalidInput as exc:
            context = {"unit": found, "period": period, "text": text, "history": [], "problems": exc.problems}
            context["saved"] = False
            return render(
                request, "reports/pages/narrative.html", context, partial="reports/partials/narrative_form.html"
            )
        if request.htmx and not request.htmx.boosted:
            context = {
                "unit": found,
                "period": narrative.period,
                "text": narrative.text,
                "history": narrative_history(db_session, narrative),
                "problems": [],
                "saved": True,
            }
            return render(
                request, "reports/pages/narrative.html", context, partial="reports/partials/narrative_form.html"
            )
        flash(request, t(request, "The narrative was saved."), "success")
        url = request.app.route_reverse("reports.narrative") + f"?unit={found.code}&period={narrative.period}"
        return redirect(request, url)


class ReportBatchController(Controller):
    path = "/reports/batches"
    guards = [requires_strategy_office]
    include_in_schema = False

    @get("/", name="reports.batches", sync_to_thread=True)
    def index(self, request: HTMXRequest, db_session: NamedDependency[Session]) -> Template:
        context = {
            "batches": recent_batches(db_session),
            "problems": [],
            "form": {"period": default_period(db_session, EVERYTHING)},
        }
        return render(request, "reports/pages/batches.html", context)

    @post("/", name="reports.batch_start", sync_to_thread=True)
    def start(
        self,
        request: HTMXRequest,
        data: URLEncodedBody[dict[str, str]],
        db: NamedDependency[Database],
        db_session: NamedDependency[Session],
        queue: NamedDependency[JobQueue],
        user: NamedDependency[User],
    ) -> Response[Any] | Template:
        codes = [c for c in data.get("units", "").replace(",", " ").split() if c]
        try:
            # Its own transaction: the batch must be committed before a worker looks for it.
            with db.transaction() as session:
                batch, created = start_batch(
                    session, data.get("period", ""), codes, data.get("language", "nb"), Actor.of(user)
                )
                batch_id = batch.id
        except InvalidInput as exc:
            context = {"batches": recent_batches(db_session), "problems": exc.problems, "form": data}
            return render(request, "reports/pages/batches.html", context, status_code=422)
        assert batch_id is not None
        defer_batch(db_session, queue, batch_id)
        if not created:
            flash(request, t(request, "These reports are being built already: this is their batch."), "info")
        return redirect(request, request.app.route_reverse("reports.batch", batch_id=batch_id))

    @get("/{batch_id:int}", name="reports.batch", sync_to_thread=True)
    def status(self, request: HTMXRequest, batch_id: FromPath[int], db_session: NamedDependency[Session]) -> Template:
        batch = get_batch(db_session, batch_id)
        finished = batch.status in (BatchStatus.DONE, BatchStatus.FAILED) or is_stale(batch)
        context = {"batch": batch, "stale": is_stale(batch), "finished": finished}
        # 286 tells HTMX to stop polling once the batch is over.
        status_code = 286 if finished and request.htmx else 200
        return render(
            request,
            "reports/pages/batch.html",
            context,
            partial="reports/partials/batch_status.html",
            status_code=status_code,
        )
