"""What the strategy page shows of the targets per unit: for each KPI a table of every unit with
the baseline and target it gets today (or on the strategy's last day, once concluded) and where
each comes from, and the warnings for children's own targets that do not add up."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from indicators.strategy_tree import StrategyTree
from indicators.unit_targets import TargetWarning, UnitTargetRow, unit_target_table
from maturity.units.models import OrgUnit
from maturity.units.services import as_tree


@dataclass(frozen=True, slots=True)
class StrategyUnitTargets:
    on: date
    units: dict[int, OrgUnit]
    rows: dict[int, list[UnitTargetRow]]  # by KPI id
    warnings: list[TargetWarning]

    def warnings_of(self, kpi_id: int) -> list[TargetWarning]:
        return [w for w in self.warnings if w.kpi.id == kpi_id]


def strategy_unit_targets(session: Session, tree: StrategyTree, today: date) -> StrategyUnitTargets:
    strategy = tree.strategy
    on = min(max(today, strategy.period_start), strategy.period_end)
    units = list(session.execute(select(OrgUnit)).scalars())
    ordered = [(node.unit.id or 0, node.depth) for node in as_tree(units)]
    rows, warnings = unit_target_table(session, tree.kpis(), ordered, on)
    return StrategyUnitTargets(on, {u.id or 0: u for u in units}, rows, warnings)
