"""The demo's courses of action followed up: owners, statuses, milestones, progress updates and
links for some of the seed strategy's actions, and the action plans of two faculties (TKD and
HV), closed with the strategy as a careful office would leave them (done, or stopped and carried
on); for the successor strategy (2025–2030), its first institutional actions and TKD's plan, some
behind: updates for the first half of 2026 overdue, a milestone passed."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.demo_action_plans import LEADER, OFFICE, PLANS, SUCCESSOR_PLANS
from indicators.kpi_owners import set_owner
from indicators.models import (
    Action,
    ActionLink,
    ActionMilestone,
    ActionUnit,
    ActionUpdate,
    Goal,
    Kpi,
    SuccessIndicator,
)
from indicators.strategy_tree import find_strategy
from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import User
from maturity.auth.services import find_user_by_email
from maturity.maturity_model.models import Dimension
from maturity.units.models import OrgUnit

STRATEGY = "oslomet-digital-2018"
SUCCESSOR = "oslomet-digital-2025"


def load_demo_actions(session: Session, base_url: str) -> list[str]:
    _load_plans(session, STRATEGY, PLANS)
    _load_plans(session, SUCCESSOR, SUCCESSOR_PLANS)
    return []


def _load_plans(session: Session, code: str, plans: list[dict[str, Any]]) -> None:
    strategy = find_strategy(session, code)
    if strategy is None or strategy.id is None:
        return
    actor = Actor.system("demo")
    goals = {g.code: g for g in session.execute(select(Goal).where(col(Goal.strategy_id) == strategy.id)).scalars()}
    units = dict(session.execute(select(col(OrgUnit.code), col(OrgUnit.id))).tuples().all())
    users = dict(session.execute(select(col(User.email), col(User.id))).tuples().all())
    measures = {
        "indicator": dict(
            session.execute(
                select(col(SuccessIndicator.code), col(SuccessIndicator.id)).where(
                    col(SuccessIndicator.goal_id).in_([g.id for g in goals.values()])
                )
            )
            .tuples()
            .all()
        ),
        "kpi": dict(session.execute(select(col(Kpi.code), col(Kpi.id))).tuples().all()),
        "dimension": dict(
            session.execute(
                select(col(Dimension.code), col(Dimension.id)).where(
                    col(Dimension.model_id) == strategy.maturity_model_id
                )
            )
            .tuples()
            .all()
        ),
    }
    for plan in plans:
        if "goal" in plan:
            goal = goals[plan["goal"]]
            action = Action(
                goal_id=goal.id or 0,
                code=plan["code"],
                title_nb=plan["title"][0],
                title_en=plan["title"][1],
                position=100,
                unit_id=units[plan["unit"]] if plan["unit"] else None,
            )
        else:
            action = session.execute(
                select(Action).where(
                    col(Action.code) == plan["code"], col(Action.goal_id).in_([g.id for g in goals.values()])
                )
            ).scalar_one()
        action.owner_id = users.get(plan["owner"]) if plan["owner"] else None
        action.status, action.start_date, action.due_date = plan["status"], plan["start"], plan["due"]
        session.add(action)
        session.flush()
        assert action.id is not None
        session.add_all(ActionUnit(action_id=action.id, unit_id=units[code]) for code in plan["units"])
        session.add_all(
            ActionMilestone(action_id=action.id, due=due, title_nb=nb, title_en=en, done=done)
            for due, nb, en, done in plan["milestones"]
        )
        author = (
            "Lars Lie <leder@demo.oslomet.no>" if plan["owner"] == LEADER else "Siri Strand <strategi@demo.oslomet.no>"
        )
        session.add_all(
            ActionUpdate(
                action_id=action.id,
                period=period,
                status=status,
                text_nb=nb,
                text_en=en,
                author_label=author,
                author_id=users.get(plan["owner"] or OFFICE),
                created_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
            )
            for period, status, nb, en, day in plan["updates"]
        )
        session.add_all(
            ActionLink(action_id=action.id, direction=direction, **{f"{kind}_id": measures[kind][code]})
            for kind, code, direction in plan["links"]
        )
        session.flush()
        record_event(session, actor, "update", action, label=f"{action.code} plan", after=snapshot(action), note="demo")


# KPI owners of the successor strategy chosen by the office: the institution's data catalogue
# (no leader above it) and one of TKD-IT's values; the rest fall to each unit's leader.
DEMO_OWNERS = (("N53", None, OFFICE), ("N21", "TKD-IT", LEADER))


def load_demo_owners(session: Session, base_url: str) -> list[str]:
    """Owners of some KPIs' values, chosen as the office would (audited)."""
    office = find_user_by_email(session, OFFICE)
    if office is None or find_strategy(session, SUCCESSOR) is None:
        return []
    root = session.execute(select(OrgUnit).where(col(OrgUnit.parent_id).is_(None))).scalars().one()
    for code, unit, owner in DEMO_OWNERS:
        kpi = session.execute(select(Kpi).where(col(Kpi.code) == code)).scalar_one()
        set_owner(session, office, kpi, unit or root.code, owner, Actor.system("demo"))
    return []
