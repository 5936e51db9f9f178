"""The demo's successor strategy (2025–2030) and its KPI values: the values measured before it
began (2024, the baselines' year) and those of its first year, 2025, so that its first ended
period shows a spread a leader can read. Each goal has gone at its own pace and each faculty a
little better or worse than the whole, deterministically (no noise), so the spread the demo
promises holds: among the institution's goals and the faculties' cells on track, behind and at
risk, and one indicator achieved (the data catalogue, a yes/no KPI).

Every unit below the institution reports, each its part of the institution's (by subtree
headcount, like the cascades by headcount), so a unit's own value is the sum of its children's
and every unit's progress is its goal's pace times its faculty's.
"""

import math
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, ScoringMode, TargetKind
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.strategy_tree import KpiNode, StrategyTree
from maturity.audit.services import Actor
from maturity.units.models import OrgUnit, UnitHeadcount
from maturity.units.services import UnitScope

# Progress by the end of 2025 (expected: 1 year of 6 = 16.7 %), per goal.
GOAL_PACE = {"T1": 0.22, "T2": 0.15, "T3": 0.09, "T4": 0.19, "T5": 0.17, "T6": 0.145}
# Each faculty against the whole (normalised so the institution's progress is the goal's pace).
FACULTY_PACE = {"LUI": 1.25, "HV": 1.0, "SAM": 0.7, "TKD": 1.0, "FA": 0.95}
# A cascade by baseline shares by the values of 2024: some faculties did more than their size.
BASELINE_WEIGHT = {"LUI": 0.8, "HV": 1.1, "SAM": 1.2, "TKD": 1.3, "FA": 0.4}
SOURCE = "FS, DBH og interne registre"
# Values not reported yet: owed since 30 January 2026, overdue on the TKD leader's My updates
# (the department has no leader of its own; its values fall to the faculty's).
NOT_YET_REPORTED = {("TKD-IT", "N21", 2025), ("TKD-IT", "N31", 2025)}
RATIO_SCALE = 4000  # denominators: about this many cases in the whole institution


def unit_shares(session: Session, units: list[OrgUnit], year: int) -> dict[int, float]:
    """Every unit's part of the institution (1): a unit's part goes to its children by their
    subtree headcount of ``year`` (the nearest year with headcounts), so the children's parts add
    up to their parent's. By unit id."""
    rows = session.execute(select(UnitHeadcount)).scalars().all()
    years = sorted({int(r.period) for r in rows if r.period.isdigit()})
    chosen = min(years, key=lambda y: (abs(y - year), -y)) if years else year
    own = {r.unit_id: r.headcount for r in rows if r.period == str(chosen)}
    children: dict[int | None, list[OrgUnit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)

    def subtree(unit: OrgUnit) -> float:
        return own.get(unit.id or 0, 0) + math.fsum(subtree(c) for c in children.get(unit.id, []))

    out: dict[int, float] = {}

    def walk(unit: OrgUnit, part: float) -> None:
        out[unit.id or 0] = part
        below = children.get(unit.id, [])
        if not below:
            return
        sizes = {c.id: subtree(c) for c in below}
        total = math.fsum(sizes.values()) or 1.0
        for child in below:
            walk(child, part * sizes[child.id] / total)

    for root in children.get(None, []):
        walk(root, 1.0)
    return out


def _faculty(unit: OrgUnit, by_id: dict[int, OrgUnit]) -> str:
    while unit.parent_id is not None and by_id[unit.parent_id].parent_id is not None:
        unit = by_id[unit.parent_id]
    return unit.code


def load_successor_records(session: Session, tree: StrategyTree, *, today: date) -> None:
    units = list(session.execute(select(OrgUnit).order_by(col(OrgUnit.code))).scalars())
    by_id = {u.id or 0: u for u in units}
    root = next(u for u in units if u.parent_id is None)
    shares = {u: w for u, w in unit_shares(session, units, 2025).items() if u != root.id}
    faculty = {u: _faculty(by_id[u], by_id) for u in shares}
    top = [u for u in shares if by_id[u].parent_id == root.id]  # their parts add up to 1
    weight = {u: FACULTY_PACE.get(faculty[u], 1.0) for u in shares}
    norm = math.fsum(shares[u] * weight[u] for u in top)
    pace_of = {u: weight[u] / norm for u in shares}  # Σ share · pace = 1 over the faculties
    based = {u: shares[u] * BASELINE_WEIGHT.get(faculty[u], 1.0) for u in shares}
    based_total = math.fsum(based[u] for u in top)
    items: list[RecordInput] = []
    goal_of = {k.kpi.id: g.goal.code for g in tree.goals for i in g.indicators for k in i.kpis}
    for node in tree.kpis():
        kpi = node.kpi
        pace = GOAL_PACE[goal_of[kpi.id]]
        for year, progress in ((2024, 0.0), (2025, pace)):
            if date(year, 12, 31) >= today:
                continue
            if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
                value = 1.0 if year == 2025 and kpi.scoring == ScoringMode.BINARY else 0.0
                items.append(RecordInput(kpi.code, root.code, str(year), value=value, source=SOURCE))
                continue
            for unit, share in shares.items():
                if (by_id[unit].code, kpi.code, year) in NOT_YET_REPORTED:
                    continue
                items.append(_item(node, by_id[unit], year, progress * pace_of[unit], share, based[unit] / based_total))
    checked = check_records(session, items, UnitScope(everything=True, roots=frozenset()))
    record_values(
        session, checked, Actor.system("demo: imported from institutional systems"), via="demo", require_comments=False
    )


def _item(node: KpiNode, unit: OrgUnit, year: int, progress: float, share: float, based: float) -> RecordInput:
    kpi = node.kpi
    baseline = node.valid(TargetKind.BASELINE, date(2025, 1, 1))
    target = node.valid(TargetKind.TARGET, date(2025, 1, 1))
    assert baseline is not None
    assert baseline.value is not None
    assert target is not None
    assert target.value is not None
    level = baseline.value + (target.value - baseline.value) * progress
    if kpi.aggregation == Aggregation.RATIO:
        denominator = max(20, round(RATIO_SCALE * share))
        numerator = round(denominator * min(100.0, level) / 100)
        return RecordInput(kpi.code, unit.code, str(year), numerator=numerator, denominator=denominator, source=SOURCE)
    part = based if kpi.cascade == "baseline" else share
    value = round(level * part, kpi.decimals)
    return RecordInput(kpi.code, unit.code, str(year), value=value, source=SOURCE)
