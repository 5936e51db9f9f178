"""The logic model of a unit's scorecard: per goal, each course of action with its status beside
the measures it links to and how they changed; per indicator behind pace, the actions meant to
move it, or "no action".

The link is a plan, not a proof. A change is called a change only as the trend rule says
(``maturity.scoring.trend``): a KPI's value since the period before the action started (one step
of its shown precision), a survey dimension against the previous round (its 95 % interval), an
indicator's score against the previous period."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.action_progress import link_target, load_links
from indicators.models import ACTIVE_STATUSES, Action, ActionLink, Goal
from indicators.rollup import kpi_rollups
from indicators.scorecard import ProfileRow, Scorecard
from indicators.scores import IndicatorScore, KpiScore
from maturity.periods import Frequency, Period
from maturity.scoring import Change, PaceStatus, Trend, value_trend
from maturity.units.models import OrgUnit
from maturity.units.services import subtree_ids

BEHIND = (PaceStatus.BEHIND, PaceStatus.AT_RISK, PaceStatus.NOT_ACHIEVED, PaceStatus.PARTLY_ACHIEVED)


@dataclass(frozen=True)
class LinkedMeasure:
    kind: str  # indicator, kpi, dimension
    code: str
    title_nb: str
    title_en: str
    direction: str  # increase, decrease: what the action is meant to do
    trend: Trend  # the change the trend rule sees
    since: str  # the period or round compared with; "" when there is nothing to compare
    basis: str  # start (since the action started), previous (the previous period), round (previous round)

    def tr(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_nb

    @property
    def as_planned(self) -> bool | None:
        """True when it moved the way the action means to move it, False the other way, None when no change."""
        if self.trend.change not in (Change.UP, Change.DOWN):
            return None
        return (self.trend.change == Change.UP) == (self.direction == "increase")


@dataclass
class ActionRow:
    action: Action
    unit_code: str  # the plan's unit; "" for the institution's
    measures: list[LinkedMeasure] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.action.status in ACTIVE_STATUSES


@dataclass
class GoalLogic:
    actions: list[ActionRow] = field(default_factory=list)
    # indicator id → the actions meant to move it (directly, through a KPI or a dimension it measures)
    by_indicator: dict[int, list[ActionRow]] = field(default_factory=dict)
    behind: set[int] = field(default_factory=set)  # indicators behind pace
    no_action: set[int] = field(default_factory=set)  # behind pace with no active action


def _start_period(start: date, frequency: str) -> Period:
    """The last period of the KPI's frequency that ended before the action started."""
    day = start - timedelta(days=1)
    parts = {"year": 1, "semester": 2, "tertial": 3, "quarter": 4, "month": 12}[frequency]
    period = Period(day.year, Frequency(frequency), (day.month - 1) * parts // 12 + 1)
    return period if period.end <= day else period.previous()


def unit_actions(session: Session, card: Scorecard) -> list[Action]:
    """The institution's actions and those in the action plans of the unit and the units below it."""
    goal_ids = [g.goal.id for g in card.unit_scores.goals]
    statement = (
        select(Action)
        .where(col(Action.goal_id).in_(goal_ids))
        .where(col(Action.unit_id).is_(None) | col(Action.unit_id).in_(subtree_ids([card.unit.id or 0])))
        .join(Goal, col(Goal.id) == col(Action.goal_id))
        .order_by(col(Goal.position), col(Action.position), col(Action.code))
    )
    return list(session.execute(statement).scalars())


def logic_model(session: Session, card: Scorecard) -> dict[int, GoalLogic]:
    """Per goal id of the scorecard: its actions with their measures, and the indicators behind pace."""
    actions = unit_actions(session, card)
    links: dict[int, list[ActionLink]] = {}
    for link in load_links(session, [a.id for a in actions if a.id is not None]):
        links.setdefault(link.action_id, []).append(link)
    indicators = {i.indicator.id: i for g in card.unit_scores.goals for i in g.indicators}
    kpis = {k.kpi.id: (k, i) for i in indicators.values() for k in i.kpis}
    profile = {row.dimension.id: row for row in card.profile if row.dimension is not None}
    dimension_indicators: dict[int, list[int]] = {}
    for i in indicators.values():
        for sm in i.surveys:
            dimension_indicators.setdefault(sm.measure.dimension_id, []).append(i.indicator.id or 0)
    before = _values_before_start(session, card, actions, links, kpis)
    codes = {u.id: u.code for u in [card.unit, *(c for c, _ in card.children)]}
    out = {g.goal.id or 0: GoalLogic() for g in card.unit_scores.goals}
    for action in actions:
        row = ActionRow(action, codes.get(action.unit_id, "") if action.unit_id else "")
        if action.unit_id and not row.unit_code:
            row.unit_code = _unit_code(session, action.unit_id)
        out[action.goal_id].actions.append(row)
        for link in links.get(action.id or 0, []):
            kind, target = link_target(link)
            measure, counted_in = _measure(
                kind, target, link, indicators, kpis, profile, before.get((action.id, target))
            )
            if measure is None:
                continue
            row.measures.append(measure)
            if kind == "dimension":
                counted_in = dimension_indicators.get(target, [])
            for indicator_id in counted_in:
                _attach(out, card, indicator_id, row)
    for g in card.unit_scores.goals:
        logic = out[g.goal.id or 0]
        for i in g.indicators:
            if i.pace.status in BEHIND and i.indicator.id is not None:
                logic.behind.add(i.indicator.id)
                rows = _by_indicator(out, i.indicator.id)
                if not any(r.active for r in rows):
                    logic.no_action.add(i.indicator.id)
    return out


def _by_indicator(out: dict[int, GoalLogic], indicator_id: int) -> list[ActionRow]:
    return [r for logic in out.values() for r in logic.by_indicator.get(indicator_id, [])]


def _attach(out: dict[int, GoalLogic], card: Scorecard, indicator_id: int, row: ActionRow) -> None:
    for g in card.unit_scores.goals:
        if any(i.indicator.id == indicator_id for i in g.indicators):
            rows = out[g.goal.id or 0].by_indicator.setdefault(indicator_id, [])
            if row not in rows:
                rows.append(row)


def _unit_code(session: Session, unit_id: int) -> str:
    unit = session.get(OrgUnit, unit_id)
    return unit.code if unit else ""


def _measure(
    kind: str,
    target: int,
    link: ActionLink,
    indicators: dict[int | None, IndicatorScore],
    kpis: dict[int | None, tuple[KpiScore, IndicatorScore]],
    profile: dict[int | None, ProfileRow],
    before: tuple[str, float] | None,
) -> tuple[LinkedMeasure | None, list[int]]:
    """The linked measure with its change, and the indicators it counts in."""
    if kind == "indicator" and target in indicators:
        i = indicators[target]
        measure = LinkedMeasure(
            kind,
            i.indicator.code,
            i.indicator.title_nb,
            i.indicator.title_en,
            link.direction,
            i.trend,
            "",
            "previous",
        )
        return measure, [target]
    if kind == "kpi" and target in kpis:
        k, i = kpis[target]
        current = k.rollup.value if k.rollup is not None else None
        if before is not None:
            trend, since, basis = value_trend(current, before[1], k.kpi.decimals), before[0], "start"
        else:
            trend, since, basis = k.trend, k.previous_period or "", "previous"
        measure = LinkedMeasure(kind, k.kpi.code, k.kpi.name_nb, k.kpi.name_en, link.direction, trend, since, basis)
        return measure, [i.indicator.id or 0]
    if kind == "dimension" and target in profile:
        row = profile[target]
        dimension = row.dimension
        assert dimension is not None
        measure = LinkedMeasure(
            kind,
            dimension.code,
            dimension.name_nb,
            dimension.name_en,
            link.direction,
            row.trend,
            "",
            "round",
        )
        return measure, []
    return None, []


def _values_before_start(
    session: Session,
    card: Scorecard,
    actions: list[Action],
    links: dict[int, list[ActionLink]],
    kpis: dict[int | None, tuple[KpiScore, IndicatorScore]],
) -> dict[tuple[int | None, int], tuple[str, float]]:
    """Each KPI link's value for the unit in the period before its action started (one statement)."""
    wanted: dict[tuple[int | None, int], str] = {}
    for action in actions:
        if action.start_date is None:
            continue
        for link in links.get(action.id or 0, []):
            if link.kpi_id is not None and link.kpi_id in kpis:
                k, _ = kpis[link.kpi_id]
                wanted[(action.id, link.kpi_id)] = str(_start_period(action.start_date, k.kpi.frequency))
    if not wanted:
        return {}
    rollups = kpi_rollups(
        session,
        periods=sorted(set(wanted.values())),
        kpi_ids=sorted({kpi_id for _, kpi_id in wanted}),
        unit_ids=[card.unit.id or 0],
    )
    out: dict[tuple[int | None, int], tuple[str, float]] = {}
    for (action_id, kpi_id), period in wanted.items():
        rollup = rollups.get((kpi_id, card.unit.id or 0, period))
        if rollup is not None and rollup.value is not None:
            out[(action_id, kpi_id)] = (period, rollup.value)
    return out


@dataclass
class DimensionPlans:
    """Per dimension: the actions meant to move it (by code), and the goal a new one goes under
    (the first goal measuring the dimension, else the first goal; by dimension id)."""

    actions: dict[str, list[ActionRow]]
    goals: dict[int, int]


def dimension_plans(card: Scorecard, logic: dict[int, GoalLogic]) -> DimensionPlans:
    actions: dict[str, list[ActionRow]] = {}
    for goal_logic in logic.values():
        for row in goal_logic.actions:
            for measure in row.measures:
                if measure.kind == "dimension" and row not in actions.get(measure.code, []):
                    actions.setdefault(measure.code, []).append(row)
    goals: dict[int, int] = {}
    first = card.unit_scores.goals[0].goal.id if card.unit_scores.goals else None
    for g in card.unit_scores.goals:
        for i in g.indicators:
            for sm in i.surveys:
                goals.setdefault(sm.measure.dimension_id, g.goal.id or 0)
    for profile_row in card.profile:
        dimension = profile_row.dimension
        if dimension is not None and dimension.id is not None and first is not None:
            goals.setdefault(dimension.id, first)
    return DimensionPlans(actions, goals)
