"""Benchmarks: report batches on the PostgreSQL job queue with ``maturity worker`` processes.

Run with ``slot --bench make bench`` (``-k report_queue`` for these only), on a quiet machine.
Figures are printed; the assertions check that the work was done, never the time it took.
Goals (issue 18): the 200-unit organisation with 2 workers ≥ 1.8 × the throughput of 1 and
≤ 100 s, each worker ≤ 300 MB RSS; a re-run of the demo organisation (38 units) with nothing
changed ≤ 3 s. Throughput is timed from the first report finished to the last, so a worker's
start-up (imports, fonts, chart templates: a few seconds, once per process) is left out and
printed apart. Workers run with the product's intervals (heartbeat 10 s, checks every 30–60 s),
not the tests' 1-second ones, which put a periodic job between reports every second.
"""

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, make_url

from maturity.audit.services import Actor
from maturity.db import Database
from maturity.jobs import ProcrastinateQueue, procrastinate_app
from maturity.migrate import upgrade
from maturity.settings import Settings
from reports.batch_jobs import defer_batch, get_batch, start_batch
from reports.models import BatchItem, Report, ReportBatch
from reports.tasks import TASKS
from tests.benchmarks.test_reports import SYNTHETIC_UNITS, demo_database, load
from tests.conftest import POSTGRES_URL, Backend, _create_database, _drop_databases
from tests.reports.freshness import age_writes
from tests.workers import Workers

PREFIX = "maturity_bench_queue"


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    name = f"{PREFIX}_{os.getpid()}"
    _create_database(name)
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    template = url.render_as_string(hide_password=False)
    upgrade(template)
    try:
        yield Backend("postgresql", template, tmp_path_factory.mktemp("bench-queue"))
    finally:
        _drop_databases(PREFIX)


def run_batch(database: Database, storage: Path, workers: int, label: str) -> tuple[int, float]:
    """Start a batch of every unit's report, run it with ``workers`` fresh worker processes;
    the number of reports and the seconds from the first report to the last."""
    url = database.engine.url.render_as_string(hide_password=False)
    with database.transaction() as session:
        batch, _ = start_batch(session, "2024", [], "nb", Actor.system("benchmark"))
        batch_id = batch.id
        total = batch.total
    assert batch_id is not None
    queue = ProcrastinateQueue(procrastinate_app(Settings(mode="development", database_url=url), TASKS, []))
    with database.transaction() as session:
        defer_batch(session, queue, batch_id)
    queue.close()
    running = Workers(url, storage, quick=False)  # production's intervals, not the tests' 1 s
    started = time.perf_counter()
    processes = running.start(workers)
    first: float | None = None
    peaks = dict.fromkeys((p.pid for p in processes), 0.0)
    try:
        while True:
            with database.transaction() as session:
                batch = get_batch(session, batch_id)
                done, built, failed = batch.done, batch.built, batch.failed
            now = time.perf_counter()
            if done and first is None:
                first = now
            for pid in peaks:
                peaks[pid] = max(peaks[pid], peak_rss_mib(pid))
            if done >= total:
                break
            assert now - started < 900, f"{label}: the batch did not finish"
            time.sleep(0.2)
    finally:
        running.stop()
    assert first is not None
    seconds = now - first
    print(
        f"\n[postgresql] {label}: {total} reports with {workers} worker(s): {now - started:.1f} s in all, first"
        f" report after {first - started:.1f} s (start-up), {seconds:.1f} s from first to last"
        f" ({(total - 1) / seconds:.2f} reports/s); built {built}, failed {failed};"
        f" peak RSS per worker {', '.join(f'{p:.0f}' for p in peaks.values())} MiB; {load()}"
    )
    assert failed == 0
    return total, seconds


def forget_reports(database: Database, storage: Path) -> None:
    with database.transaction() as session:
        session.execute(delete(BatchItem))
        session.execute(delete(Report))
        session.execute(delete(ReportBatch))
    shutil.rmtree(storage, ignore_errors=True)


def test_the_200_unit_organisation_with_one_and_two_workers(postgres: Backend, tmp_path: Path) -> None:
    storage = tmp_path / "reports"
    for database in demo_database(postgres, extra_units=SYNTHETIC_UNITS - 38):
        total, one = run_batch(database, storage, 1, "200-unit organisation")
        assert total >= SYNTHETIC_UNITS
        forget_reports(database, storage)
        _, two = run_batch(database, storage, 2, "200-unit organisation")
        print(f"[postgresql] 2 workers: {one / two:.2f} × the throughput of 1")


def test_a_demo_batch_with_nothing_changed(postgres: Backend, tmp_path: Path) -> None:
    storage = tmp_path / "reports"
    for database in demo_database(postgres):
        with database.transaction() as session:
            age_writes(session)  # the data were entered an hour ago, as a re-run meets them
        total, _ = run_batch(database, storage, 2, "demo organisation")
        url = database.engine.url.render_as_string(hide_password=False)
        running = Workers(url, storage, quick=False)
        running.start(2)
        try:
            time.sleep(15)  # warm workers waiting, as in production
            with database.transaction() as session:
                batch, _ = start_batch(session, "2024", [], "nb", Actor.system("benchmark"))
                batch_id = batch.id
            assert batch_id is not None
            started = time.perf_counter()
            queue = ProcrastinateQueue(procrastinate_app(Settings(mode="development", database_url=url), TASKS, []))
            with database.transaction() as session:
                defer_batch(session, queue, batch_id)
            queue.close()
            while True:
                with database.transaction() as session:
                    batch = get_batch(session, batch_id)
                if batch.done >= batch.total:
                    break
                time.sleep(0.05)
            seconds = time.perf_counter() - started
        finally:
            running.stop()
        print(
            f"\n[postgresql] demo organisation, re-run with nothing changed: {total} reports in {seconds:.2f} s"
            f" (queued and finished), kept {batch.skipped}, built {batch.built}; {load()}"
        )
        assert batch.skipped == total
