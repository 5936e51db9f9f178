"""Courses of action: who may read and manage which, creating and editing them, and closing them.

An action belongs to a goal: the institution's own (no ``unit_id``) or a unit's, in that unit's
action plan. The strategy office manages every action; a leader those of the units they lead
(a unit's own action of a unit in their subtrees, or an institutional one whose responsible
units all lie there); everyone reads the institution's actions and those of units they see.
Progress updates, milestones and links are in ``indicators/action_progress.py``."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from indicators.models import Action, ActionMilestone, ActionStatus, ActionUnit, Goal, Strategy
from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import Role, User
from maturity.auth.services import scope_for
from maturity.errors import N_, NotFound, Problem
from maturity.forms import Choice, FormData, FormField, FormState, InvalidForm, read_form, texts
from maturity.units.models import OrgUnit

STATUSES = (
    Choice(ActionStatus.PLANNED, N_("Planned")),
    Choice(ActionStatus.IN_PROGRESS, N_("In progress")),
    Choice(ActionStatus.DONE, N_("Done")),
    Choice(ActionStatus.PAUSED, N_("Paused")),
    Choice(ActionStatus.STOPPED, N_("Stopped")),
)
STATUS_LABELS = {c.value: c.label for c in STATUSES}
CLOSING = (ActionStatus.DONE, ActionStatus.STOPPED)

ACTION_FIELDS = (
    FormField("code", N_("Code"), "code", help=N_("Letters, digits, '.', '_' or '-'; unique under the goal.")),
    *texts("title", N_("Title (Norwegian)"), N_("Title (English)"), "textarea", max_length=2000),
    FormField(
        "unit",
        N_("Action plan of"),
        "select",
        required=False,
        help=N_("A unit's own action under the institution's goal; empty for the institution's."),
    ),
    FormField("units", N_("Responsible units"), "checkboxes", required=False),
    FormField(
        "owner",
        N_("Responsible person"),
        required=False,
        max_length=254,
        help=N_("The e-mail address of a person with an account."),
    ),
    FormField("status", N_("Status"), "select", choices=STATUSES),
    FormField("start_date", N_("Starts"), "date", required=False),
    FormField("due_date", N_("Due"), "date", required=False),
)


@dataclass
class ActionView:
    """An action with what pages show beside it, loaded in a few queries."""

    action: Action
    goal: Goal
    unit: OrgUnit | None
    units: list[OrgUnit]
    owner: User | None
    milestones: list[ActionMilestone] = field(default_factory=list)
    can_manage: bool = False


# --- who may do what ---------------------------------------------------------------------------------


def _scope_ids(session: Session, user: User) -> set[int] | None:
    """The ids of the units the user sees; None for everything."""
    scope = scope_for(user)
    if scope.everything:
        return None
    return {i for i in session.execute(scope.unit_ids()).scalars() if i is not None}


def responsible_unit_ids(session: Session, action_id: int | None) -> list[int]:
    return list(
        session.execute(select(col(ActionUnit.unit_id)).where(col(ActionUnit.action_id) == action_id)).scalars()
    )


def may_manage(session: Session, user: User, action: Action, responsible: list[int] | None = None) -> bool:
    if user.has_role(Role.STRATEGY_OFFICE):
        return True
    if not user.led_unit_ids:
        return False
    seen = _scope_ids(session, user) or set()
    if action.unit_id is not None:
        return action.unit_id in seen
    responsible = responsible_unit_ids(session, action.id) if responsible is None else responsible
    return bool(responsible) and set(responsible) <= seen


def may_read(session: Session, user: User, action: Action) -> bool:
    if action.unit_id is None:
        return True
    seen = _scope_ids(session, user)
    return seen is None or action.unit_id in seen


def readable_action(session: Session, user: User, action_id: int) -> Action:
    action = session.get(Action, action_id)
    if action is None or not may_read(session, user, action):
        raise NotFound(f"action {action_id}")
    return action


def manageable_action(session: Session, user: User, action_id: int) -> Action:
    """The action if the user manages it; NotFound otherwise (never 'forbidden')."""
    action = session.get(Action, action_id)
    if action is None or not may_manage(session, user, action):
        raise NotFound(f"action {action_id}")
    return action


def strategy_of(session: Session, action: Action) -> Strategy:
    goal = session.get_one(Goal, action.goal_id)
    return session.get_one(Strategy, goal.strategy_id)


# --- the form ----------------------------------------------------------------------------------------


def action_choices(session: Session, user: User) -> dict[str, tuple[Choice, ...]]:
    """Units the user may give an action to: all for the office, the led subtrees for a leader."""
    seen = _scope_ids(session, user)
    statement = select(OrgUnit).order_by(col(OrgUnit.code))
    if seen is not None:
        statement = statement.where(col(OrgUnit.id).in_(seen))
    units = tuple(
        Choice(u.code, f"{u.code} {u.name_nb}", translate=False) for u in session.execute(statement).scalars()
    )
    blank = (Choice("", N_("The institution")),) if seen is None else ()
    return {"unit": blank + units, "units": units}


def form_from_action(session: Session, action: Action) -> FormState:
    codes = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
    owner = session.get(User, action.owner_id) if action.owner_id else None
    return FormState(
        {
            "code": action.code,
            "title_nb": action.title_nb,
            "title_en": action.title_en,
            "unit": codes.get(action.unit_id, "") if action.unit_id else "",
            "units": [codes[i] for i in responsible_unit_ids(session, action.id)],
            "owner": owner.email if owner else "",
            "status": action.status,
            "start_date": action.start_date.isoformat() if action.start_date else "",
            "due_date": action.due_date.isoformat() if action.due_date else "",
        }
    )


def new_action_form(session: Session, user: User) -> FormState:
    """A leader's new action is their unit's own; the first unit they lead is the plan's."""
    values: dict[str, Any] = {"status": ActionStatus.PLANNED.value, "units": []}
    if not user.has_role(Role.STRATEGY_OFFICE) and user.led_unit_ids:
        codes = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
        values["unit"] = codes[min(user.led_unit_ids)]
        values["units"] = [values["unit"]]
    return FormState(values)


