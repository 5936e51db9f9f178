"""The demo's reports: every demo unit's report for the strategy's last complete year, built as a
batch like the strategy office's (in the background while the demo is served), plus a narrative
for the demo leader's unit so that section has something to show."""

import shutil
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from indicators.services import current_strategy
from maturity.audit.services import Actor
from maturity.db import Database
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from reports.batch_jobs import start_batch
from reports.narratives import save_narrative
from reports.tasks import run_batch_here

DEMO_UNIT = "TKD"
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


def build_demo_reports(settings: Settings, serving: bool) -> list[str]:
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
        return [f"Reports {period}: building every unit's report in the background (see /reports/batches)."]
    batch = run_batch_here(settings, database, batch_id)
    database.dispose()
    return [f"Reports {period}: {batch.built} built, {batch.skipped} unchanged, {batch.failed} failed, in {storage}."]
