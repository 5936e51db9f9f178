"""The baseline and target each unit is scored against (``maturity.scoring.unit_targets`` has
the rules): one ``UnitTargets`` per scored period resolves (KPI, kind, date, unit) from the
strategy tree's dated rows, the unit tree, subtree headcounts and the KPI values of the
baseline periods, each once.

A cascaded value has no row of its own; it is handed out as a ``KpiTarget`` that is never added
to a session (unit, kind, the parent's ``valid_from``, the apportioned value), so pages and
reports read it like any other row, with its ``TargetSource`` beside it.
"""

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Kpi, KpiTarget, TargetKind
from indicators.rollup import KpiRollup, kpi_rollups
from indicators.strategy_tree import KpiNode
from maturity.periods import Frequency, Period
from maturity.scoring import Aggregation, valid_row
from maturity.scoring.unit_targets import (
    SUM_TOLERANCE,
    Cascade,
    TargetSource,
    adds_up,
    apportion,
    below_institution_rule,
)
from maturity.units.models import OrgUnit, UnitHeadcount


@dataclass(frozen=True, slots=True)
class UnitReference:
    row: KpiTarget | None
    source: TargetSource
    cascade: Cascade | None = None  # the key of a cascaded value
    value: float | None = field(init=False)  # the row's value (an ORM attribute: read once)

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", self.row.value if self.row is not None else None)


_NOT_BELOW_INSTITUTION = UnitReference(None, TargetSource.NOT_BELOW_INSTITUTION)
_NO_TARGET = UnitReference(None, TargetSource.NONE)


def baseline_period(kpi: Kpi, valid_from: date) -> str:
    """The KPI period (in its frequency) that ends just before a baseline's date — the values
    measured before it took effect — whose values give the shares of a cascade by baseline."""
    before = valid_from - timedelta(days=1)
    period = Period(before.year, Frequency(kpi.frequency), 1)
    while period.end < before:
        period = period.next()
    return str(period)


def baseline_periods(nodes: list[KpiNode]) -> set[str]:
    """Every baseline period a cascade by baseline may read."""
    return {
        baseline_period(n.kpi, row.valid_from)
        for n in nodes
        if n.kpi.aggregation == Aggregation.SUM and n.kpi.cascade == Cascade.BASELINE
        for row in n.baselines
    }


def subtree_headcounts(session: Session, parents: Mapping[int, int | None]) -> dict[tuple[int, int], float]:
    """(unit, year) → headcount of the unit's whole subtree (one statement over the headcounts)."""
    statement = select(col(UnitHeadcount.unit_id), col(UnitHeadcount.period), func.sum(UnitHeadcount.headcount))
    statement = statement.group_by(col(UnitHeadcount.unit_id), col(UnitHeadcount.period))
    out: dict[tuple[int, int], float] = defaultdict(float)
    for unit_id, period, headcount in session.execute(statement).tuples():
        if not period.isdigit() or headcount is None:
            continue
        at: int | None = unit_id
        while at is not None:
            out[(at, int(period))] += float(headcount)
            at = parents.get(at)
    return dict(out)


