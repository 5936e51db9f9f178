"""Batch builds in a spawn pool: built once, skipped when nothing changed, and a worker killed
mid-write leaves no partial report and a re-run completes."""

import time
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from maturity.auth.models import User
from maturity.db import Database
from maturity.units.models import OrgUnit
from reports.assembly import build_content
from reports.batch import Job, plan, run_batch
from reports.content import canonical_json, sha256_text
from reports.models import Report, ReportBatch
from reports.storage import TEMP_PREFIX, sha256_bytes
from tests.factories import csrf_token, login
from tests.reports.crashing import CRASH_UNIT, crash_on_one_unit


def url_of(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def jobs_for(session: Session, *codes: str) -> list[Job]:
    return plan(session, list(codes), ["nb"])


def stored(session: Session) -> dict[str, Report]:
    session.expire_all()
    rows = session.execute(select(Report).order_by(Report.id)).scalars()
    codes = {r.unit_id: r for r in rows}
    return {session.get_one(OrgUnit, unit_id).code: report for unit_id, report in codes.items()}


def test_a_killed_worker_leaves_no_partial_report_and_a_rerun_completes(
    db: Database, session: Session, records: None, storage: Path
) -> None:
    jobs = jobs_for(session, "DEP-A1", CRASH_UNIT)
    crashed = run_batch(
        url_of(db), storage, "2024", jobs, generated_by="test", workers=1, job_function=crash_on_one_unit
    )
    assert crashed.failed >= 1
    assert CRASH_UNIT not in stored(session)
    finished = [p for p in storage.rglob("*.pdf") if not p.name.startswith(TEMP_PREFIX)]
    assert all(CRASH_UNIT not in p.name for p in finished)  # no report file for the crashed unit

    again = run_batch(url_of(db), storage, "2024", jobs, generated_by="test", workers=2)
    assert again.failed == 0
    assert again.built + again.skipped == 2
    assert not list(storage.rglob(f"{TEMP_PREFIX}*"))  # the crash's leftovers are gone
    reports = stored(session)
    assert set(reports) == {"DEP-A1", CRASH_UNIT}
    for report in reports.values():
        assert sha256_bytes((storage / report.file_path).read_bytes()) == report.pdf_sha256

    third = run_batch(url_of(db), storage, "2024", jobs, generated_by="test", workers=1)
    assert (third.built, third.skipped) == (0, 2)  # nothing changed: nothing rendered


def test_the_strategy_office_starts_a_batch_and_follows_it(
    client: TestClient[Litestar], people: dict[str, User], records: None, session: Session
) -> None:
    login(client, "office@example.org")
    page = client.get("/reports/batches/")
    assert page.status_code == 200
    bad = client.post(
        "/reports/batches/",
        data={
            "period": "2024",
            "units": "NOPE",
            "language": "nb",
            "_csrf_token": csrf_token(client, "/reports/batches/"),
        },
    )
    assert bad.status_code == 422
    assert "NOPE" in bad.text
    assert session.execute(select(ReportBatch)).first() is None  # bad input changes nothing

    response = client.post(
        "/reports/batches/",
        data={
            "period": "2024",
            "units": "DEP-A1",
            "language": "nb",
            "_csrf_token": csrf_token(client, "/reports/batches/"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    status_url = response.headers["location"]
    deadline = time.monotonic() + 240
    while True:
        poll = client.get(status_url, headers={"HX-Request": "true"})
        if poll.status_code == 286:  # HTMX stops polling: the batch is over
            break
        assert poll.status_code == 200
        assert 'id="batch-progress"' in poll.text
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(1)
    assert "1 of 1" in poll.text or "1 av 1" in poll.text
    page = client.get(status_url)
    assert "hx-trigger" not in page.text  # a finished batch is not polled
    assert "DEP-A1" in stored(session)


def test_leaders_cannot_start_batches(client: TestClient[Litestar], people: dict[str, User]) -> None:
    login(client, "leader@example.org")
    assert client.get("/reports/batches/").status_code == 403


def test_a_batch_longer_than_a_round_runs_every_round_in_a_fresh_pool(
    db: Database, session: Session, records: None, storage: Path
) -> None:
    """Two rounds of one job each: the second needs a new worker process, which a pool with
    ``max_tasks_per_child`` never started while jobs were queued (CPython gh-115634)."""
    jobs = jobs_for(session, "DEP-A1", "DEP-A2")
    seen: list[int] = []
    result = run_batch(
        url_of(db),
        storage,
        "2024",
        jobs,
        generated_by="test",
        workers=1,
        tasks_per_worker=1,
        on_progress=lambda progress, _outcome: seen.append(progress.done),
    )
    assert (result.built, result.failed) == (2, 0)
    assert seen == [1, 2]
    assert set(stored(session)) == {"DEP-A1", "DEP-A2"}


def test_a_report_built_in_a_batch_has_the_snapshot_of_one_built_alone(
    db: Database, session: Session, records: None, storage: Path
) -> None:
    """One worker builds them all from the period scored once: each snapshot is exactly the one
    a report built on its own has."""
    codes = ("UNI", "FAC-A", "DEP-A1", "DEP-A2", "DEP-B1")
    result = run_batch(url_of(db), storage, "2024", jobs_for(session, *codes), generated_by="test", workers=1)
    assert (result.built, result.failed) == (len(codes), 0)
    reports = stored(session)
    for code in codes:
        unit = session.execute(select(OrgUnit).where(col(OrgUnit.code) == code)).scalars().one()
        alone = canonical_json(build_content(session, unit, "2024", "nb"))
        assert reports[code].snapshot == alone
        assert reports[code].snapshot_sha256 == sha256_text(alone)
