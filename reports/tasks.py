"""The report task: one report (unit × period × language), built for every batch waiting for it.

A worker keeps warm what every report shares: the renderer and the chart engine (imported and
warmed once, ``warm_up``) and the period's scores (one ``SharedScoring`` per batch, as a batch's
reports read the same data). Before anything is scored, ``refresh_report`` asks whether anything
the stored report reads was written since; a batch with nothing changed renders nothing.

A task that dies with its worker (SIGKILL, a lost machine) committed nothing: its job is queued
again by ``retry_stalled_jobs`` and the next worker builds the report, once. A task that fails
records the failure on the items, so the batch finishes and says which report failed.
"""

import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from maturity.audit.services import Actor
from maturity.db import Database, utcnow
from maturity.jobs import LocalRunner, Retry, Runtime, TaskSpec
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from reports.batch import limit_malloc, peak_memory_mib, release_memory
from reports.batch_jobs import BUILD_TASK, defer_batch, finish_items, get_batch, waiting_items
from reports.branding import branding_of
from reports.content import ReportContent
from reports.models import ItemStatus, ReportBatch
from reports.pdf import RenderedPdf
from reports.services import Renderer, refresh_report
from reports.shared_scoring import SharedScoring

log = logging.getLogger("maturity.reports")
QUEUE = "reports"
RENDER_KEY = "reports.render"
SHARED_KEY = "reports.shared"


def in_process_renderer() -> Renderer:
    """Render in this process, one report at a time (WeasyPrint must not render in two threads
    at once); the memory a report grew is handed back after it."""
    from reports.rendering import render_report_pdf

    lock = threading.Lock()

    def render(content: ReportContent) -> RenderedPdf:
        with lock:
            rendered = render_report_pdf(content)
            release_memory()
        return rendered

    return render


def warm_up(runtime: Runtime) -> None:
    """In a worker, before its first job: the chart templates (compiled in a short-lived process,
    so the worker never imports Altair: 30 MB less), the renderer, the chart engine and the fonts;
    malloc limited first (``batch.limit_malloc``), before the chart engine's and the jobs' threads."""
    limit_malloc()
    from maturity.charts import compile_templates, install_templates
    from reports.rendering import warm_up as warm_renderer

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        install_templates(pool.submit(compile_templates).result())
    warm_renderer()
    runtime.kept(RENDER_KEY, in_process_renderer)


def shared_scoring(runtime: Runtime, batch_id: int) -> SharedScoring:
    """The batch's shared scores: a new batch may follow new data, so it scores afresh (and the
    previous batch's scores are let go)."""
    with runtime.lock:
        held = runtime.cache.get(SHARED_KEY)
        if held is None or held[0] != batch_id:
            held = (batch_id, SharedScoring())
            runtime.cache[SHARED_KEY] = held
        return held[1]


def forget_shared_scoring(runtime: Runtime) -> None:
    """After a failed report: its rollback expired the rows the shared scores were read with
    (when they were read in its transaction), so the batch's next report scores afresh."""
    with runtime.lock:
        runtime.cache.pop(SHARED_KEY, None)


def build_report_task(runtime: Runtime, unit_id: int, period: str, language: str) -> dict[str, Any]:
    render: Renderer = runtime.kept(RENDER_KEY, in_process_renderer)
    settings = runtime.settings
    started = utcnow()
    try:
        with runtime.database.transaction() as session:
            items = waiting_items(session, unit_id, period, language, created_before=started)
            if not items:
                return {"status": "nothing waiting"}
            batch = items[0][1]
            assert batch.id is not None
            unit = session.get_one(OrgUnit, unit_id)
            outcome = refresh_report(
                session,
                settings.report_storage,
                unit,
                period,
                language,
                generated_by=batch.started_by or Actor.system("report batch").label,
                batch_id=batch.id,
                shared=shared_scoring(runtime, batch.id),
                render=render,
                branding=branding_of(settings),
            )
            status = ItemStatus.BUILT if outcome.status == "built" else ItemStatus.SKIPPED
            finish_items(session, items, status, outcome=outcome)
    except Exception as exc:
        log.exception("report %s %s %s failed", unit_id, period, language)
        forget_shared_scoring(runtime)
        with runtime.database.transaction() as session:
            items = waiting_items(session, unit_id, period, language, created_before=started)
            codes = {unit_id: session.get_one(OrgUnit, unit_id).code}
            finish_items(session, items, ItemStatus.FAILED, error=f"{codes[unit_id]} ({language}): {exc}")
        return {"status": "failed"}
    return {"status": outcome.status, "report_id": outcome.report_id, "peak_mib": peak_memory_mib()}


TASKS = [TaskSpec(BUILD_TASK, build_report_task, queue=QUEUE, retry=Retry(attempts=0))]


def run_batch_here(
    settings: Settings,
    database: Database,
    batch_id: int,
    *,
    threads: int = 1,
    on_progress: Callable[[ReportBatch], None] | None = None,
) -> ReportBatch:
    """Build a batch to the end in this process, by a local runner (the demo without a server,
    scripts, tests): the same tasks as a worker runs. ``on_progress`` is shown the batch now and
    then while it runs."""
    runner = LocalRunner(Runtime(settings, database), TASKS, threads=threads)
    try:
        with database.transaction() as session:
            defer_batch(session, runner, batch_id)
        while not runner.wait_idle(timeout=0.5):
            if on_progress is not None:
                with database.transaction() as session:
                    on_progress(get_batch(session, batch_id))
    finally:
        runner.close()
    with database.transaction() as session:
        return get_batch(session, batch_id)