class UnitTargets:
    """Resolves and remembers each unit's baseline and target for one scored period."""

    def __init__(
        self,
        parents: Mapping[int, int | None],
        headcounts: Mapping[tuple[int, int], float],
        rollups: Mapping[tuple[int, int, str], KpiRollup],
    ) -> None:
        self.parents = parents
        self.children: dict[int, list[int]] = defaultdict(list)
        for unit_id, parent in parents.items():
            if parent is not None:
                self.children[parent].append(unit_id)
        self.headcounts = headcounts
        self.years = sorted({year for _, year in headcounts})
        self.rollups = rollups
        self.found: dict[tuple[int, str, date, int], UnitReference] = {}
        # A parent's apportioned shares, once for all its children (not once per child).
        self.shares: dict[tuple[int, str, date, int], dict[int, float]] = {}
        self.dated: dict[tuple[int, str], _DatedRows] = {}  # a KPI's rows of a kind, by unit
        self.rules: dict[int, TargetSource] = {}  # a KPI's rule below the institution
        self.roots: dict[int, int] = {}
        # The institution's row as inherited by every unit without one of its own, one object for all.
        self.inherited: dict[tuple[int, str, date, int], UnitReference] = {}
        # ``references`` of units that get what every such unit of their tree gets, by root
        self.unshared: dict[int, set[int] | None] = {}
        self.shared: dict[tuple[int, date, int], tuple[UnitReference, UnitReference]] = {}

    @classmethod
    def load(
        cls, session: Session, parents: Mapping[int, int | None], rollups: Mapping[tuple[int, int, str], KpiRollup]
    ) -> "UnitTargets":
        return cls(parents, subtree_headcounts(session, parents), rollups)

    def reference(self, node: KpiNode, kind: TargetKind, on: date, unit_id: int) -> UnitReference:
        kpi_id = node.kpi.id or 0
        return self.found.get((kpi_id, kind, on, unit_id)) or self._remember(node, kpi_id, kind, on, unit_id)

    def references(self, node: KpiNode, kpi_id: int, on: date, unit_id: int) -> tuple[UnitReference, UnitReference]:
        """The baseline and the target (``reference`` of each), for a caller that knows the KPI's id.
        A unit below the institution without rows of its own, under a rule that does not cascade,
        gets what every such unit of its tree gets: resolved once for them all."""
        if kpi_id not in self.unshared:
            self.unshared[kpi_id] = self._unshared(node)
        unshared = self.unshared[kpi_id]
        if unshared is not None and unit_id not in unshared:
            root = self._root(unit_id)
            pair = self.shared.get((kpi_id, on, root))
            if pair is None:
                pair = self.shared[kpi_id, on, root] = (
                    self._resolve(node, kpi_id, TargetKind.BASELINE, on, unit_id),
                    self._resolve(node, kpi_id, TargetKind.TARGET, on, unit_id),
                )
            return pair
        found = self.found
        baseline = found.get((kpi_id, TargetKind.BASELINE, on, unit_id))
        target = found.get((kpi_id, TargetKind.TARGET, on, unit_id))
        return (
            baseline or self._remember(node, kpi_id, TargetKind.BASELINE, on, unit_id),
            target or self._remember(node, kpi_id, TargetKind.TARGET, on, unit_id),
        )

    def _unshared(self, node: KpiNode) -> set[int] | None:
        """The units whose references ``references`` resolves one by one: the roots, and units with
        rows of their own; all of them (None) when the KPI cascades."""
        if below_institution_rule(node.kpi.aggregation, node.kpi.cascade) == TargetSource.CASCADED:
            return None
        units = {row.unit_id for row in (*node.baselines, *node.targets) if row.unit_id is not None}
        return units | {unit_id for unit_id, parent in self.parents.items() if parent is None}

    def _remember(self, node: KpiNode, kpi_id: int, kind: TargetKind, on: date, unit_id: int) -> UnitReference:
        found = self.found[kpi_id, kind, on, unit_id] = self._resolve(node, kpi_id, kind, on, unit_id)
        return found

    def _resolve(self, node: KpiNode, kpi_id: int, kind: TargetKind, on: date, unit_id: int) -> UnitReference:
        dated = self.dated.get((kpi_id, kind))
        if dated is None:
            dated = self.dated[kpi_id, kind] = _DatedRows(
                node.baselines if kind == TargetKind.BASELINE else node.targets
            )
        parent = self.parents.get(unit_id)
        if parent is None:  # the institution: its own row, else the organisation's
            return UnitReference(dated.valid(on, unit_id), TargetSource.INSTITUTION)
        rule = self.rules.get(kpi_id)
        if rule is None:
            rule = self.rules[kpi_id] = below_institution_rule(node.kpi.aggregation, node.kpi.cascade)
        if rule == TargetSource.NOT_BELOW_INSTITUTION:
            return _NOT_BELOW_INSTITUTION
        own = dated.own(on, unit_id)
        if own is not None:
            return UnitReference(own, TargetSource.OWN)
        if rule == TargetSource.INHERITED:
            root = self._root(unit_id)
            inherited = self.inherited.get((kpi_id, kind, on, root))
            if inherited is None:
                inherited = self.inherited[kpi_id, kind, on, root] = UnitReference(dated.valid(on, root), rule)
            return inherited
        if rule == TargetSource.NONE:
            return _NO_TARGET
        return self._cascaded(node, kind, on, unit_id, parent, dated)

    def _cascaded(
        self, node: KpiNode, kind: TargetKind, on: date, unit_id: int, parent: int, dated: "_DatedRows"
    ) -> UnitReference:
        above = self.reference(node, kind, on, parent)
        if above.row is None or above.value is None:
            return _NO_TARGET
        cascade = Cascade(node.kpi.cascade)
        key = (node.kpi.id or 0, kind, on, parent)
        if key not in self.shares:
            siblings = self.children[parent]
            explicit = {
                s: row.value for s in siblings if (row := dated.own(on, s)) is not None and row.value is not None
            }
            self.shares[key] = apportion(above.value, explicit, self._keys(node, cascade, on, siblings))
        shares = self.shares[key]
        if unit_id not in shares:
            return UnitReference(None, TargetSource.NONE)
        row = KpiTarget(
            kpi_id=node.kpi.id or 0, unit_id=unit_id, kind=kind, valid_from=above.row.valid_from, value=shares[unit_id]
        )
        return UnitReference(row, TargetSource.CASCADED, cascade)

    def _keys(self, node: KpiNode, cascade: Cascade, on: date, siblings: list[int]) -> dict[int, float | None]:
        if cascade == Cascade.HEADCOUNT:
            year = self._headcount_year(on.year, siblings)
            return {s: self.headcounts.get((s, year)) for s in siblings} if year is not None else {}
        start = valid_row(node.baselines, on, self._root(siblings[0]))
        if start is None:
            return {}
        label = baseline_period(node.kpi, start.valid_from)
        kpi_id = node.kpi.id or 0
        return {s: r.value if (r := self.rollups.get((kpi_id, s, label))) is not None else None for s in siblings}

    def _headcount_year(self, year: int, siblings: list[int]) -> int | None:
        """The latest year up to ``year`` with a headcount for the siblings, else the earliest after."""
        with_counts = [y for y in self.years if any((s, y) in self.headcounts for s in siblings)]
        earlier = [y for y in with_counts if y <= year]
        return earlier[-1] if earlier else (with_counts[0] if with_counts else None)

    def _root(self, unit_id: int) -> int:
        root = self.roots.get(unit_id)
        if root is None:
            root = unit_id
            while (parent := self.parents.get(root)) is not None:
                root = parent
            self.roots[unit_id] = root
        return root


