"""Faults under load: the app processes SIGKILLed and restarted, and PostgreSQL restarted, while
respondents autosave. Every acknowledged answer must be in the database afterwards; during a
database outage requests fail fast with a clear 503, and the app recovers by itself.

(Killing a report worker mid-batch is covered with the report worker's own tests.)
"""

import os
import subprocess
import time
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest
from sqlalchemy import create_engine, func, make_url, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import col

from maturity.db import utcnow
from surveys.models import Answer
from tests.benchmarks.load.conftest import FAULT_USERS, PG_CLUSTER, WORKERS, DataSet, ensure_postgresql_running
from tests.benchmarks.load.harness import CUT_OFF, AppServer, ClientRecord, LocustRun
from tests.benchmarks.load.ledger import compare

pytestmark = pytest.mark.skipif(os.environ.get("MATURITY_LOAD") != "1", reason="fault tests run with `make load`")

PROGRESS = int(os.environ.get("LOAD_FAULT_ANSWERS", "300"))  # answers saved before the fault, and again after it
RECOVERY = 5  # seconds after the fault ended by which every request must succeed again
UNAVAILABLE = "midlertidig utilgjengelig"  # the 503 page and fragment, in Norwegian (the default language)


def saved_since(database_url: str, since: datetime) -> int:
    """Answers written since then, as the database says (0 while it cannot be reached)."""
    engine = create_engine(make_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(Answer).where(col(Answer.updated_at) > since)
            ).scalar_one()
    except OperationalError:
        return 0
    finally:
        engine.dispose()


def wait_for_answers(database_url: str, since: datetime, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while saved_since(database_url, since) < PROGRESS:
        assert time.monotonic() < deadline, f"fewer than {PROGRESS} answers saved within {timeout} s"
        time.sleep(1)


def under_load(server: AppServer, dataset: DataSet, fault: Callable[[], None]) -> tuple[ClientRecord, float, float]:
    """Respondents autosave; once PROGRESS answers are saved, ``fault`` runs; once PROGRESS more are
    saved after it (and RECOVERY s), the run stops. Returns the client's record and when the fault began and ended."""
    run = LocustRun(server.url, dataset.plan(FAULT_USERS), FAULT_USERS, 900, dataset.workdir)
    try:
        wait_for_answers(dataset.url, utcnow())
        began = time.time()
        fault()
        ended = time.time()
        time.sleep(RECOVERY)
        wait_for_answers(dataset.url, utcnow())
    finally:
        run.stop()
    figures, record = run.result()
    print(f"\n{figures.line('[fault] run')}")
    return record, began, ended


def outcomes(record: ClientRecord, began: float, ended: float) -> str:
    before = [r for r in record.requests if r[4] + r[5] < began]
    during = [r for r in record.requests if r[4] + r[5] >= began and r[4] < ended + RECOVERY]
    after = [r for r in record.requests if r[4] >= ended + RECOVERY]

    def describe(rows: list[tuple[str, str, list[str], int, float, float]]) -> str:
        statuses: dict[int, int] = {}
        for row in rows:
            statuses[row[3]] = statuses.get(row[3], 0) + 1
        names = {0: "no response", -1: "cut off at the end"}
        return ", ".join(f"{names.get(status, status)}: {n}" for status, n in sorted(statuses.items())) or "none"

    return f"before the fault {describe(before)} | during it and 5 s after {describe(during)} | later {describe(after)}"


def test_sigkill_of_every_app_process_loses_no_acknowledged_answer(
    serve: Callable[[int], AppServer], dataset: DataSet
) -> None:
    server = serve(8181)

    def kill_and_restart() -> None:
        server.kill()
        server.start()

    record, began, ended = under_load(server, dataset, kill_and_restart)
    tally = compare(dataset.url, record)
    print(f"[fault] SIGKILL of the supervisor and {WORKERS} workers, back in {ended - began:.1f} s")
    print(f"[fault] requests: {outcomes(record, began, ended)}")
    print(tally.line("[fault] after SIGKILL"))
    assert tally.sound, tally
    assert tally.acknowledged > 0
    later = [r for r in record.requests if r[4] >= ended + RECOVERY and r[3] != CUT_OFF]
    assert later, "the run went on after the restart"
    assert all(r[3] == 200 for r in later), "the restarted app serves every request"


def test_postgresql_restart_gives_a_clear_503_and_the_app_recovers_without_a_restart(
    serve: Callable[[int], AppServer], dataset: DataSet
) -> None:
    server = serve(8182)
    workers = server.worker_pids()

    def restart_postgresql() -> None:
        for version in os.listdir(PG_CLUSTER):
            subprocess.run(  # noqa: S603  # a fixed command
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],  # noqa: S607
                check=True,
                timeout=120,
            )

    try:
        record, began, ended = under_load(server, dataset, restart_postgresql)
    finally:
        ensure_postgresql_running()
    tally = compare(dataset.url, record)
    print(f"[fault] PostgreSQL restart took {ended - began:.1f} s")
    print(f"[fault] requests: {outcomes(record, began, ended)}")
    print(tally.line("[fault] after the PostgreSQL restart"))
    for status, body in sorted(record.samples.items()):
        print(f"[fault] a {status} response: {body[:300]!r}")
    failed = [r for r in record.requests if r[3] not in (200, CUT_OFF)]
    slowest = max((r[5] for r in failed), default=0.0)
    print(f"[fault] {len(failed)} requests failed, the slowest after {slowest:.1f} s")

    assert tally.sound, tally
    assert tally.acknowledged > 0
    assert server.worker_pids() == workers, "no worker was restarted"
    assert {r[3] for r in failed} <= {503}, record.samples
    assert slowest < 10, "a failing request answers quickly instead of hanging"
    assert all(UNAVAILABLE in body.lower() for key, body in record.samples.items() if key.startswith("503")), (
        record.samples
    )
    later = [r for r in record.requests if r[4] >= ended + RECOVERY and r[3] != CUT_OFF]
    assert later, "the run went on after the restart"
    assert all(r[3] == 200 for r in later), "the app recovered by itself"
    assert httpx.get(f"{server.url}/login").status_code == 200