def check_dates(start: date | None, due: date | None, path: str = "due_date") -> list[Problem]:
    if start is not None and due is not None and due < start:
        return [Problem(N_("The due date is before the start."), path=path, value=due.isoformat())]
    return []


def milestones_after(due: date | None, milestones: list[tuple[date, str]], path: str) -> list[Problem]:
    """Milestones dated after the action's due date."""
    if due is None:
        return []
    return [
        Problem(
            N_("The milestone %(value)s is dated after the action's due date (%(due)s)."),
            {"value": f"{day.isoformat()} {title}".strip(), "due": due.isoformat()},
            path=path,
            value=day.isoformat(),
        )
        for day, title in milestones
        if day > due
    ]


def find_owner(session: Session, email: str) -> User | None:
    return session.execute(select(User).where(col(User.email) == email.strip().lower())).scalars().first()


def _read_action_form(
    session: Session, user: User, goal: Goal, form: FormData, action: Action | None
) -> tuple[dict[str, Any], list[int], FormState]:
    values, state = read_form(ACTION_FIELDS, form, action_choices(session, user))
    problems: list[Problem] = []
    units = dict(session.execute(select(col(OrgUnit.code), col(OrgUnit.id))).tuples().all())
    plan_code = values.pop("unit")
    values["unit_id"] = units.get(plan_code) if plan_code else None
    responsible = [units[c] for c in values.pop("units") if c in units]
    if not user.has_role(Role.STRATEGY_OFFICE):
        if values["unit_id"] is None and not state.errors.get("unit"):
            problems.append(Problem(N_("Choose the unit whose action plan this is."), path="unit"))
        if values["unit_id"] is not None and not responsible:
            responsible = [values["unit_id"]]
    owner_email = values.pop("owner")
    values["owner_id"] = None
    if owner_email:
        owner = find_owner(session, owner_email)
        if owner is None:
            problems.append(
                Problem(
                    N_("Nobody has the address %(value)s."), {"value": owner_email}, path="owner", value=owner_email
                )
            )
        else:
            values["owner_id"] = owner.id
    problems += check_dates(values.get("start_date"), values.get("due_date"))
    if action is not None:
        kept = [(m.due, m.title_en) for m in load_milestones(session, action.id)]
        problems += milestones_after(values.get("due_date"), kept, "due_date")
    if values.get("code") and not state.errors.get("code"):
        statement = (
            select(func.count())
            .select_from(Action)
            .where(col(Action.goal_id) == goal.id, col(Action.code) == values["code"])
        )
        if action is not None:
            statement = statement.where(col(Action.id) != action.id)
        if session.execute(statement).scalar_one():
            problems.append(Problem(N_("Another item here already has this value."), path="code", value=values["code"]))
    state.add(problems)
    return values, responsible, state


