"""Following an action: its progress update per period, its dated milestones, the measures it
links to, and what is late (an update not given, a milestone or the due date passed)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.actions import STATUSES, action_views, manageable_action, may_manage, milestones_after, strategy_of
from indicators.models import (
    ACTIVE_STATUSES,
    Action,
    ActionLink,
    ActionMilestone,
    ActionStatus,
    ActionUpdate,
    Goal,
    Kpi,
    Strategy,
    SuccessIndicator,
)
from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import User
from maturity.db import utcnow
from maturity.errors import N_, NotFound, Problem
from maturity.forms import Choice, FormField, InvalidForm, read_form, texts
from maturity.maturity_model.models import Dimension
from maturity.periods import Frequency, Period

# An update is owed for each half-year (semester) in which an action is under way, within this
# many days after the semester ends.
UPDATE_GRACE_DAYS = 30

UPDATE_FIELDS = (
    FormField("period", N_("Period"), help=N_("The period the update covers: 2025, 2025-S1, 2025-Q3 …"), max_length=10),
    FormField("update_status", N_("Status"), "select", choices=STATUSES),
    *texts("text", N_("What happened (Norwegian)"), N_("What happened (English)"), "textarea", required=False),
)
MILESTONE_FIELDS = (
    FormField("milestone_due", N_("Date"), "date"),
    *texts("milestone_title", N_("Milestone (Norwegian)"), N_("Milestone (English)")),
)
DIRECTIONS = (Choice("increase", N_("Should go up")), Choice("decrease", N_("Should go down")))
LINK_FIELDS = (
    FormField("measure", N_("Measure"), "select", help=N_("A success indicator, KPI or dimension of this strategy.")),
    FormField("direction", N_("Expected direction"), "select", choices=DIRECTIONS),
)


# --- progress updates ---------------------------------------------------------------------------------


def load_updates(session: Session, action_id: int | None) -> list[ActionUpdate]:
    """Newest period first."""
    updates = list(session.execute(select(ActionUpdate).where(col(ActionUpdate.action_id) == action_id)).scalars())
    return sorted(updates, key=lambda u: Period.parse(u.period).end, reverse=True)


def updates_by_action(session: Session, actions: Iterable[Action]) -> dict[int, list[ActionUpdate]]:
    """``load_updates`` of many actions in one statement: by action id, newest period first (an
    action without updates has an empty list)."""
    ids = [a.id for a in actions if a.id is not None]
    out: dict[int, list[ActionUpdate]] = {i: [] for i in ids}
    if not ids:
        return out
    for update in session.execute(select(ActionUpdate).where(col(ActionUpdate.action_id).in_(ids))).scalars():
        out[update.action_id].append(update)
    for updates in out.values():
        updates.sort(key=lambda u: Period.parse(u.period).end, reverse=True)
    return out


def post_update(session: Session, user: User, action_id: int, form: Mapping[str, Any], actor: Actor) -> ActionUpdate:
    """The action's update for a period (a second one for the same period replaces it); the action
    takes the update's status."""
    action = manageable_action(session, user, action_id)
    values, state = read_form(UPDATE_FIELDS, form)
    problems: list[Problem] = []
    period = values["period"]
    if period and not state.errors.get("period"):
        try:
            period = str(Period.parse(period))
        except ValueError:
            problems.append(
                Problem(N_("%(value)s is not a period (2024, 2024-S1, 2024-Q3 …)."), {"value": period}, path="period")
            )
    if not values["text_nb"] and not values["text_en"]:
        problems.append(Problem(N_("Write what happened, in at least one language."), path="text_nb"))
    state.add(problems)
    if state.errors:
        raise InvalidForm(state)
    existing = session.execute(
        select(ActionUpdate).where(col(ActionUpdate.action_id) == action.id, col(ActionUpdate.period) == period)
    ).scalar_one_or_none()
    before = snapshot(existing) if existing else None
    update = existing or ActionUpdate(action_id=action.id, period=period, status=values["update_status"])  # type: ignore[arg-type]  # loaded
    update.status, update.text_nb, update.text_en = values["update_status"], values["text_nb"], values["text_en"]
    update.author_id, update.author_label, update.created_at = actor.user_id, actor.label[:300], utcnow()
    session.add(update)
    if action.status != update.status:
        action.status = update.status
        session.add(action)
    session.flush()
    record_event(
        session,
        actor,
        "update" if before else "create",
        update,
        label=f"{action.code} {period}",
        before=before,
        after=snapshot(update),
        unit_id=action.unit_id,
    )
    return update


