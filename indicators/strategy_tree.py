"""The strategy tree: loading it whole in a handful of queries, and finding its parts."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import (
    Action,
    Goal,
    Kpi,
    KpiTarget,
    Strategy,
    StrategyMilestone,
    SuccessIndicator,
    SurveyMeasure,
    TargetKind,
)
from maturity.errors import NotFound
from maturity.maturity_model.services import ModelTree, load_model_tree
from maturity.periods import Period
from maturity.scoring import Milestone, valid_row


@dataclass
class KpiNode:
    kpi: Kpi
    baselines: list[KpiTarget] = field(default_factory=list)
    targets: list[KpiTarget] = field(default_factory=list)

    def valid(self, kind: TargetKind, on: date, unit_id: int | None = None) -> KpiTarget | None:
        """The baseline or target valid on a date: a unit's own row if it has one, else the general one."""
        return valid_row(self.baselines if kind == TargetKind.BASELINE else self.targets, on, unit_id)


@dataclass
class IndicatorNode:
    indicator: SuccessIndicator
    kpis: list[KpiNode] = field(default_factory=list)
    measures: list[SurveyMeasure] = field(default_factory=list)


@dataclass
class GoalNode:
    goal: Goal
    actions: list[Action] = field(default_factory=list)
    indicators: list[IndicatorNode] = field(default_factory=list)


@dataclass
class StrategyTree:
    strategy: Strategy
    goals: list[GoalNode]
    model: ModelTree | None
    milestones: list[StrategyMilestone] = field(default_factory=list)  # by date

    def kpis(self) -> list[KpiNode]:
        return [k for g in self.goals for i in g.indicators for k in i.kpis]

    def pace_milestones(self) -> list[Milestone]:
        """The milestones as the pace arithmetic takes them (empty: the elapsed fraction rules)."""
        return [Milestone(m.due, m.expected) for m in self.milestones]


def load_milestones(session: Session, strategy_id: int | None) -> list[StrategyMilestone]:
    """A strategy's milestones by date."""
    return list(
        session.execute(
            select(StrategyMilestone)
            .where(col(StrategyMilestone.strategy_id) == strategy_id)
            .order_by(col(StrategyMilestone.due))
        ).scalars()
    )


def load_kpi_node(session: Session, kpi: Kpi) -> KpiNode:
    """One KPI with its dated baselines and targets, in one query."""
    node = KpiNode(kpi)
    for row in session.execute(
        select(KpiTarget)
        .where(col(KpiTarget.kpi_id) == kpi.id)
        .order_by(col(KpiTarget.valid_from), col(KpiTarget.unit_id), col(KpiTarget.id))
    ).scalars():
        (node.baselines if row.kind == TargetKind.BASELINE else node.targets).append(row)
    return node


def list_strategies(session: Session) -> list[Strategy]:
    return list(session.execute(select(Strategy).order_by(col(Strategy.period_start).desc())).scalars())


def find_strategy(session: Session, code: str) -> Strategy | None:
    return session.execute(select(Strategy).where(col(Strategy.code) == code)).scalars().first()


def get_kpi(session: Session, code: str) -> Kpi:
    """The KPI with this code (codes are unique across strategies); NotFound otherwise."""
    kpi = session.execute(select(Kpi).where(col(Kpi.code) == code)).scalars().first()
    if kpi is None:
        raise NotFound(code)
    return kpi


def current_strategy(session: Session, today: date | None = None) -> Strategy | None:
    """The strategy in force today (the latest begun, if several are), else the most recently
    concluded one, else the first to come."""
    strategies = list_strategies(session)  # latest start first
    today = today or date.today()
    covering = [s for s in strategies if s.period_start <= today <= s.period_end]
    concluded = sorted((s for s in strategies if s.period_end < today), key=lambda s: s.period_end, reverse=True)
    candidates = covering or concluded or strategies[::-1]
    return candidates[0] if candidates else None


def strategy_for(session: Session, code: str | None, period: str | None, today: date | None = None) -> Strategy | None:
    """The strategy a page shows: the one named by ``code`` (NotFound if none), else the one in
    force at the end of ``period`` when one is, else the current one."""
    if code:
        found = find_strategy(session, code)
        if found is None:
            raise NotFound(f"strategy {code}")
        return found
    if period:
        try:
            end = Period.parse(period).end
        except ValueError:
            end = None
        if end is not None:
            covering = [s for s in list_strategies(session) if s.period_start <= end <= s.period_end]
            if covering:
                return covering[0]
    return current_strategy(session, today)


def load_strategy_tree(session: Session, strategy_id: int) -> StrategyTree:
    """The whole strategy in order, with the maturity model, in one query per table."""
    strategy = session.get(Strategy, strategy_id)
    if strategy is None:
        raise NotFound(f"strategy {strategy_id}")
    goals = list(
        session.execute(
            select(Goal).where(col(Goal.strategy_id) == strategy_id).order_by(col(Goal.position), col(Goal.code))
        ).scalars()
    )
    goal_nodes = {g.id: GoalNode(g) for g in goals}
    goal_ids = list(goal_nodes)
    for action in session.execute(
        select(Action).where(col(Action.goal_id).in_(goal_ids)).order_by(col(Action.position), col(Action.code))
    ).scalars():
        goal_nodes[action.goal_id].actions.append(action)
    indicators = list(
        session.execute(
            select(SuccessIndicator)
            .where(col(SuccessIndicator.goal_id).in_(goal_ids))
            .order_by(col(SuccessIndicator.position), col(SuccessIndicator.code))
        ).scalars()
    )
    indicator_nodes = {i.id: IndicatorNode(i) for i in indicators}
    for indicator in indicators:
        goal_nodes[indicator.goal_id].indicators.append(indicator_nodes[indicator.id])
    indicator_ids = list(indicator_nodes)
    kpis = list(
        session.execute(
            select(Kpi).where(col(Kpi.indicator_id).in_(indicator_ids)).order_by(col(Kpi.position), col(Kpi.code))
        ).scalars()
    )
    kpi_nodes = {k.id: KpiNode(k) for k in kpis}
    for kpi in kpis:
        indicator_nodes[kpi.indicator_id].kpis.append(kpi_nodes[kpi.id])
    for row in session.execute(
        select(KpiTarget)
        .where(col(KpiTarget.kpi_id).in_(list(kpi_nodes)))
        .order_by(col(KpiTarget.valid_from), col(KpiTarget.unit_id), col(KpiTarget.id))
    ).scalars():
        node = kpi_nodes[row.kpi_id]
        (node.baselines if row.kind == TargetKind.BASELINE else node.targets).append(row)
    for measure in session.execute(
        select(SurveyMeasure)
        .where(col(SurveyMeasure.indicator_id).in_(indicator_ids))
        .order_by(col(SurveyMeasure.position), col(SurveyMeasure.id))
    ).scalars():
        indicator_nodes[measure.indicator_id].measures.append(measure)
    model = load_model_tree(session, strategy.maturity_model_id) if strategy.maturity_model_id else None
    return StrategyTree(strategy, list(goal_nodes.values()), model, load_milestones(session, strategy_id))