class _DatedRows:
    """A KPI's baselines or targets by unit (None: organisation-wide), their dates read once: the
    ORM attributes are slow to read for every unit and period. ``valid`` is ``valid_row``;
    ``own`` only the unit's own rows (``_own_row``); ties on a date go to the first row, as there."""

    def __init__(self, rows: list[KpiTarget]) -> None:
        self.by_unit: dict[int | None, list[tuple[date, KpiTarget]]] = {}
        for row in rows:
            self.by_unit.setdefault(row.unit_id, []).append((row.valid_from, row))

    def own(self, on: date, unit_id: int | None) -> KpiTarget | None:
        best, best_from = None, None
        for valid_from, row in self.by_unit.get(unit_id, ()):
            if valid_from <= on and (best_from is None or valid_from > best_from):
                best, best_from = row, valid_from
        return best

    def valid(self, on: date, unit_id: int) -> KpiTarget | None:
        own = self.own(on, unit_id)
        return own if own is not None else self.own(on, None)


def _own_row(rows: list[KpiTarget], on: date, unit_id: int) -> KpiTarget | None:
    dated = [r for r in rows if r.unit_id == unit_id and r.valid_from <= on]
    return max(dated, key=lambda r: r.valid_from) if dated else None


@dataclass(frozen=True, slots=True)
class UnitTargetRow:
    """A unit's baseline and target for a KPI on a day, and where each comes from."""

    unit_id: int
    depth: int
    baseline: UnitReference
    target: UnitReference


@dataclass(frozen=True, slots=True)
class TargetWarning:
    """Explicit values of a ``sum`` KPI's children that do not add up to their parent's."""

    kpi: Kpi
    parent_id: int
    kind: TargetKind
    parent: float
    children: float  # Σ of the explicit values
    complete: bool  # every child has one (else: they already exceed the parent's)


def unit_target_table(
    session: Session, nodes: list[KpiNode], units: list[tuple[int, int]], on: date
) -> tuple[dict[int, list[UnitTargetRow]], list[TargetWarning]]:
    """Per KPI, every unit (``units``: id and depth, in tree order) with the baseline and target
    it gets on ``on``; and the warnings for ``sum`` KPIs whose children's own values do not add
    up to their parent's (beyond ``SUM_TOLERANCE``), which the strategy page shows."""
    parents = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.parent_id))).tuples().all())
    rollups = kpi_rollups(session, periods=sorted(baseline_periods(nodes)), kpi_ids=[n.kpi.id or 0 for n in nodes])
    targets = UnitTargets.load(session, parents, rollups)
    table = {
        node.kpi.id or 0: [
            UnitTargetRow(
                unit_id,
                depth,
                targets.reference(node, TargetKind.BASELINE, on, unit_id),
                targets.reference(node, TargetKind.TARGET, on, unit_id),
            )
            for unit_id, depth in units
        ]
        for node in nodes
    }
    return table, [w for node in nodes for w in _warnings(node, targets, on)]


def _warnings(node: KpiNode, targets: UnitTargets, on: date) -> list[TargetWarning]:
    if node.kpi.aggregation != Aggregation.SUM:
        return []
    out = []
    for kind, rows in ((TargetKind.BASELINE, node.baselines), (TargetKind.TARGET, node.targets)):
        for parent, children in targets.children.items():
            explicit = [
                row.value for c in children if (row := _own_row(rows, on, c)) is not None and row.value is not None
            ]
            if not explicit:
                continue
            above = targets.reference(node, kind, on, parent).value
            if above is None:
                continue
            complete = len(explicit) == len(children)
            total = math.fsum(explicit)
            wrong = not adds_up(above, explicit) if complete else abs(total) > abs(above) * (1 + SUM_TOLERANCE)
            if wrong:
                out.append(TargetWarning(node.kpi, parent, kind, above, total, complete))
    return out