# --- milestones ---------------------------------------------------------------------------------------


def add_milestone(
    session: Session, user: User, action_id: int, form: Mapping[str, Any], actor: Actor
) -> ActionMilestone:
    action = manageable_action(session, user, action_id)
    values, state = read_form(MILESTONE_FIELDS, form)
    due = values["milestone_due"]
    if isinstance(due, date):
        problems = milestones_after(action.due_date, [(due, values["milestone_title_en"])], "milestone_due")
        if action.start_date and due < action.start_date:
            problems.append(Problem(N_("The milestone is dated before the action starts."), path="milestone_due"))
        state.add(problems)
    if state.errors:
        raise InvalidForm(state)
    milestone = ActionMilestone(
        action_id=action.id,  # type: ignore[arg-type]  # loaded
        due=due,
        title_nb=values["milestone_title_nb"],
        title_en=values["milestone_title_en"],
    )
    session.add(milestone)
    session.flush()
    record_event(
        session,
        actor,
        "create",
        milestone,
        label=f"{action.code} {due}",
        after=snapshot(milestone),
        unit_id=action.unit_id,
    )
    return milestone


def set_milestone_done(
    session: Session, user: User, action_id: int, milestone_id: int, done: bool, actor: Actor
) -> ActionMilestone:
    action = manageable_action(session, user, action_id)
    milestone = session.get(ActionMilestone, milestone_id)
    if milestone is None or milestone.action_id != action.id:
        raise NotFound(f"milestone {milestone_id}")
    if milestone.done != done:
        before = snapshot(milestone)
        milestone.done = done
        session.add(milestone)
        session.flush()
        record_event(
            session,
            actor,
            "update",
            milestone,
            label=f"{action.code} {milestone.due}",
            before=before,
            after=snapshot(milestone),
            unit_id=action.unit_id,
        )
    return milestone


