"""Report batches on the job queue: procrastinate workers on PostgreSQL, the app's local runner
on SQLite. Each report is built once however many workers, starts or retries there are; a batch
with nothing changed renders nothing; progress comes from the database."""

import time

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import Database
from maturity.jobs import LocalRunner, Runtime
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from reports.assembly import build_content
from reports.batch_jobs import defer_batch, get_batch, start_batch
from reports.branding import branding_of
from reports.cli import reports
from reports.content import ReportContent, canonical_json, sha256_text
from reports.models import BatchItem, BatchStatus, Report, ReportBatch
from reports.pdf import RenderedPdf
from reports.rendering import render_report_pdf
from reports.services import Renderer
from reports.storage import sha256_bytes
from reports.tasks import RENDER_KEY, TASKS, run_batch_here
from tests.factories import csrf_token, login
from tests.reports.conftest import Workers

DEADLINE_SECONDS = 300


def stored(session: Session) -> dict[str, Report]:
    session.expire_all()
    rows = session.execute(select(Report).order_by(Report.id)).scalars()
    codes = {r.unit_id: r for r in rows}
    return {session.get_one(OrgUnit, unit_id).code: report for unit_id, report in codes.items()}


def run_here(settings: Settings, db: Database, batch_id: int) -> ReportBatch:
    """The batch through a local runner in this process (as the SQLite app and command line run it)."""
    return run_batch_here(settings, db, batch_id)


def run_rendering_with(settings: Settings, db: Database, batch_id: int, render: Renderer) -> ReportBatch:
    """The batch through a local runner whose reports ``render`` turns into PDFs (to break it)."""
    runtime = Runtime(settings, db)
    runtime.cache[RENDER_KEY] = render
    runner = LocalRunner(runtime, TASKS, threads=1)
    with db.transaction() as s:
        defer_batch(s, runner, batch_id)
    assert runner.wait_idle(DEADLINE_SECONDS)
    runner.close()
    with db.transaction() as s:
        return get_batch(s, batch_id)


def new_batch(db: Database, *codes: str, language: str = "nb") -> int:
    with db.transaction() as session:
        batch, created = start_batch(session, "2024", list(codes), language, Actor.system("test"))
        assert created
        assert batch.id is not None
        return batch.id


def follow(client: TestClient[Litestar], status_url: str) -> str:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        poll = client.get(status_url, headers={"HX-Request": "true"})
        if poll.status_code == 286:  # HTMX stops polling: the batch is over
            return poll.text
        assert poll.status_code == 200
        assert 'id="batch-progress"' in poll.text
        assert time.monotonic() < deadline, "the batch did not finish"
        time.sleep(0.5)


