"""KPI values rolled up the unit tree, for every KPI, unit and period at once, by the database.

Which records make a unit's value (the same rule for every aggregation):

- A unit's own record is its value. It stands for the whole unit, so nothing below it is added.
- A unit without a record of its own takes its children's values: a child's own record, or for
  a child without one, that child's children's, and so on down. So the records that count for
  a unit are those in its subtree with no record on the way up to the unit (the unit included).
  Records further down are still each unit's own value; they just do not count twice.
- ``sum``: those records added. ``ratio``: 100 · Σ numerators / Σ denominators of those records
  (never the mean of their rates). ``mean``: their values weighted by the headcount each record
  stands for — the headcount of its unit's subtree in the period's year (``unit_headcount`` with
  period ``YYYY``); records whose subtree has no headcount that year cannot be weighted and are
  left out of the mean (counted in ``unweighted``). ``institution_only``: the root unit's own
  record, nowhere else.

Each value also says how many records (units) it was made from and when the newest of them was
recorded, for data freshness. In SQL: the unit → ancestors closure; per record, the distance to
its nearest ancestor with a record (the first that blocks it); a record counts for each
ancestor nearer than that; GROUP BY (KPI, ancestor, period).
"""

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Float, Select, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, KpiRecord
from maturity.db import without_jit
from maturity.units.models import OrgUnit, UnitHeadcount
from maturity.units.services import unit_ancestors


class KpiRollup(NamedTuple):
    """A KPI's value for a unit (its subtree) and period, with the sums it came from. (A named
    tuple, not a frozen dataclass: scoring makes tens of thousands, four times faster.)"""

    aggregation: str
    units: int  # records (one per unit) the value is made from
    own: bool  # the unit's own record (then ``units`` is 1)
    value_sum: float
    numerator_sum: float | None
    denominator_sum: float | None
    weighted_sum: float  # Σ value · headcount, over records with a headcount
    weight_sum: float  # Σ headcount
    unweighted: int  # records without a headcount for the year (left out of a mean)
    newest: datetime

    @property
    def value(self) -> float | None:
        """None when the records cannot make a value (a mean without headcounts, a ratio
        without denominators)."""
        if self.own:
            return self.value_sum
        match self.aggregation:
            case Aggregation.RATIO:
                if not self.denominator_sum or self.numerator_sum is None:
                    return None
                return 100 * self.numerator_sum / self.denominator_sum
            case Aggregation.MEAN:
                return self.weighted_sum / self.weight_sum if self.weight_sum else None
            case _:
                return self.value_sum


RollupKey = tuple[int, int, str]  # (kpi_id, unit_id, period)


def _subtree_headcounts(tree: Any) -> Any:
    """(unit, year) → headcount of the unit's whole subtree."""
    return (
        select(
            tree.c.ancestor_id.label("unit_id"),
            col(UnitHeadcount.period),
            cast(func.sum(col(UnitHeadcount.headcount)), Float).label("headcount"),
        )
        .join(tree, tree.c.unit_id == col(UnitHeadcount.unit_id))
        .group_by(tree.c.ancestor_id, col(UnitHeadcount.period))
        .cte("subtree_headcount")
    )


def rollup_statement(
    periods: Collection[str] | None = None,
    kpi_ids: Collection[int] | None = None,
    unit_ids: Collection[int] | None = None,
) -> Select[Any]:
    """The one GROUP BY: (KPI, unit, period) → the sums of the records that count for it (for
    every unit, or the roll-ups of ``unit_ids`` only)."""
    tree = unit_ancestors()
    record, above = aliased(KpiRecord, name="record"), aliased(KpiRecord, name="record_above")
    chosen: list[Any] = []  # on the table itself, not a CTE: PostgreSQL then has statistics and the unique index
    if periods is not None:
        chosen.append(col(record.period).in_(list(periods)))
    if kpi_ids is not None:
        chosen.append(col(record.kpi_id).in_(list(kpi_ids)))
    blocked = (
        select(col(record.id), func.min(tree.c.distance).label("distance"))
        .join(tree, and_(tree.c.unit_id == col(record.unit_id), tree.c.distance > 0))
        .join(
            above,
            and_(
                col(above.unit_id) == tree.c.ancestor_id,
                col(above.kpi_id) == col(record.kpi_id),
                col(above.period) == col(record.period),
            ),
        )
        .where(*chosen)
        .group_by(col(record.id))
        .cte("blocked_record")
    )
    headcount = _subtree_headcounts(tree)
    weight = headcount.c.headcount
    has_weight = weight > 0
    institution_only = col(Kpi.aggregation) == Aggregation.INSTITUTION_ONLY
    rolled_up_to = [tree.c.ancestor_id.in_(list(unit_ids))] if unit_ids is not None else []
    return (
        select(
            col(record.kpi_id),
            tree.c.ancestor_id.label("unit_id"),
            col(record.period),
            col(Kpi.aggregation),
            func.count().label("units"),
            func.max(case((tree.c.distance == 0, 1), else_=0)).label("own"),
            cast(func.sum(col(record.value)), Float).label("value_sum"),
            cast(func.sum(col(record.numerator)), Float).label("numerator_sum"),
            cast(func.sum(col(record.denominator)), Float).label("denominator_sum"),
            cast(func.sum(case((has_weight, col(record.value) * weight), else_=0.0)), Float).label("weighted_sum"),
            cast(func.sum(case((has_weight, weight), else_=0.0)), Float).label("weight_sum"),
            func.sum(case((has_weight, 0), else_=1)).label("unweighted"),
            func.max(col(record.recorded_at)).label("newest"),
        )
        .join(tree, tree.c.unit_id == col(record.unit_id))
        .join(Kpi, col(Kpi.id) == col(record.kpi_id))
        .join(OrgUnit, col(OrgUnit.id) == col(record.unit_id))
        .outerjoin(blocked, blocked.c.id == col(record.id))
        .outerjoin(
            headcount,
            and_(
                headcount.c.unit_id == col(record.unit_id),
                headcount.c.period == func.substr(col(record.period), literal_column("1"), literal_column("4")),
            ),
        )
        .where(
            *chosen,
            or_(blocked.c.distance.is_(None), tree.c.distance < blocked.c.distance),
            or_(~institution_only, and_(tree.c.distance == 0, col(OrgUnit.parent_id).is_(None))),
            *rolled_up_to,
        )
        .group_by(col(record.kpi_id), tree.c.ancestor_id, col(record.period), col(Kpi.aggregation))
    )


def kpi_rollups(
    session: Session,
    periods: Collection[str] | None = None,
    kpi_ids: Collection[int] | None = None,
    unit_ids: Collection[int] | None = None,
) -> Mapping[RollupKey, KpiRollup]:
    """Every KPI's value for every unit with data and every period (or just ``periods``,
    ``kpi_ids`` and ``unit_ids``), keyed by (kpi_id, unit_id, period); one statement."""
    without_jit(session)
    return {
        (kpi_id, unit_id, period): KpiRollup(
            aggregation,
            int(units),
            bool(own),
            float(value_sum),
            None if numerator_sum is None else float(numerator_sum),
            None if denominator_sum is None else float(denominator_sum),
            float(weighted_sum),
            float(weight_sum),
            int(unweighted),
            newest,
        )
        for (
            kpi_id,
            unit_id,
            period,
            aggregation,
            units,
            own,
            value_sum,
            numerator_sum,
            denominator_sum,
            weighted_sum,
            weight_sum,
            unweighted,
            newest,
        ) in session.execute(rollup_statement(periods, kpi_ids, unit_ids)).tuples()
    }