def load_milestones(session: Session, action_id: int | None) -> list[ActionMilestone]:
    return list(
        session.execute(
            select(ActionMilestone)
            .where(col(ActionMilestone.action_id) == action_id)
            .order_by(col(ActionMilestone.due), col(ActionMilestone.id))
        ).scalars()
    )


def _audit_state(session: Session, action: Action, responsible: list[int]) -> dict[str, Any]:
    codes = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
    return {**snapshot(action), "units": sorted(codes[i] for i in responsible)}


def _set_units(session: Session, action: Action, responsible: list[int]) -> None:
    session.execute(delete(ActionUnit).where(col(ActionUnit.action_id) == action.id))
    assert action.id is not None
    session.add_all(ActionUnit(action_id=action.id, unit_id=unit_id) for unit_id in sorted(set(responsible)))
    session.flush()


# --- writing -----------------------------------------------------------------------------------------


def create_action(session: Session, user: User, goal_id: int, form: Mapping[str, Any], actor: Actor) -> Action:
    """A new action under a goal: the office anywhere, a leader in the action plan of a unit they lead."""
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise NotFound(f"goal {goal_id}")
    values, responsible, state = _read_action_form(session, user, goal, form, None)
    if state.errors:
        raise InvalidForm(state)
    position = session.execute(select(func.max(col(Action.position))).where(col(Action.goal_id) == goal.id)).scalar()
    action = Action(goal_id=goal.id, **values, position=0 if position is None else position + 1)  # type: ignore[arg-type]  # goal loaded
    if not may_manage(session, user, action, sorted(set(responsible))):
        raise NotFound(f"goal {goal_id}")  # not theirs to plan for: the form's choices already say so
    session.add(action)
    session.flush()
    _set_units(session, action, responsible)
    record_event(
        session,
        actor,
        "create",
        action,
        label=f"{action.code} {action.title_en}",
        after=_audit_state(session, action, responsible),
        unit_id=action.unit_id,
    )
    return action


def update_action(session: Session, user: User, action_id: int, form: Mapping[str, Any], actor: Actor) -> Action:
    action = manageable_action(session, user, action_id)
    goal = session.get_one(Goal, action.goal_id)
    values, responsible, state = _read_action_form(session, user, goal, form, action)
    if state.errors:
        raise InvalidForm(state)
    before = _audit_state(session, action, responsible_unit_ids(session, action.id))
    for name, value in values.items():
        setattr(action, name, value)
    if not may_manage(session, user, action, sorted(set(responsible))):
        # a leader cannot give their action away to a unit they do not lead
        state.add([Problem(N_("Choose units you lead."), path="units")])
        session.expire(action)
        raise InvalidForm(state)
    session.add(action)
    session.flush()
    _set_units(session, action, responsible)
    after = _audit_state(session, action, responsible)
    if before != after:
        record_event(
            session,
            actor,
            "update",
            action,
            label=f"{action.code} {action.title_en}",
            before=before,
            after=after,
            unit_id=action.unit_id,
        )
    return action


