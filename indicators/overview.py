"""The strategy office's overview: every unit × goal status for a period, and data freshness —
the KPI values overdue for their frequency.

The heatmap is the unit tree: the institution and the units right below it in one table, and
each of those units' subtrees in a table of its own that the page folds away (``branches``).
Sorting by a goal orders siblings by their score for it (weakest first, or strongest), so the
tree keeps its shape."""

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


@dataclass(frozen=True, slots=True)
class HeatRow:
    unit: OrgUnit
    depth: int  # below the top of its table
    scores: UnitScores
    below: int  # units in its subtree, itself not counted


@dataclass(frozen=True, slots=True)
class Branch:
    """A unit right below the institution, and its subtree in tree order (siblings sorted)."""

    head: HeatRow
    rows: tuple[HeatRow, ...]


@dataclass(frozen=True, slots=True)
class Heatmap:
    top: tuple[HeatRow, ...]  # the institution(s) and the units right below
    branches: tuple[Branch, ...]  # those units' subtrees, where they have one
    sort: str | None  # the goal code sorted by, None: by unit code
    descending: bool


def heatmap(view: Overview, sort: str | None = None, descending: bool = False) -> Heatmap:
    """The unit tree with each unit's scores; ``sort`` (a goal code; unknown codes are ignored)
    orders siblings by that goal's score, lowest first unless ``descending``, units without a
    score last; ties and the default by unit code."""
    codes = [g.goal.code for g in view.scores.tree.goals]
    position = codes.index(sort) if sort in codes else None
    children: dict[int | None, list[tuple[TreeNode, UnitScores]]] = {}
    ids = {node.unit.id for node, _ in view.rows}
    for node, scores in view.rows:
        parent = node.unit.parent_id if node.unit.parent_id in ids else None
        children.setdefault(parent, []).append((node, scores))

    def key(item: tuple[TreeNode, UnitScores]) -> tuple[bool, float, str]:
        node, scores = item
        score = scores.goals[position].combined.score if position is not None else None
        if position is None or score is None:
            return (position is not None, 0.0, node.unit.code)
        return (False, -score if descending else score, node.unit.code)

    def ordered(parent: int | None) -> list[tuple[TreeNode, UnitScores]]:
        return sorted(children.get(parent, []), key=key)

    sizes: dict[int | None, int] = {}

    def size(unit_id: int | None) -> int:
        if unit_id not in sizes:
            sizes[unit_id] = sum(1 + size(node.unit.id) for node, _ in children.get(unit_id, []))
        return sizes[unit_id]

    def walk(parent: int | None, depth: int) -> list[HeatRow]:
        out = []
        for node, scores in ordered(parent):
            out.append(HeatRow(node.unit, depth, scores, size(node.unit.id)))
            out.extend(walk(node.unit.id, depth + 1))
        return out

    top: list[HeatRow] = []
    branches: list[Branch] = []
    for node, scores in ordered(None):
        top.append(HeatRow(node.unit, 0, scores, size(node.unit.id)))
        for child, child_scores in ordered(node.unit.id):
            head = HeatRow(child.unit, 1, child_scores, size(child.unit.id))
            top.append(head)
            below = walk(child.unit.id, 0)
            if below:
                branches.append(Branch(head, tuple(below)))
    return Heatmap(tuple(top), tuple(branches), codes[position] if position is not None else None, descending)


@dataclass(frozen=True, slots=True)
class OverdueGroup:
    """Overdue values of one unit (``by`` = "unit") or of one KPI ("kpi")."""

    unit: OrgUnit | None
    kpi: Kpi | None
    items: tuple[Overdue, ...]


OVERDUE_GROUPINGS = ("unit", "kpi")


def overdue_groups(view: Overview, by: str = "unit") -> list[OverdueGroup]:
    """The overdue values by unit (in tree order) or by KPI (in code order)."""
    if by == "kpi":
        kpis: dict[int, list[Overdue]] = {}
        for item in view.overdue:
            kpis.setdefault(item.kpi.id or 0, []).append(item)
        return [OverdueGroup(None, items[0].kpi, tuple(items)) for items in kpis.values()]
    order = {node.unit.id: n for n, (node, _) in enumerate(view.rows)}
    units: dict[int, list[Overdue]] = {}
    for item in sorted(view.overdue, key=lambda o: (order.get(o.unit.id, 0), o.kpi.code)):
        units.setdefault(item.unit.id or 0, []).append(item)
    return [OverdueGroup(items[0].unit, None, tuple(items)) for items in units.values()]


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
