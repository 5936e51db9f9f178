"""Stored reports (the archive), the leaders' period narratives with their history, and batch
runs whose state any app process can read."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from maturity.db import UTCDateTime, utcnow


class Report(SQLModel, table=True):
    """One generated PDF: who, when, and the SHA-256 of the file and of its input snapshot.

    ``snapshot`` is the report object as canonical JSON; the PDF can be rendered again from it.
    A report whose inputs changed is a new row; the older rows stay in the archive, superseded.
    ``confirmed_at`` is when its inputs were last read and found to give this snapshot (at the
    build, and whenever a rebuild found them unchanged): a write after it may have made the
    report out of date (``reports.freshness``).
    """

    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint("language IN ('nb', 'en')", name="known_language"),
        Index("ix_report_unit_period_language", "unit_id", "period", "language"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_unit.id", ondelete="CASCADE")
    period: str = Field(max_length=10)
    language: str = Field(sa_type=String(2))
    generated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    confirmed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    generated_by: str = Field(default="", max_length=300)
    pdf_sha256: str = Field(max_length=64)
    snapshot_sha256: str = Field(max_length=64, index=True)
    snapshot: str = Field(sa_type=Text)
    file_path: str = Field(max_length=500)  # relative to the report storage folder
    size_bytes: int = 0
    pages: int = 0
    batch_id: int | None = Field(default=None, foreign_key="report_batch.id", index=True, ondelete="SET NULL")


class Narrative(SQLModel, table=True):
    """A leader's text for a unit and period; every version is a NarrativeRevision."""

    __tablename__ = "narrative"
    __table_args__ = (UniqueConstraint("unit_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_unit.id", ondelete="CASCADE")
    period: str = Field(max_length=10)
    text: str = Field(default="", sa_type=Text)
    revision: int = 1
    author_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    author_label: str = Field(default="", max_length=300)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NarrativeRevision(SQLModel, table=True):
    """One version of a narrative, the current one included."""

    __tablename__ = "narrative_revision"
    __table_args__ = (UniqueConstraint("narrative_id", "revision"),)

    id: int | None = Field(default=None, primary_key=True)
    narrative_id: int = Field(foreign_key="narrative.id", index=True, ondelete="CASCADE")
    revision: int
    text: str = Field(default="", sa_type=Text)
    author_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    author_label: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class BatchStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ReportBatch(SQLModel, table=True):
    """A batch build: a set of reports (``BatchItem``), each built by a report task on whichever
    worker takes it. The counters move in the same transaction as the item they count, so they
    are exact however many workers run; ``heartbeat_at`` is when a task last finished one."""

    __tablename__ = "report_batch"
    __table_args__ = (CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="known_status"),)

    id: int | None = Field(default=None, primary_key=True)
    period: str = Field(max_length=10)
    languages: str = Field(default="nb", max_length=20)  # comma-separated
    unit_codes: str = Field(default="", sa_type=Text)  # comma-separated; empty means every unit
    status: str = Field(default=BatchStatus.QUEUED, sa_type=String(10))
    total: int = 0
    built: int = 0
    skipped: int = 0
    failed: int = 0
    error: str = Field(default="", sa_type=Text)
    started_by: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    @property
    def done(self) -> int:
        return self.built + self.skipped + self.failed


class ItemStatus(StrEnum):
    PENDING = "pending"
    BUILT = "built"
    SKIPPED = "skipped"  # its inputs had not changed: the stored report was confirmed
    FAILED = "failed"


class BatchItem(SQLModel, table=True):
    """One report of a batch (unit × language, the batch's period); pending until a report task
    has built or confirmed it. A task finishes every pending item of its report, in any batch, so
    overlapping batches never build a report twice."""

    __tablename__ = "report_batch_item"
    __table_args__ = (
        UniqueConstraint("batch_id", "unit_id", "language"),
        CheckConstraint("status IN ('pending', 'built', 'skipped', 'failed')", name="known_status"),
        Index("ix_report_batch_item_waiting", "unit_id", "language", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="report_batch.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", ondelete="CASCADE")
    language: str = Field(sa_type=String(2))
    status: str = Field(default=ItemStatus.PENDING, sa_type=String(10))
    report_id: int | None = Field(default=None, foreign_key="report.id", ondelete="SET NULL")
    error: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UpdateReminder(SQLModel, table=True):
    """When a person was last reminded of the updates they owe (at most once per interval)."""

    __tablename__ = "update_reminder"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    reminded_at: datetime = Field(sa_type=UTCDateTime)
