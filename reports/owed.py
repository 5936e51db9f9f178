"""What a person owes: KPI values of the units they own them for, follow-up of their courses of
action, and their units' narratives; and per unit, what the units owe, for the strategy office.

A narrative is owed by the leaders of a unit for the period the dashboard shows (the latest
ended period with data), due ``NARRATIVE_DUE_DAYS`` after that period ends."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.action_progress import OwedUpdate, owed_by, update_overdue, updates_by_action
from indicators.dashboard_periods import period_choice
from indicators.models import ACTIVE_STATUSES, Action, ActionUnit, KpiOwner, Strategy
from indicators.owed_values import OwedValue, owed_values
from indicators.strategy_tree import current_strategy
from maturity.auth.models import Role, RoleAssignment, User
from maturity.auth.services import load_users, scope_for
from maturity.periods import Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from reports.models import Narrative

NARRATIVE_DUE_DAYS = 30


@dataclass(frozen=True, slots=True)
class OwedNarrative:
    unit: OrgUnit
    period: str
    due: date

    def overdue(self, today: date) -> bool:
        return today > self.due


@dataclass
class MyUpdates:
    today: date
    values: list[OwedValue] = field(default_factory=list)
    actions: list[OwedUpdate] = field(default_factory=list)
    narratives: list[OwedNarrative] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.values or self.actions or self.narratives)

    def only_unit(self, unit_id: int, action_units: dict[int, set[int]]) -> "MyUpdates":
        """What is owed for one unit (an action counts for its unit and responsible units)."""
        return MyUpdates(
            self.today,
            [v for v in self.values if v.unit.id == unit_id],
            [a for a in self.actions if unit_id in action_units.get(a.action.id or 0, set())],
            [n for n in self.narratives if n.unit.id == unit_id],
        )

    def due_within(self, days: int) -> "MyUpdates":
        """What is overdue or due within ``days``: what a reminder names."""
        until = self.today + timedelta(days=days)
        return MyUpdates(
            self.today,
            [v for v in self.values if v.due <= until],
            list(self.actions),
            [n for n in self.narratives if n.due <= until],
        )


def narrative_period(session: Session, strategy: Strategy, scope: UnitScope, now: datetime) -> str:
    """The period whose narrative is owed: the one the dashboard shows by default."""
    return period_choice(session, strategy, scope, None, None, now).period


def narratives_missing(session: Session, unit_ids: set[int], period: str) -> list[OrgUnit]:
    """The units among ``unit_ids`` without a narrative for the period, by code."""
    written = set(
        session.execute(
            select(col(Narrative.unit_id)).where(
                col(Narrative.unit_id).in_(unit_ids), col(Narrative.period) == period, col(Narrative.text) != ""
            )
        ).scalars()
    )
    return list(
        session.execute(
            select(OrgUnit).where(col(OrgUnit.id).in_(unit_ids - written)).order_by(col(OrgUnit.code))
        ).scalars()
    )


def my_updates(session: Session, user: User, now: datetime, values: list[OwedValue] | None = None) -> MyUpdates:
    """Everything the person owes now; ``values``: every value owed, when already computed."""
    today = now.date()
    out = MyUpdates(today)
    strategy = current_strategy(session, today)
    if strategy is None or strategy.id is None:
        return out
    if values is None and (user.led_unit_ids or owns_values(session, user)):
        values = owed_values(session, strategy, today)
    out.values = [v for v in values or [] if user.id in v.owners]
    out.actions = [o for o in owed_by(session, user, today) if o.overdue or o.past_due or o.late]
    if user.led_unit_ids:
        period = narrative_period(session, strategy, scope_for(user), now)
        due = Period.parse(period).end + timedelta(days=NARRATIVE_DUE_DAYS)
        out.narratives = [
            OwedNarrative(u, period, due) for u in narratives_missing(session, set(user.led_unit_ids), period)
        ]
    return out


def owns_values(session: Session, user: User) -> bool:
    """Whether an owner of some KPI's values was chosen as this person (leaders owe by default)."""
    return (
        session.execute(select(col(KpiOwner.user_id)).where(col(KpiOwner.user_id) == user.id).limit(1)).first()
        is not None
    )


def people_owing(session: Session, values: list[OwedValue]) -> list[User]:
    """Who may owe something: the owners of values owed, of active actions, and every leader."""
    ids = {i for v in values for i in v.owners}
    ids |= {
        i
        for i in session.execute(
            select(col(Action.owner_id)).where(col(Action.status).in_([s.value for s in ACTIVE_STATUSES]))
        ).scalars()
        if i is not None
    }
    ids |= {
        i
        for i in session.execute(select(col(RoleAssignment.user_id)).where(col(RoleAssignment.role) == Role.LEADER))
        .scalars()
        .all()
        if i is not None
    }
    return [p for p in load_users(session, ids) if p.is_active]


def action_units(session: Session) -> dict[int, set[int]]:
    """Each action's unit and responsible units."""
    out: dict[int, set[int]] = {}
    for action_id, unit_id in session.execute(select(col(Action.id), col(Action.unit_id))).tuples():
        if action_id is not None:
            out[action_id] = {unit_id} if unit_id is not None else set()
    for action_id, unit_id in session.execute(select(col(ActionUnit.action_id), col(ActionUnit.unit_id))).tuples():
        out.setdefault(action_id, set()).add(unit_id)
    return out


@dataclass(frozen=True, slots=True)
class UnitMissing:
    """Overdue updates of one unit, for the strategy office."""

    unit: OrgUnit
    values: int
    actions: int
    narrative: bool
    nobody: int  # values overdue that nobody owns (no owner, no leader up the tree)


def missing_by_unit(session: Session, now: datetime) -> list[UnitMissing]:
    """Per unit with anything overdue: KPI values, action updates and whether its narrative is."""
    today = now.date()
    strategy = current_strategy(session, today)
    if strategy is None or strategy.id is None:
        return []
    units = {u.id: u for u in session.execute(select(OrgUnit).order_by(col(OrgUnit.code))).scalars()}
    values: dict[int, int] = {}
    nobody: dict[int, int] = {}
    for v in owed_values(session, strategy, today):
        if v.overdue(today):
            values[v.unit.id or 0] = values.get(v.unit.id or 0, 0) + 1
            if not v.owners:
                nobody[v.unit.id or 0] = nobody.get(v.unit.id or 0, 0) + 1
    actions: dict[int, int] = {}
    responsible = action_units(session)
    active = list(
        session.execute(select(Action).where(col(Action.status).in_([s.value for s in ACTIVE_STATUSES]))).scalars()
    )
    updates = updates_by_action(session, active)
    for action in active:
        if update_overdue(action, updates.get(action.id or 0, []), today):
            for unit_id in responsible.get(action.id or 0, set()):
                actions[unit_id] = actions.get(unit_id, 0) + 1
    led = set(
        session.execute(select(col(RoleAssignment.unit_id)).where(col(RoleAssignment.role) == Role.LEADER)).scalars()
    ) - {None}
    period = narrative_period(session, strategy, UnitScope(everything=True, roots=frozenset()), now)
    late = Period.parse(period).end + timedelta(days=NARRATIVE_DUE_DAYS) < today
    narratives = {u.id for u in narratives_missing(session, {i for i in led if i}, period)} if late else set()
    return [
        UnitMissing(unit, values.get(uid, 0), actions.get(uid, 0), uid in narratives, nobody.get(uid, 0))
        for uid, unit in units.items()
        if uid is not None and (values.get(uid) or actions.get(uid) or uid in narratives)
    ]