def close_action(session: Session, user: User, action_id: int, status: str, actor: Actor) -> Action:
    """Mark an action done or stopped."""
    action = manageable_action(session, user, action_id)
    if status not in CLOSING:
        raise InvalidForm(FormState({}, {"status": [Problem(N_("Choose one of the options."), path="status")]}))
    if action.status != status:
        before = snapshot(action)
        action.status = status
        session.add(action)
        session.flush()
        record_event(
            session,
            actor,
            "close",
            action,
            label=f"{action.code} {action.title_en}",
            before=before,
            after=snapshot(action),
            unit_id=action.unit_id,
        )
    return action


# --- reading -----------------------------------------------------------------------------------------


def action_views(session: Session, user: User, actions: list[Action]) -> list[ActionView]:
    """Views of the actions (the caller has checked they may be read), in a few queries."""
    ids = [a.id for a in actions]
    goals = {
        g.id: g for g in session.execute(select(Goal).where(col(Goal.id).in_({a.goal_id for a in actions}))).scalars()
    }
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars()}
    responsible: dict[int, list[int]] = {}
    for action_id, unit_id in session.execute(
        select(col(ActionUnit.action_id), col(ActionUnit.unit_id)).where(col(ActionUnit.action_id).in_(ids))
    ).tuples():
        responsible.setdefault(action_id, []).append(unit_id)
    owner_ids = {a.owner_id for a in actions if a.owner_id}
    owners = {u.id: u for u in session.execute(select(User).where(col(User.id).in_(owner_ids))).scalars()}
    milestones: dict[int, list[ActionMilestone]] = {}
    for m in session.execute(
        select(ActionMilestone)
        .where(col(ActionMilestone.action_id).in_(ids))
        .order_by(col(ActionMilestone.due), col(ActionMilestone.id))
    ).scalars():
        milestones.setdefault(m.action_id, []).append(m)
    seen = _scope_ids(session, user)
    leads = bool(user.led_unit_ids)
    views = []
    for a in actions:
        mine = sorted(responsible.get(a.id or 0, []))
        if seen is None:
            manage = True
        elif not leads:
            manage = False
        elif a.unit_id is not None:
            manage = a.unit_id in seen
        else:
            manage = bool(mine) and set(mine) <= seen
        views.append(
            ActionView(
                a,
                goals[a.goal_id],
                units.get(a.unit_id) if a.unit_id else None,
                sorted((units[i] for i in mine), key=lambda u: u.code),
                owners.get(a.owner_id) if a.owner_id else None,
                milestones.get(a.id or 0, []),
                manage,
            )
        )
    return views


def strategy_actions(session: Session, user: User, strategy_id: int, unit_code: str | None = None) -> list[Action]:
    """The actions of a strategy the user may read, in goal order; with ``unit_code`` only that
    unit's action plan (and ``""`` only the institution's)."""
    statement = (
        select(Action)
        .join(Goal, col(Goal.id) == col(Action.goal_id))
        .where(col(Goal.strategy_id) == strategy_id)
        .order_by(col(Goal.position), col(Goal.code), col(Action.position), col(Action.code))
    )
    seen = _scope_ids(session, user)
    if seen is not None:
        statement = statement.where(col(Action.unit_id).is_(None) | col(Action.unit_id).in_(seen))
    if unit_code == "":
        statement = statement.where(col(Action.unit_id).is_(None))
    elif unit_code:
        statement = statement.where(col(Action.unit_id) == readable_unit_id(session, user, unit_code))
    return list(session.execute(statement).scalars())


def readable_unit_id(session: Session, user: User, unit_code: str) -> int:
    """The unit's id; a unit outside what the user may read answers like an unknown one (404)."""
    unit_id = session.execute(select(col(OrgUnit.id)).where(col(OrgUnit.code) == unit_code)).scalar()
    seen = _scope_ids(session, user)
    if unit_id is None or (seen is not None and unit_id not in seen):
        raise NotFound(unit_code)
    return unit_id


def goals_for_new_action(session: Session, strategy_id: int) -> list[Goal]:
    return list(
        session.execute(
            select(Goal).where(col(Goal.strategy_id) == strategy_id).order_by(col(Goal.position), col(Goal.code))
        ).scalars()
    )
