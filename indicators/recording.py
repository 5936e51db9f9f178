"""Recording checked KPI values: the current value in ``kpi_record``, every version in
``kpi_record_revision``, an audit event per change, a handful of bulk statements however many."""

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from indicators.models import KpiRecord, KpiRecordRevision
from indicators.records import CheckedRecord
from indicators.risk_comments import at_risk_without_comment, comment_problem
from maturity.audit.services import Actor, event_row, record_events, snapshot
from maturity.db import utcnow
from maturity.errors import InvalidInput


@dataclass
class RecordOutcome:
    record: CheckedRecord
    status: str  # new, changed, unchanged
    previous: float | None = None


@dataclass
class RecordSummary:
    outcomes: list[RecordOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def record_values(
    session: Session,
    records: Iterable[CheckedRecord],
    actor: Actor,
    *,
    via: str,
    dry_run: bool = False,
    require_comments: bool = True,
) -> RecordSummary:
    """Write checked values. A changed value becomes a new revision; an identical one changes nothing.

    A new or changed value that puts its KPI at risk without a comment is refused, with nothing
    written (InvalidInput, located at its note; ``indicators.risk_comments``), also on a dry run.
    ``require_comments=False`` is for seeding data that never went through a person (the demo).

    Rows go to the database as bulk statements (new records with their ids returned, updated
    records, revisions, audit events), so a file of thousands of values costs a handful of
    round trips and no ORM object per row.
    """
    records = list(records)
    summary = RecordSummary()
    existing: dict[tuple[int | None, int | None, str], KpiRecord] = {}
    if records:
        candidates = session.execute(
            select(KpiRecord).where(
                col(KpiRecord.kpi_id).in_({r.kpi.id for r in records}),
                col(KpiRecord.unit_id).in_({r.unit.id for r in records}),
                col(KpiRecord.period).in_({r.period for r in records}),
            )
        ).scalars()
        existing = {(rec.kpi_id, rec.unit_id, rec.period): rec for rec in candidates}
    now = utcnow()
    stamp: dict[str, Any] = {
        "recorded_by_id": actor.user_id,
        "recorded_by_label": actor.label[:300],
        "recorded_via": via,
        "recorded_at": now,
    }
    created: list[tuple[CheckedRecord, dict[str, Any]]] = []
    corrected: list[tuple[CheckedRecord, dict[str, Any], dict[str, Any]]] = []
    for checked in records:
        current = existing.get((checked.kpi.id, checked.unit.id, checked.period))
        fields = _fields(checked)
        if current is not None and all(getattr(current, k) == v for k, v in fields.items()):
            summary.outcomes.append(RecordOutcome(checked, "unchanged", current.value))
            continue
        summary.outcomes.append(
            RecordOutcome(checked, "new" if current is None else "changed", None if current is None else current.value)
        )
        if current is None:
            row = {"kpi_id": checked.kpi.id, "unit_id": checked.unit.id, "period": checked.period, "revision": 1}
            created.append((checked, {**row, **fields, **stamp}))
        else:
            before = _audited(current)
            row = {**before, **fields, **stamp, "revision": current.revision + 1}
            corrected.append((checked, before, row))
    if require_comments:
        written = [c for c, _ in created] + [c for c, _, _ in corrected]
        if risky := at_risk_without_comment(session, written):
            raise InvalidInput([comment_problem(r) for r in risky])
    if dry_run or not (created or corrected):
        return summary

    if created:
        ids = session.execute(
            insert(KpiRecord).returning(col(KpiRecord.id), sort_by_parameter_order=True), [row for _, row in created]
        ).scalars()
        for (_, row), record_id in zip(created, ids, strict=True):
            row["id"] = record_id
    if corrected:
        session.execute(update(KpiRecord), [{k: v for k, v in row.items() if k in _UPDATED} for _, _, row in corrected])
        for record in existing.values():
            session.expire(record)  # the bulk update bypassed these objects
    revisions = []
    events = []
    for checked, row in created:
        revisions.append(_revision(row))
        events.append(_event(actor, "record", checked, row, None, now))
    for checked, before, row in corrected:
        revisions.append(_revision(row))
        events.append(_event(actor, "correct", checked, row, before, now))
    session.execute(insert(KpiRecordRevision), revisions)
    record_events(session, events)
    return summary


_UPDATED = {
    "id",
    "value",
    "numerator",
    "denominator",
    "source",
    "note",
    "revision",
    *("recorded_by_id", "recorded_by_label", "recorded_via", "recorded_at"),
}
_REVISION_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "source",
    "note",
    "revision",
    "recorded_by_id",
    "recorded_by_label",
    "recorded_via",
    "recorded_at",
)


def _revision(row: dict[str, Any]) -> dict[str, Any]:
    return {"record_id": row["id"], **{k: row[k] for k in _REVISION_FIELDS}}


def _event(
    actor: Actor, action: str, checked: CheckedRecord, row: dict[str, Any], before: dict[str, Any] | None, now: Any
) -> dict[str, Any]:
    after = {k: v for k, v in row.items() if k not in _WHO_AND_WHEN}
    return event_row(
        actor,
        action,
        object_type="kpi_record",
        object_id=row["id"],
        label=f"{checked.kpi.code} {checked.unit.code} {checked.period}",
        before=before,
        after=after,
        unit_id=checked.unit.id,
        at=now,
    )


def numbers_changed(
    session: Session, records: Sequence[CheckedRecord], *, commented: Collection[tuple[str, str]] = ()
) -> list[CheckedRecord]:
    """The records whose numbers differ from what is recorded (a grid resubmits every cell), and
    those of the ``commented`` cells (unit code, period) whose note differs."""
    if not records:
        return []
    current = {
        (r.kpi_id, r.unit_id, r.period): (r.value, r.numerator, r.denominator, r.note)
        for r in session.execute(
            select(KpiRecord).where(
                col(KpiRecord.kpi_id).in_({c.kpi.id for c in records}),
                col(KpiRecord.unit_id).in_({c.unit.id for c in records}),
                col(KpiRecord.period).in_({c.period for c in records}),
            )
        ).scalars()
    }
    out = []
    for c in records:
        now = current.get((c.kpi.id, c.unit.id, c.period))
        if (
            now is None
            or now[:3] != (c.value, c.numerator, c.denominator)
            or ((c.unit.code, c.period) in commented and now[3] != c.note)
        ):
            out.append(c)
    return out


def _fields(checked: CheckedRecord) -> dict[str, Any]:
    return {
        "value": checked.value,
        "numerator": checked.numerator,
        "denominator": checked.denominator,
        "source": checked.source,
        "note": checked.note,
    }


# The audit event itself says who and when; its before and after hold what was recorded.
_WHO_AND_WHEN = ("recorded_at", "recorded_by_id", "recorded_by_label")


def _audited(record: KpiRecord) -> dict[str, Any]:
    return snapshot(record, exclude=_WHO_AND_WHEN)