# --- links to measures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    kind: str  # indicator, kpi, dimension
    id: int
    code: str
    title_nb: str
    title_en: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.code}"

    def tr(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_nb


def strategy_measures(session: Session, strategy: Strategy) -> list[Measure]:
    """What an action of this strategy may link to: its indicators, KPIs and model's dimensions."""
    indicators = session.execute(
        select(SuccessIndicator)
        .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
        .where(col(Goal.strategy_id) == strategy.id)
        .order_by(col(Goal.position), col(SuccessIndicator.position), col(SuccessIndicator.code))
    ).scalars()
    measures = [Measure("indicator", i.id or 0, i.code, i.title_nb, i.title_en) for i in indicators]
    kpis = session.execute(
        select(Kpi)
        .join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
        .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
        .where(col(Goal.strategy_id) == strategy.id)
        .order_by(col(Goal.position), col(SuccessIndicator.position), col(Kpi.position), col(Kpi.code))
    ).scalars()
    measures += [Measure("kpi", k.id or 0, k.code, k.name_nb, k.name_en) for k in kpis]
    if strategy.maturity_model_id is not None:
        dimensions = session.execute(
            select(Dimension)
            .where(col(Dimension.model_id) == strategy.maturity_model_id)
            .order_by(col(Dimension.position))
        ).scalars()
        measures += [Measure("dimension", d.id or 0, d.code, d.name_nb, d.name_en) for d in dimensions]
    return measures


def measure_choices(measures: list[Measure]) -> dict[str, tuple[Choice, ...]]:
    return {"measure": tuple(Choice(m.key, f"{m.code} {m.title_nb}", translate=False) for m in measures)}


def link_key(link: ActionLink, measures: list[Measure]) -> str:
    by_id = {(m.kind, m.id): m.key for m in measures}
    kind, target = link_target(link)
    return by_id.get((kind, target), "")


def link_target(link: ActionLink) -> tuple[str, int]:
    if link.indicator_id is not None:
        return "indicator", link.indicator_id
    if link.kpi_id is not None:
        return "kpi", link.kpi_id
    return "dimension", link.dimension_id or 0


def load_links(session: Session, action_ids: list[int]) -> list[ActionLink]:
    return list(
        session.execute(
            select(ActionLink).where(col(ActionLink.action_id).in_(action_ids)).order_by(col(ActionLink.id))
        ).scalars()
    )


def add_link(session: Session, user: User, action_id: int, form: Mapping[str, Any], actor: Actor) -> ActionLink:
    """Link an action to a measure of its own strategy, with the direction it should move."""
    action = manageable_action(session, user, action_id)
    measures = strategy_measures(session, strategy_of(session, action))
    values, state = read_form(LINK_FIELDS, form, measure_choices(measures))
    if state.errors:
        raise InvalidForm(state)
    measure = next(m for m in measures if m.key == values["measure"])
    if any(link_key(link, measures) == measure.key for link in load_links(session, [action.id or 0])):
        state.add([Problem(N_("The action already links to %(value)s."), {"value": measure.code}, path="measure")])
        raise InvalidForm(state)
    link = ActionLink(action_id=action.id, direction=values["direction"], **{f"{measure.kind}_id": measure.id})  # type: ignore[arg-type]  # loaded
    session.add(link)
    session.flush()
    record_event(
        session,
        actor,
        "create",
        link,
        label=f"{action.code} → {measure.code}",
        after=snapshot(link),
        unit_id=action.unit_id,
    )
    return link


def remove_link(session: Session, user: User, action_id: int, link_id: int, actor: Actor) -> None:
    action = manageable_action(session, user, action_id)
    link = session.get(ActionLink, link_id)
    if link is None or link.action_id != action.id:
        raise NotFound(f"link {link_id}")
    record_event(session, actor, "delete", link, label=f"{action.code}", before=snapshot(link), unit_id=action.unit_id)
    session.delete(link)
    session.flush()


# --- what is late -------------------------------------------------------------------------------------


def last_semester_owed(today: date) -> Period:
    """The latest half-year whose update is owed by today (its end plus the grace days passed)."""
    period = Period(today.year, Frequency.SEMESTER, 2 if today.month > 6 else 1)
    while period.end + timedelta(days=UPDATE_GRACE_DAYS) >= today:
        period = period.previous()
    return period


def update_overdue(action: Action, updates: list[ActionUpdate], today: date) -> Period | None:
    """The half-year an action under way owes an update for and has not given, if any."""
    if action.status not in (ActionStatus.IN_PROGRESS, ActionStatus.PAUSED):
        return None
    owed = last_semester_owed(today)
    if action.start_date is not None and action.start_date > owed.end:
        return None
    covered = any(Period.parse(u.period).end >= owed.end for u in updates)
    return None if covered else owed


def past_due(action: Action, today: date) -> bool:
    return action.status in ACTIVE_STATUSES and action.due_date is not None and action.due_date < today


def late_milestones(milestones: list[ActionMilestone], today: date) -> list[ActionMilestone]:
    return [m for m in milestones if not m.done and m.due < today]


@dataclass
class OwedUpdate:
    """An action whose follow-up someone owes: its update for a half-year, its due date, milestones."""

    action: Action
    overdue: Period | None
    past_due: bool
    late: list[ActionMilestone]


def owed_by(session: Session, user: User, today: date) -> list[OwedUpdate]:
    """What the person owes on the actions they are responsible for (as owner) or manage as a
    leader: the actions under way with an update overdue, a due date passed or a milestone late."""
    candidates = list(
        session.execute(
            select(Action)
            .where(col(Action.status).in_([s.value for s in ACTIVE_STATUSES]))
            .order_by(col(Action.due_date), col(Action.code))
        ).scalars()
    )
    mine = [a for a in candidates if a.owner_id == user.id or (user.led_unit_ids and may_manage(session, user, a))]
    out = []
    updates = updates_by_action(session, mine)
    for view in action_views(session, user, mine):
        a = view.action
        owed = OwedUpdate(
            a,
            update_overdue(a, updates.get(a.id or 0, []), today),
            past_due(a, today),
            late_milestones(view.milestones, today),
        )
        if owed.overdue or owed.past_due or owed.late:
            out.append(owed)
    return out