def start(client: TestClient[Litestar], **form: str) -> str:
    response = client.post(
        "/reports/batches/",
        data={**form, "_csrf_token": csrf_token(client, "/reports/batches/")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_the_strategy_office_starts_a_batch_and_follows_it(
    client: TestClient[Litestar], people: dict[str, User], records: None, session: Session, task_workers: Workers
) -> None:
    login(client, "office@example.org")
    assert client.get("/reports/batches/").status_code == 200
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

    status_url = start(client, period="2024", units="DEP-A1", language="nb")
    text = follow(client, status_url)
    assert "1 of 1" in text or "1 av 1" in text
    assert "hx-trigger" not in client.get(status_url).text  # a finished batch is not polled
    assert "DEP-A1" in stored(session)


def test_starting_a_batch_twice_gives_one_batch_and_builds_each_report_once(
    client: TestClient[Litestar], people: dict[str, User], records: None, session: Session, task_workers: Workers
) -> None:
    login(client, "office@example.org")
    first = start(client, period="2024", units="DEP-A1 DEP-A2", language="all")
    second = start(client, period="2024", units="DEP-A1 DEP-A2", language="all")
    assert first == second
    follow(client, first)
    assert len(session.execute(select(ReportBatch)).all()) == 1
    reports = session.execute(select(Report)).scalars().all()
    assert sorted((r.unit_id, r.language) for r in reports) == sorted({(r.unit_id, r.language) for r in reports})
    assert len(reports) == 4
    batch = session.execute(select(ReportBatch)).scalars().one()
    assert (batch.built, batch.skipped, batch.failed, batch.status) == (4, 0, 0, BatchStatus.DONE)


def test_leaders_cannot_start_batches(client: TestClient[Litestar], people: dict[str, User]) -> None:
    login(client, "leader@example.org")
    assert client.get("/reports/batches/").status_code == 403


def test_a_batch_with_nothing_changed_renders_nothing(
    db: Database, session: Session, records: None, settings: Settings
) -> None:
    first = run_here(settings, db, new_batch(db, "DEP-A1", "DEP-A2"))
    assert (first.built, first.skipped, first.status) == (2, 0, BatchStatus.DONE)
    again = run_here(settings, db, new_batch(db, "DEP-A1", "DEP-A2"))
    assert (again.built, again.skipped, again.status) == (0, 2, BatchStatus.DONE)
    assert len(session.execute(select(Report)).all()) == 2


def test_a_report_task_run_again_builds_nothing_twice(
    db: Database, session: Session, records: None, settings: Settings
) -> None:
    """A job queued again after its worker died (or a late duplicate) finds its items done."""
    batch_id = new_batch(db, "DEP-A1")
    run_here(settings, db, batch_id)
    unit = session.execute(select(OrgUnit).where(col(OrgUnit.code) == "DEP-A1")).scalars().one()
    runtime = Runtime(settings, db)
    assert unit.id is not None
    assert TASKS[0].function(runtime, unit_id=unit.id, period="2024", language="nb") == {"status": "nothing waiting"}
    batch = get_batch(session, batch_id)
    assert (batch.built, batch.done, batch.total) == (1, 1, 1)


def test_a_failing_report_finishes_its_batch_with_the_failure_named(
    db: Database, session: Session, records: None, settings: Settings
) -> None:
    def broken(_content: ReportContent) -> RenderedPdf:
        raise RuntimeError("the renderer broke")

    batch_id = new_batch(db, "DEP-A1", "DEP-A2")
    batch = run_rendering_with(settings, db, batch_id, broken)
    assert (batch.failed, batch.status) == (2, BatchStatus.FAILED)
    assert "DEP-A1 (nb): the renderer broke" in batch.error
    assert {item.status for item in session.execute(select(BatchItem)).scalars()} == {"failed"}


def test_a_failed_report_leaves_the_rest_of_its_batch_to_build(
    db: Database, session: Session, records: None, settings: Settings
) -> None:
    """A failure rolls its transaction back; the batch's shared scores read in it must not be
    used again (their rows are expired with the rollback), so the next report scores afresh."""
    calls: list[str] = []

    def breaks_once(content: ReportContent) -> RenderedPdf:
        calls.append(content.unit.code)
        if len(calls) == 1:
            raise RuntimeError("the renderer broke")
        return render_report_pdf(content)

    batch_id = new_batch(db, "DEP-A1", "DEP-A2", "FAC-A")
    batch = run_rendering_with(settings, db, batch_id, breaks_once)
    assert (batch.failed, batch.built, batch.status) == (1, 2, BatchStatus.FAILED)
    assert f"{calls[0]} (nb): the renderer broke" in batch.error
    assert len(calls) == 3
    assert set(stored(session)) == set(calls[1:])


def test_a_report_built_in_a_batch_has_the_snapshot_of_one_built_alone(
    db: Database, session: Session, records: None, settings: Settings
) -> None:
    """The batch's reports share the period's scores: each snapshot is exactly the one a report
    built on its own has."""
    codes = ("UNI", "FAC-A", "DEP-A1", "DEP-A2", "DEP-B1")
    batch = run_here(settings, db, new_batch(db, *codes))
    assert (batch.built, batch.failed) == (len(codes), 0)
    reports = stored(session)
    for code in codes:
        unit = session.execute(select(OrgUnit).where(col(OrgUnit.code) == code)).scalars().one()
        alone = canonical_json(build_content(session, unit, "2024", "nb", branding=branding_of(settings)))
        assert reports[code].snapshot == alone
        assert reports[code].snapshot_sha256 == sha256_text(alone)
        assert (
            sha256_bytes((settings.report_storage / reports[code].file_path).read_bytes()) == reports[code].pdf_sha256
        )


def test_the_command_line_starts_a_batch_and_follows_it_to_the_end(
    db: Database, records: None, settings: Settings
) -> None:
    env = {
        "MATURITY_DATABASE_URL": db.engine.url.render_as_string(hide_password=False),
        "MATURITY_REPORT_STORAGE": str(settings.report_storage),
        "MATURITY_MODE": "development",
    }
    args = ["build", "--period", "2024", "--unit", "DEP-A1", "--unit", "DEP-A2", "--workers", "1"]
    first = CliRunner(env=env, catch_exceptions=False).invoke(reports, args)
    assert first.exit_code == 0, first.output
    assert "2 built, 0 unchanged (kept), 0 failed" in first.output
    again = CliRunner(env=env, catch_exceptions=False).invoke(reports, args)
    assert "0 built, 2 unchanged (kept), 0 failed" in again.output
    bad = CliRunner(env=env, catch_exceptions=False).invoke(reports, ["build", "--period", "2024", "--unit", "NOPE"])
    assert bad.exit_code == 1
    assert "NOPE" in bad.output
