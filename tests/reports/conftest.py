"""Report fixtures: KPI values for the small test strategy, and a report storage folder."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from indicators.models import Strategy
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from maturity.audit.services import Actor
from maturity.db import Database
from maturity.settings import Settings
from maturity.units.services import UnitScope
from tests.factories import Org
from tests.workers import QUICK_QUEUE, Workers

# DEP-A1's values: a yearly count over three years, a share per semester, the institution's
# yes/no, and a lower-is-better mean with a large number (to see the nb thousands separator).
VALUES = [
    RecordInput("KSUM", "DEP-A1", "2022", value=12, source="Prosjektregisteret"),
    RecordInput("KSUM", "DEP-A1", "2023", value=17, source="Prosjektregisteret"),
    RecordInput("KSUM", "DEP-A1", "2024", value=23, source="Prosjektregisteret"),
    RecordInput("KRATIO", "DEP-A1", "2024-S1", numerator=30, denominator=40, source="FS"),
    RecordInput("KRATIO", "DEP-A1", "2024-S2", numerator=33, denominator=40, source="FS"),
    RecordInput("KINST", "UNI", "2024", value=1, source="IT-avdelingen"),
    RecordInput("KLOW", "DEP-A1", "2023", value=1500, source="Saksbehandlingssystemet"),
    RecordInput("KLOW", "DEP-A1", "2024", value=1234.5, source="Saksbehandlingssystemet"),
    RecordInput("KSUM", "DEP-B1", "2024", value=99, source="Annet register"),
]


@pytest.fixture
def records(session: Session, org: Org, strategy: Strategy) -> None:
    checked = check_records(session, VALUES, UnitScope(everything=True, roots=frozenset()))
    record_values(session, checked, Actor.system("test"), via="cli")
    session.commit()


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def settings(storage: Path) -> Settings:
    return Settings(
        mode="test",
        secure_cookies=False,
        secret_key="test-" + "s" * 40,
        login_max_failures=5,
        report_storage=storage,
        periodic_tasks=False,
        **QUICK_QUEUE,  # type: ignore[arg-type]  # the ints of the queue's settings
    )


@pytest.fixture
def workers(db: Database, storage: Path) -> Iterator[Workers]:
    running = Workers(db.engine.url.render_as_string(hide_password=False), storage)
    yield running
    running.stop()


@pytest.fixture
def task_workers(workers: Workers) -> Workers:
    """One worker on PostgreSQL; nothing on SQLite."""
    if workers.url.startswith("postgresql"):
        workers.start(1)
    return workers
