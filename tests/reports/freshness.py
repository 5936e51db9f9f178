"""Test and benchmark help: recent writes moved an hour back, as if the data had been written
before a report was built (out of ``reports.freshness.COMMIT_MARGIN``, in which a write may still
have been committing while a report read its inputs)."""

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.db import utcnow
from reports.models import Narrative

HOUR = timedelta(hours=1)


def age_writes(session: Session, recent: timedelta = timedelta(minutes=30)) -> None:
    """The audit events and narratives of the last ``recent``, an hour older (flushed)."""
    since = utcnow() - recent
    for event in session.execute(select(AuditEvent).where(col(AuditEvent.at) > since)).scalars():
        event.at -= HOUR
    for narrative in session.execute(select(Narrative).where(col(Narrative.updated_at) > since)).scalars():
        narrative.updated_at -= HOUR
    session.flush()
