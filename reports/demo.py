"""The demo's reports: every demo unit's report for the strategy's last complete year, built as a
batch like the strategy office's (in the background while the demo is served), plus a narrative
for the demo leader's unit so that section has something to show."""

import shutil
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from indicators.strategy_tree import current_strategy
from maturity.audit.services import Actor
from maturity.db import Database
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from reports.batch import BatchResult
from reports.batch_jobs import create_batch, run_stored_batch, start_in_background
from reports.narratives import save_narrative

DEMO_UNIT = "TKD"
PROGRESS_EVERY = 5  # reports between two progress lines of `maturity demo --no-serve`
DEMO_NARRATIVE = (
    "2024 var året da de fleste tjenestene våre ble flyttet til skyen. Vi nådde målet for digitale "
    "eksamener, men andelen emner med digitale læringsressurser ligger fortsatt under målet.\n\n"
    "Neste år prioriterer vi kompetanseheving for ansatte og en felles plattform for forskningsdata."
)


def demo_period(database: Database) -> str:
    """The last whole year of the current strategy that has passed."""
    with database.transaction() as session:
        strategy = current_strategy(session)
        end_year = strategy.period_end.year if strategy else date.today().year - 1
    return str(min(end_year, date.today().year - 1))


def build_demo_reports(settings: Settings, serving: bool, say: Callable[[str], None]) -> None:
    """Every demo unit's report: in the background when the demo is served, else here, telling
    ``say`` how far it has come (a few seconds a report)."""
    database = Database.from_url(settings.database_url)
    storage = settings.report_storage
    shutil.rmtree(storage, ignore_errors=True)  # a fresh demo database gets fresh files
    period = demo_period(database)
    with database.transaction() as session:
        unit = session.execute(select(OrgUnit).where(col(OrgUnit.code) == DEMO_UNIT)).scalars().first()
        if unit is not None:
            save_narrative(session, unit, period, DEMO_NARRATIVE, Actor.system("demo"))
        batch = create_batch(session, period, [], "nb", Actor.system("demo"))
        assert batch.id is not None
        batch_id = batch.id
    if serving:
        start_in_background(database, storage, batch_id)
        say(
            f"Reports {period}: every unit's report builds in the background while the demo is served "
            f"(progress: {settings.base_url.rstrip('/')}/reports/batches)."
        )
        return
    say(f"Reports {period}: building every unit's report in {storage} …")

    def progress(result: BatchResult) -> None:
        if result.done == result.total or result.done % PROGRESS_EVERY == 0:
            say(f"  {result.done} of {result.total} reports ({result.failed} failed)")

    result = run_stored_batch(database, storage, batch_id, on_progress=progress)
    database.dispose()
    say(f"Reports {period}: {result.built} built, {result.skipped} unchanged, {result.failed} failed, in {storage}.")
