"""A KPI's entry grid: the units in the reader's scope × the periods due, each value with its
revisions."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, KpiRecord, KpiRecordRevision
from maturity.periods import Frequency, Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope


def history(session: Session, record_ids: Sequence[int]) -> dict[int, list[KpiRecordRevision]]:
    """Every revision of the given records, newest first."""
    out: dict[int, list[KpiRecordRevision]] = {i: [] for i in record_ids}
    for revision in session.execute(
        select(KpiRecordRevision)
        .where(col(KpiRecordRevision.record_id).in_(record_ids))
        .order_by(col(KpiRecordRevision.revision).desc())
    ).scalars():
        out[revision.record_id].append(revision)
    return out


@dataclass
class GridCell:
    unit: OrgUnit
    period: str
    record: KpiRecord | None
    revisions: list[KpiRecordRevision]


@dataclass
class KpiGrid:
    kpi: Kpi
    periods: list[str]
    units: list[OrgUnit]
    cells: dict[tuple[int, str], GridCell]
    earlier: str | None  # the period to page back from, if there are earlier ones

    def cell(self, unit: OrgUnit, period: str) -> GridCell:
        return self.cells[(unit.id, period)]  # type: ignore[index]  # units from the database have ids


def due_periods(frequency: str, *, until: date, first: date, count: int) -> tuple[list[str], str | None]:
    """The last ``count`` periods that have begun by ``until``, oldest first, and whether earlier ones exist."""
    period = Period(until.year, Frequency(frequency), 1)
    while period.next().start <= until:
        period = period.next()
    out: list[Period] = []
    while len(out) < count and period.end >= first:
        out.append(period)
        period = period.previous()
    earlier = str(period) if period.end >= first else None
    return [str(p) for p in reversed(out)], earlier


def load_grid(session: Session, kpi: Kpi, scope: UnitScope, *, until: date, first: date, count: int = 6) -> KpiGrid:
    """Units in scope × the periods due, with each value's revisions: one query per table."""
    periods, earlier = due_periods(kpi.frequency, until=until, first=first, count=count)
    unit_statement = select(OrgUnit).order_by(col(OrgUnit.code))
    if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
        unit_statement = unit_statement.where(col(OrgUnit.parent_id).is_(None))
    units = list(session.execute(scope.filter(unit_statement, OrgUnit.id)).scalars())
    records = {
        (r.unit_id, r.period): r
        for r in session.execute(
            select(KpiRecord).where(
                col(KpiRecord.kpi_id) == kpi.id,
                col(KpiRecord.period).in_(periods),
                col(KpiRecord.unit_id).in_([u.id for u in units]),
            )
        ).scalars()
    }
    revisions = history(session, [r.id for r in records.values() if r.id is not None])
    cells = {}
    for unit in units:
        for period in periods:
            record = records.get((unit.id, period))
            cells[(unit.id, period)] = GridCell(
                unit, period, record, revisions.get(record.id, []) if record and record.id else []
            )
    return KpiGrid(kpi, periods, units, cells, earlier)
