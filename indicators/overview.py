"""The strategy office's overview: every unit × goal status for a period, and data freshness —
the KPI values overdue for their frequency."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, KpiRecord
from indicators.scores import PeriodScores, UnitScores, score_period
from maturity.periods import Frequency, Period
from maturity.units.models import OrgUnit
from maturity.units.services import TreeNode, as_tree


@dataclass(frozen=True, slots=True)
class Overdue:
    """A unit that reports a KPI has no value for the latest period that has ended."""

    kpi: Kpi
    unit: OrgUnit
    expected: str  # the period that should have a value
    last: str | None  # the latest period it has one for


@dataclass
class Overview:
    scores: PeriodScores
    rows: list[tuple[TreeNode, UnitScores]]
    overdue: list[Overdue]
    as_of: date


def latest_ended(frequency: str, today: date) -> Period:
    """The latest period of the frequency that ended before ``today``."""
    period = Period(today.year, Frequency(frequency), 1)
    while period.end < today:
        period = period.next()
    while period.end >= today:
        period = period.previous()
    return period


def overdue_values(session: Session, kpis: list[Kpi], units: dict[int, OrgUnit], today: date) -> list[Overdue]:
    """Units expected to report a KPI are those that have reported it before (the institution for
    an institution-only KPI); a value is overdue when the latest ended period of the KPI's
    frequency has none. One GROUP BY: (KPI, unit) → latest period recorded."""
    by_id = {k.id: k for k in kpis}
    latest = {
        (kpi_id, unit_id): period
        for kpi_id, unit_id, period in session.execute(
            select(col(KpiRecord.kpi_id), col(KpiRecord.unit_id), func.max(col(KpiRecord.period)))
            .where(col(KpiRecord.kpi_id).in_(list(by_id)))
            .group_by(col(KpiRecord.kpi_id), col(KpiRecord.unit_id))
        ).tuples()
    }
    roots = [u for u in units.values() if u.parent_id is None]
    for kpi in kpis:
        if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
            for root in roots:
                latest.setdefault((kpi.id or 0, root.id or 0), "")
    out = []
    for (kpi_id, unit_id), last in latest.items():
        kpi = by_id[kpi_id]
        if kpi.aggregation == Aggregation.INSTITUTION_ONLY and units[unit_id].parent_id is not None:
            continue
        expected = str(latest_ended(kpi.frequency, today))
        if last < expected:
            out.append(Overdue(kpi, units[unit_id], expected, last or None))
    return sorted(out, key=lambda o: (o.kpi.code, o.unit.code))


def overview(session: Session, strategy_id: int, period: str, *, today: date | None = None) -> Overview:
    today = today or datetime.now(UTC).date()
    scores = score_period(session, strategy_id, period, today=today)
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars() if u.id is not None}
    rows = [(node, scores.unit(node.unit.id or 0)) for node in as_tree(list(units.values()))]
    kpis = [node.kpi for node in scores.tree.kpis()]
    return Overview(scores, rows, overdue_values(session, kpis, units, today), today)
