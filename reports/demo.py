"""The demo's reports: every demo unit's report for the period the dashboard opens on, built as a
batch like the strategy office's (in the background while the demo is served), plus a narrative
for the demo leader's unit so that section has something to show."""

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlmodel import col

from indicators.dashboard_periods import default_period_label
from indicators.scorecard import EVERYTHING
from indicators.strategy_tree import current_strategy
from maturity.audit.services import Actor
from maturity.db import Database
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from reports.batch_jobs import start_batch
from reports.models import ReportBatch
from reports.narratives import save_narrative
from reports.tasks import run_batch_here

DEMO_UNIT = "TKD"
PROGRESS_EVERY = 5  # reports between two progress lines of `maturity demo --no-serve`
DEMO_NARRATIVE = (
    "2025 var det første året med den nye strategien. Studentene merker mer fleksible digitale tjenester, "
    "og flere ansatte har tatt kurs i digital kompetanse, men emnene med digitale vurderingsformer "
    "øker langsommere enn planlagt.\n\n"
    "Neste år prioriterer vi støtte til faglærere som vil prøve ut nye vurderingsformer, og en felles "
    "plattform for forskningsdata."
)


def demo_period(database: Database) -> str:
    """The period the dashboard opens on (the one default-period rule), as the office sees it."""
    with database.transaction() as session:
        strategy = current_strategy(session)
        if strategy is None:
            return str(date.today().year - 1)
        return default_period_label(session, strategy, EVERYTHING, datetime.now(UTC))


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
        batch, _ = start_batch(session, period, [], "nb", Actor.system("demo"))
        assert batch.id is not None
        batch_id = batch.id
    if serving:
        # The app's task runner takes up open batches when it starts.
        database.dispose()
        say(
            f"Reports {period}: every unit's report builds in the background while the demo is served "
            f"(progress: {settings.base_url.rstrip('/')}/reports/batches)."
        )
        return
    say(f"Reports {period}: building every unit's report in {storage} …")
    shown = [0]

    def progress(batch: ReportBatch) -> None:
        if batch.done != shown[0] and (
            batch.done == batch.total or batch.done // PROGRESS_EVERY > shown[0] // PROGRESS_EVERY
        ):
            say(f"  {batch.done} of {batch.total} reports ({batch.failed} failed)")
        shown[0] = batch.done

    batch = run_batch_here(settings, database, batch_id, on_progress=progress)
    database.dispose()
    say(f"Reports {period}: {batch.built} built, {batch.skipped} unchanged, {batch.failed} failed, in {storage}.")
