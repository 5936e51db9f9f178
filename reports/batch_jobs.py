"""Batches started from the web page: their state lives in ``report_batch``, so whichever app
process serves the status page can show it; the process that started a batch runs it in a
thread of its own (the rendering itself happens in the worker processes)."""

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.db import Database, utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from reports.batch import BatchResult, languages_of, plan, run_batch
from reports.models import BatchStatus, ReportBatch
from reports.narratives import check_period

log = logging.getLogger("maturity.reports")
STALE_AFTER = timedelta(minutes=5)  # no heartbeat for this long: the running process is gone


def create_batch(session: Session, period: str, unit_codes: list[str], language: str, actor: Actor) -> ReportBatch:
    period = check_period(period)
    if language not in ("nb", "en", "all"):
        raise InvalidInput([Problem(N_("Choose a language."), path="language", value=language)])
    plan(session, unit_codes, languages_of(language))  # refuses unknown unit codes now, not in the thread
    batch = ReportBatch(
        period=period,
        languages=",".join(languages_of(language)),
        unit_codes=",".join(unit_codes),
        started_by=actor.label,
    )
    session.add(batch)
    session.flush()
    return batch


def get_batch(session: Session, batch_id: int) -> ReportBatch:
    batch = session.get(ReportBatch, batch_id)
    if batch is None:
        raise NotFound(str(batch_id))
    return batch


def recent_batches(session: Session, limit: int = 10) -> list[ReportBatch]:
    statement = select(ReportBatch).order_by(col(ReportBatch.created_at).desc(), col(ReportBatch.id).desc())
    return list(session.execute(statement.limit(limit)).scalars())


def is_stale(batch: ReportBatch) -> bool:
    return batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING) and utcnow() - batch.heartbeat_at > STALE_AFTER


def _write(database: Database, batch_id: int, **values: object) -> None:
    with database.transaction() as session:
        session.execute(
            update(ReportBatch).where(col(ReportBatch.id) == batch_id).values(heartbeat_at=utcnow(), **values)
        )


def run_stored_batch(
    database: Database,
    storage: Path,
    batch_id: int,
    *,
    workers: int | None = None,
    on_progress: Callable[[BatchResult], None] | None = None,
) -> BatchResult:
    """Run a batch row to the end, writing its progress as it goes (and telling ``on_progress``)."""
    with database.transaction() as session:
        batch = get_batch(session, batch_id)
        codes = [c for c in batch.unit_codes.split(",") if c]
        jobs = plan(session, codes, batch.languages.split(","))
        period, started_by = batch.period, batch.started_by
    _write(database, batch_id, status=BatchStatus.RUNNING, total=len(jobs))

    def progress(result: BatchResult, _outcome: object) -> None:
        _write(database, batch_id, built=result.built, skipped=result.skipped, failed=result.failed)
        if on_progress is not None:
            on_progress(result)

    try:
        result = run_batch(
            database.engine.url.render_as_string(hide_password=False),
            storage,
            period,
            jobs,
            generated_by=started_by,
            workers=workers,
            batch_id=batch_id,
            on_progress=progress,
        )
    except Exception as exc:
        _write(database, batch_id, status=BatchStatus.FAILED, error=str(exc)[:2000], finished_at=utcnow())
        raise
    status = BatchStatus.FAILED if result.failed else BatchStatus.DONE
    _write(database, batch_id, status=status, error="\n".join(result.errors)[:2000], finished_at=utcnow())
    return result


def start_in_background(database: Database, storage: Path, batch_id: int) -> threading.Thread:
    thread = threading.Thread(
        target=_run_quietly, args=(database, storage, batch_id), name=f"report-batch-{batch_id}", daemon=True
    )
    thread.start()
    return thread


def _run_quietly(database: Database, storage: Path, batch_id: int) -> None:
    try:
        run_stored_batch(database, storage, batch_id)
    except Exception:  # the failure is on the batch row; the thread just ends
        log.exception("report batch %s failed", batch_id)
