"""Batches: a set of reports (``BatchItem``) built by report tasks on the job queue.

Starting a batch writes its items; ``defer_batch`` queues one report task per item, with a
queueing lock per report, so a second start (or an overlapping batch) queues nothing twice. A
report task finishes every pending item of its report in every open batch, in the transaction
that stores the report, and moves the batches' counters with them: the batch page reads its
progress from the database, whichever process or machine built the reports.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.db import Database, utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.jobs import JobQueue
from reports.batch import languages_of, plan
from reports.models import BatchItem, BatchStatus, ItemStatus, ReportBatch
from reports.narratives import check_period
from reports.services import BuildOutcome

STALE_AFTER = timedelta(minutes=5)  # no report finished for this long: is a worker running?
BUILD_TASK = "reports.build"
OPEN = (BatchStatus.QUEUED, BatchStatus.RUNNING)


def report_lock(unit_id: int, period: str, language: str) -> str:
    """One waiting and one running job per report, whichever batches wait for it."""
    return f"report:{unit_id}:{period}:{language}"


def start_batch(
    session: Session, period: str, unit_codes: list[str], language: str, actor: Actor
) -> tuple[ReportBatch, bool]:
    """A new batch and its items, or the open batch of the same reports (False: nothing new)."""
    period = check_period(period)
    if language not in ("nb", "en", "all"):
        raise InvalidInput([Problem(N_("Choose a language."), path="language", value=language)])
    jobs = plan(session, unit_codes, languages_of(language))  # refuses unknown unit codes
    codes = ",".join(unit_codes)
    languages = ",".join(languages_of(language))
    same = (
        select(ReportBatch)
        .where(
            col(ReportBatch.period) == period,
            col(ReportBatch.unit_codes) == codes,
            col(ReportBatch.languages) == languages,
            col(ReportBatch.status).in_(OPEN),
        )
        .order_by(col(ReportBatch.id))
    )
    existing = session.execute(same).scalars().first()
    if existing is not None:
        return existing, False
    batch = ReportBatch(period=period, languages=languages, unit_codes=codes, started_by=actor.label, total=len(jobs))
    session.add(batch)
    session.flush()
    assert batch.id is not None
    session.add_all(BatchItem(batch_id=batch.id, unit_id=job.unit_id, language=job.language) for job in jobs)
    if not jobs:
        batch.status, batch.finished_at = BatchStatus.DONE, utcnow()
    session.flush()
    return batch, True


def defer_batch(session: Session, queue: JobQueue, batch_id: int) -> int:
    """Queue a report task for every pending item (after the batch is committed: a worker must
    see it); returns how many were queued, not counting those already waiting."""
    batch = get_batch(session, batch_id)
    items = session.execute(
        select(BatchItem).where(col(BatchItem.batch_id) == batch_id, col(BatchItem.status) == ItemStatus.PENDING)
    ).scalars()
    queued = 0
    for item in items:
        lock = report_lock(item.unit_id, batch.period, item.language)
        if queue.defer(BUILD_TASK, lock=lock, unit_id=item.unit_id, period=batch.period, language=item.language):
            queued += 1
    return queued


def resume_open_batches(database: Database, queue: JobQueue) -> int:
    """Queue again what open batches still wait for (the local runner lost its queue with its
    process; on procrastinate the locks refuse what is already waiting)."""
    with database.transaction() as session:
        ids = session.execute(select(col(ReportBatch.id)).where(col(ReportBatch.status).in_(OPEN))).scalars().all()
        return sum(defer_batch(session, queue, batch_id) for batch_id in ids if batch_id is not None)


def get_batch(session: Session, batch_id: int) -> ReportBatch:
    batch = session.get(ReportBatch, batch_id)
    if batch is None:
        raise NotFound(str(batch_id))
    return batch


def recent_batches(session: Session, limit: int = 10) -> list[ReportBatch]:
    statement = select(ReportBatch).order_by(col(ReportBatch.created_at).desc(), col(ReportBatch.id).desc())
    return list(session.execute(statement.limit(limit)).scalars())


def is_stale(batch: ReportBatch) -> bool:
    return batch.status in OPEN and utcnow() - batch.heartbeat_at > STALE_AFTER


# --- in the report task ---------------------------------------------------------------------


def waiting_items(
    session: Session, unit_id: int, period: str, language: str, *, created_before: datetime
) -> list[tuple[BatchItem, ReportBatch]]:
    """The pending items of one report in open batches made before ``created_before`` (a batch
    made after the task read its inputs waits for the next task), oldest batch first."""
    statement = (
        select(BatchItem, ReportBatch)
        .join(ReportBatch, col(ReportBatch.id) == col(BatchItem.batch_id))
        .where(
            col(BatchItem.unit_id) == unit_id,
            col(BatchItem.language) == language,
            col(BatchItem.status) == ItemStatus.PENDING,
            col(ReportBatch.period) == period,
            col(ReportBatch.status).in_(OPEN),
            col(BatchItem.created_at) <= created_before,
        )
        .order_by(col(ReportBatch.id))
        .with_for_update(of=BatchItem)  # PostgreSQL: another worker's task on this report waits
    )
    return [(item, batch) for item, batch in session.execute(statement).tuples()]


def finish_items(
    session: Session,
    items: list[tuple[BatchItem, ReportBatch]],
    status: ItemStatus,
    *,
    outcome: BuildOutcome | None = None,
    error: str = "",
) -> None:
    """Mark the items done with ``status`` and count them on their batches; a batch whose last
    item this was is finished."""
    now = utcnow()
    counter = {ItemStatus.BUILT: "built", ItemStatus.SKIPPED: "skipped", ItemStatus.FAILED: "failed"}[status]
    for item, batch in items:
        changed = session.execute(
            update(BatchItem)
            .where(col(BatchItem.id) == item.id, col(BatchItem.status) == ItemStatus.PENDING)
            .values(
                status=status, finished_at=now, error=error[:2000], report_id=outcome.report_id if outcome else None
            )
        )
        if not changed.rowcount:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
            continue
        column = getattr(ReportBatch, counter)
        values: dict[str, object] = {counter: column + 1, "heartbeat_at": now, "status": BatchStatus.RUNNING}
        if error:
            values["error"] = (batch.error + "\n" if batch.error else "") + error[:500]
        session.execute(update(ReportBatch).where(col(ReportBatch.id) == batch.id).values(**values))
        finished = col(ReportBatch.built) + col(ReportBatch.skipped) + col(ReportBatch.failed) >= col(ReportBatch.total)
        for final, condition in (
            (BatchStatus.FAILED, col(ReportBatch.failed) > 0),
            (BatchStatus.DONE, col(ReportBatch.failed) == 0),
        ):
            session.execute(
                update(ReportBatch)
                .where(col(ReportBatch.id) == batch.id, finished, condition)
                .values(status=final, finished_at=now)
            )
    session.flush()
