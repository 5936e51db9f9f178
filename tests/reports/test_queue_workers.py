"""Worker processes on the real PostgreSQL queue: two share a batch, one is killed mid-batch
and the batch still completes with every report built once, each PDF the same as one process
renders from the report's snapshot."""

import signal
import time

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.db import Database
from maturity.jobs import ProcrastinateQueue, procrastinate_app
from maturity.settings import Settings
from maturity.units.services import import_units_csv
from reports.batch_jobs import defer_batch, get_batch, start_batch
from reports.content import from_snapshot
from reports.models import BatchItem, BatchStatus, Report
from reports.rendering import render_report_pdf
from reports.storage import sha256_bytes
from reports.tasks import TASKS
from tests.reports.conftest import Workers

pytestmark = pytest.mark.postgres_only
MORE_UNITS = "code;parent_code;kind;name_nb;name_en\n" + "".join(
    f"DEP-C{n:02};FAC-B;department;Institutt C{n};Department C{n}\n" for n in range(1, 14)
)
DEADLINE_SECONDS = 400


def wait_for(what: str, condition: object, deadline: float) -> None:
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_two_workers_share_a_batch_and_one_killed_mid_batch_loses_nothing(
    db: Database, session: Session, records: None, settings: Settings, workers: Workers
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("worker processes need PostgreSQL")
    import_units_csv(session, MORE_UNITS.encode())
    session.commit()
    with db.transaction() as s:
        batch, _ = start_batch(s, "2024", [], "all", Actor.system("test"))
        batch_id = batch.id
        assert batch.total == 40
    assert batch_id is not None
    queue = ProcrastinateQueue(procrastinate_app(settings.with_(database_url=workers.url), TASKS, []))
    with db.transaction() as s:
        assert defer_batch(s, queue, batch_id) == 40
        assert defer_batch(s, queue, batch_id) == 0  # the queueing locks: nothing twice
    queue.close()

    doomed, survivor = workers.start(2)
    deadline = time.monotonic() + DEADLINE_SECONDS

    def done() -> int:
        with db.transaction() as s:
            return get_batch(s, batch_id).done

    wait_for("the first reports", lambda: done() >= 6, deadline)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    wait_for("the batch to finish", lambda: done() >= 40, deadline)
    assert survivor.poll() is None

    session.expire_all()
    batch = get_batch(session, batch_id)
    assert (batch.built, batch.skipped, batch.failed, batch.status) == (40, 0, 0, BatchStatus.DONE)
    reports = session.execute(select(Report)).scalars().all()
    assert len(reports) == 40
    assert len({(r.unit_id, r.language) for r in reports}) == 40  # every report built once
    assert {item.status for item in session.execute(select(BatchItem)).scalars()} == {"built"}
    for report in reports:
        data = (workers.storage / report.file_path).read_bytes()
        assert sha256_bytes(data) == report.pdf_sha256
        # What a single process renders from the same snapshot: the same bytes.
        assert sha256_bytes(render_report_pdf(from_snapshot(report.snapshot)).data) == report.pdf_sha256
