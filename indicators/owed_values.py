"""The KPI values owed: for each KPI of a strategy and each unit expected to report it, the
periods ended without a value, each with its due date (the period's end plus the KPI's due
days) and who owes it (``kpi_owners``).

A unit is expected to report a KPI when it has reported it before or has an owner chosen for
it (the institution for an institution-only KPI), as the overview's data freshness says. The
periods owed are the latest ended one and, while that one is not yet due, the one before it,
so an overdue value does not drop off the list the day the next period ends. Periods outside
the strategy's own are never owed."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.kpi_owners import explicit_owners, owners_for, unit_leaders
from indicators.models import Aggregation, Kpi, KpiRecord, Strategy
from indicators.overview import latest_ended
from indicators.strategy_tree import load_strategy_tree
from maturity.periods import Period
from maturity.units.models import OrgUnit


@dataclass(frozen=True, slots=True)
class OwedValue:
    kpi: Kpi
    unit: OrgUnit
    period: str
    due: date
    owners: tuple[int, ...]  # user ids; empty: nobody (no owner and no leader up the tree)

    def overdue(self, today: date) -> bool:
        return today > self.due


def due_date(kpi: Kpi, period: Period) -> date:
    return period.end + timedelta(days=kpi.due_days)


def owed_periods(kpi: Kpi, strategy: Strategy, today: date) -> list[Period]:
    """The latest period ended by today (by the strategy's end, for a concluded strategy), and
    the one before while that one is not yet due."""
    latest = latest_ended(kpi.frequency, min(today, strategy.period_end + timedelta(days=1)))
    periods = [latest]
    if due_date(kpi, latest) >= today:
        periods.append(latest.previous())
    return [p for p in periods if strategy.period_start <= p.end <= strategy.period_end]


def owed_values(session: Session, strategy: Strategy, today: date) -> list[OwedValue]:
    """Every value owed under the strategy, by KPI and unit code (one query per table)."""
    kpis = [node.kpi for node in load_strategy_tree(session, strategy.id or 0).kpis()]
    by_id = {k.id: k for k in kpis if k.id is not None}
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars() if u.id is not None}
    wanted = {k.id: [str(p) for p in owed_periods(k, strategy, today)] for k in kpis if k.id is not None}
    explicit = explicit_owners(session, by_id)
    expected = {
        (kpi_id, unit_id)
        for kpi_id, unit_id in session.execute(
            select(col(KpiRecord.kpi_id), col(KpiRecord.unit_id))
            .where(col(KpiRecord.kpi_id).in_(list(by_id)))
            .distinct()
        ).tuples()
    } | set(explicit)
    for kpi in kpis:
        if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
            expected |= {(kpi.id or 0, u.id or 0) for u in units.values() if u.parent_id is None}
    every_period = {p for periods in wanted.values() for p in periods}
    recorded = set(
        session.execute(
            select(col(KpiRecord.kpi_id), col(KpiRecord.unit_id), col(KpiRecord.period)).where(
                col(KpiRecord.kpi_id).in_(list(by_id)), col(KpiRecord.period).in_(every_period)
            )
        ).tuples()
    )
    leaders = unit_leaders(session, units)
    out = []
    for kpi_id, unit_id in expected:
        kpi, unit = by_id[kpi_id], units[unit_id]
        if kpi.aggregation == Aggregation.INSTITUTION_ONLY and unit.parent_id is not None:
            continue
        owners = tuple(owners_for(explicit, leaders, kpi_id, unit_id))
        for period in wanted[kpi_id]:
            if (kpi_id, unit_id, period) not in recorded:
                out.append(OwedValue(kpi, unit, period, due_date(kpi, Period.parse(period)), owners))
    return sorted(out, key=lambda o: (o.due, o.kpi.code, o.unit.code, o.period))
