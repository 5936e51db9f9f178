"""``maturity reports …``: batches started and followed with a progress bar, and verifying a stored report."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import click

from maturity.audit.services import Actor
from maturity.cli import command_transaction, settings_from_env
from maturity.db import Database, utcnow
from maturity.jobs import LocalRunner, ProcrastinateQueue, Runtime, live_workers, procrastinate_app, uses_procrastinate
from maturity.settings import Settings
from reports.batch_jobs import defer_batch, get_batch, start_batch
from reports.models import BatchStatus, ReportBatch
from reports.on_demand import PdfRenderer
from reports.services import verify_report
from reports.tasks import RENDER_KEY, TASKS, warm_up
from reports.update_reminders import send_update_reminders


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2, 4))


@click.group()
def reports() -> None:
    """Progress reports (PDF): build them in batches, verify stored ones."""


@reports.command("build")
@click.option("--period", required=True, help="The reporting period, e.g. 2024 or 2024-S1.")
@click.option("--unit", "units", multiple=True, help="Unit code (repeatable); default: every unit.")
@click.option("--lang", "language", type=click.Choice(["nb", "en", "all"]), default="nb", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(0, 64),
    help="Build here with this many processes (default: the CPUs, at most 4, on SQLite; none on PostgreSQL,"
    " where running workers build the batch).",
)
def build(period: str, units: tuple[str, ...], language: str, workers: int | None) -> None:
    """Start a batch of PERIOD's reports and follow it; reports whose inputs did not change are kept."""
    settings = settings_from_env()
    with command_transaction("reports build") as session:
        batch, created = start_batch(
            session, period, list(units), language, Actor.system("command line: reports build")
        )
        batch_id = batch.id
    assert batch_id is not None
    if not created:
        click.echo(f"These reports are being built already (batch {batch_id}): following it.")
    database = Database.from_url(settings.database_url)
    try:
        with running_batch(settings, database, batch_id, workers):
            batch = follow(database, batch_id, f"Reports {period}")
    finally:
        database.dispose()
    click.echo(
        f"{batch.built} built, {batch.skipped} unchanged (kept), {batch.failed} failed; files in {settings.report_storage}."
    )
    for error in batch.error.splitlines():
        click.echo(f"  {error}", err=True)
    if batch.failed:
        raise SystemExit(1)


@contextmanager
def running_batch(settings: Settings, database: Database, batch_id: int, workers: int | None) -> Iterator[None]:
    """Queue the batch's reports, and have them built here: by a local runner (SQLite), by
    ``workers`` worker processes started for it, or by the workers already running."""
    if not uses_procrastinate(settings):
        count = workers or default_workers()
        runtime = Runtime(settings, database)
        renderer = PdfRenderer(workers=count) if count > 1 else None
        if renderer is not None:
            runtime.cache[RENDER_KEY] = renderer
        else:
            warm_up(runtime)
        runner = LocalRunner(runtime, TASKS, threads=count)
        try:
            with database.transaction() as session:
                defer_batch(session, runner, batch_id)
            yield
        finally:
            runner.close()
            if renderer is not None:
                renderer.close()
        return
    queue = ProcrastinateQueue(procrastinate_app(settings, TASKS, []))
    try:
        with database.transaction() as session:
            defer_batch(session, queue, batch_id)
    finally:
        queue.close()
    started = [
        subprocess.Popen([sys.executable, "-m", "maturity", "worker", "--until-idle"])  # our own command
        for _ in range(workers or 0)
    ]
    if not started and not live_workers(database, settings):
        click.echo("No worker is running: start one with `maturity worker` (or pass --workers N).", err=True)
    try:
        yield
    finally:
        for process in started:
            process.wait()


def follow(database: Database, batch_id: int, label: str) -> ReportBatch:
    """A progress bar of the batch, read from the database until it is finished."""
    with database.transaction() as session:
        batch = get_batch(session, batch_id)
    with click.progressbar(length=max(batch.total, 1), label=label, show_pos=True, show_eta=True) as bar:
        shown = 0
        while True:
            with database.transaction() as session:
                batch = get_batch(session, batch_id)
            bar.update(batch.done - shown)
            shown = batch.done
            if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
                return batch
            time.sleep(0.3)


@reports.command("verify")
@click.argument("report_id", type=int)
def verify(report_id: int) -> None:
    """Re-hash a stored report and render its snapshot again; exit 1 when anything differs."""
    from maturity.units.services import UnitScope
    from reports.services import get_report

    settings = settings_from_env()
    try:
        with command_transaction(f"report {report_id}") as session:
            report, unit = get_report(session, UnitScope(everything=True, roots=frozenset()), report_id)
    except Exception as exc:
        raise click.ClickException(f"No report {report_id}.") from exc
    outcome = verify_report(settings.report_storage, report)
    for label, ok in (
        ("file present", outcome.file_present),
        ("PDF hash", outcome.pdf_matches),
        ("snapshot hash", outcome.snapshot_matches),
        ("rendered again from the snapshot", outcome.rerender_matches),
    ):
        click.echo(f"{label:<34} {'not tried' if ok is None else 'ok' if ok else 'DIFFERS'}")
    if outcome.earlier_version:
        click.echo(
            "This report was made by an earlier version of Maturity: it is not rendered again from its"
            " snapshot; its file and snapshot hashes are checked above."
        )
    click.echo(
        f"Report {report_id} ({unit.code} {report.period} {report.language}): {'verified' if outcome.ok else 'NOT verified'}"
    )
    if not outcome.ok:
        raise SystemExit(1)


@click.group()
def remind() -> None:
    """Reminders by e-mail."""


@remind.command("updates")
def remind_updates_command() -> None:
    """E-mail each person what they owe (KPI values, follow-up of courses of action, narratives)
    that is overdue or due within MATURITY_UPDATE_REMINDER_DAYS_BEFORE days; no one twice within
    MATURITY_UPDATE_REMINDER_INTERVAL_HOURS. SMTP from the MATURITY_SMTP_* settings, else the
    outbox folder."""
    settings = settings_from_env()
    with command_transaction("remind updates", settings.database_url) as session:
        result = send_update_reminders(
            session, settings, now=utcnow(), actor=Actor.system("command line: remind updates")
        )
    click.echo(f"{result.sent} reminder(s) sent.")
    if result.failed:
        raise click.ClickException("The mail server refused; the rest were not sent.")
