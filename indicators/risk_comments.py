"""A KPI value that puts its KPI at risk asks for a short comment (the record's note), when its
strategy says so (``Strategy.risk_comment_required``, on by default).

"At risk" is the status rule of the dashboard (``maturity.scoring.pace``) applied to the KPI
alone, for the value's unit and period: the unit's progress with the value, against the unit's
baseline and target valid at the end of the value's period (as ``indicators.measure_scores``
scores it), judged against the progress expected by that end (or today, if earlier). Once the
strategy has concluded, its final evaluation judges instead, and "not achieved" is the worst
status. A value with no target for its unit has no status, so it needs no comment.
"""

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.measure_scores import KpiPlan, valid_progress
from indicators.models import Goal, Kpi, Strategy, SuccessIndicator
from indicators.records import CheckedRecord, problem_at
from indicators.rollup import kpi_rollups
from indicators.scores import is_final
from indicators.strategy_tree import KpiNode, StrategyTree, load_strategy_tree
from indicators.unit_targets import UnitTargets, baseline_periods
from maturity.errors import N_, Problem
from maturity.periods import Period
from maturity.scoring import FinalThresholds, PaceStatus, PaceThresholds, expected_at, final_status, pace
from maturity.units.models import OrgUnit

NEEDS_COMMENT = N_(
    "The value %(value)s puts KPI %(kpi)s at risk for %(unit)s in %(period)s: "
    "add a short comment saying why (the note)."
)
WORST = frozenset({PaceStatus.AT_RISK, PaceStatus.NOT_ACHIEVED})


def kpi_status(
    tree: StrategyTree, node: KpiNode, targets: UnitTargets, record: CheckedRecord, today: date
) -> PaceStatus:
    """The status the value gives its KPI for its unit and period."""
    period = Period.parse(record.period)
    plan = KpiPlan(node, (record.period,), ())
    unit_id = record.unit.id or 0
    progress = valid_progress(plan, unit_id, record.period, record.value, period.end, targets)[2]
    score = progress.score if progress is not None else None
    strategy = tree.strategy
    if is_final(strategy, period, today):
        return final_status(score, FinalThresholds(strategy.achieved_threshold, strategy.partly_threshold)).status
    expected = expected_at(min(period.end, today), strategy.period_start, strategy.period_end, tree.pace_milestones())
    thresholds = PaceThresholds(strategy.on_track_threshold, strategy.behind_threshold)
    return pace(score, expected.value, thresholds).status


def at_risk_without_comment(
    session: Session, records: Sequence[CheckedRecord], today: date | None = None
) -> list[CheckedRecord]:
    """The records without a note whose value puts their KPI at risk, under a strategy that asks
    for a comment then. A few statements per strategy involved, none when every record has a note."""
    bare = [r for r in records if not r.note]
    if not bare:
        return []
    today = today or date.today()
    strategy_of = dict(
        session.execute(
            select(col(Kpi.id), col(Goal.strategy_id))
            .join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
            .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
            .where(col(Kpi.id).in_({r.kpi.id for r in bare}))
        )
        .tuples()
        .all()
    )
    trees = {s: load_strategy_tree(session, s) for s in set(strategy_of.values())}
    trees = {s: tree for s, tree in trees.items() if tree.strategy.risk_comment_required}
    if not trees:
        return []
    nodes = {n.kpi.id: (tree, n) for tree in trees.values() for n in tree.kpis()}
    wanted = [nodes[r.kpi.id] for r in bare if r.kpi.id in nodes]
    parents = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.parent_id))).tuples().all())
    periods = baseline_periods([n for _, n in wanted])  # the shares of cascades by baseline
    rollups = (
        kpi_rollups(session, periods=sorted(periods), kpi_ids=[n.kpi.id or 0 for _, n in wanted]) if periods else {}
    )
    targets = UnitTargets.load(session, parents, rollups)
    out = []
    for record in bare:
        if record.kpi.id not in nodes:
            continue
        tree, node = nodes[record.kpi.id]
        if kpi_status(tree, node, targets, record, today) in WORST:
            out.append(record)
    return out


def comment_required(session: Session, kpi: Kpi) -> bool:
    """Whether the KPI's strategy asks for a comment on a value at risk."""
    required = session.execute(
        select(col(Strategy.risk_comment_required))
        .join(Goal, col(Goal.strategy_id) == col(Strategy.id))
        .join(SuccessIndicator, col(SuccessIndicator.goal_id) == col(Goal.id))
        .where(col(SuccessIndicator.id) == kpi.indicator_id)
    ).scalar()
    return bool(required)


def comment_problem(record: CheckedRecord) -> Problem:
    """Where the comment is missing (the note of the value's line, path or cell) and why."""
    origin = record.origin
    shown = origin.value if isinstance(origin.value, str) and origin.value else _number(record.value)
    return problem_at(
        origin,
        "note",
        NEEDS_COMMENT,
        None,
        value=shown,
        kpi=record.kpi.code,
        unit=record.unit.code,
        period=record.period,
    )


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
