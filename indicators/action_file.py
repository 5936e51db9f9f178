"""Courses of action in the strategy file: what the file says of each (plan unit, responsible
units and person, status, dates, milestones, progress updates, links to measures), its checks,
applying it and writing it back. An action that only has a code and a title is written as
before, so older files stay as they were."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from indicators.actions import check_dates, milestones_after
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
from indicators.schemas import ActionSpec, StrategyFile
from maturity.audit.services import Actor, record_event
from maturity.auth.models import User
from maturity.errors import N_, Problem
from maturity.periods import Period
from maturity.units.models import OrgUnit

# --- writing -------------------------------------------------------------------------------------------


@dataclass
class ActionDetails:
    units: dict[int, list[int]] = field(default_factory=dict)
    milestones: dict[int, list[ActionMilestone]] = field(default_factory=dict)
    updates: dict[int, list[ActionUpdate]] = field(default_factory=dict)
    links: dict[int, list[ActionLink]] = field(default_factory=dict)


def load_details(session: Session, action_ids: list[int]) -> ActionDetails:
    """Responsible units, milestones, updates and links of these actions, one query each."""
    details = ActionDetails()
    for action_id, unit_id in session.execute(
        select(col(ActionUnit.action_id), col(ActionUnit.unit_id)).where(col(ActionUnit.action_id).in_(action_ids))
    ).tuples():
        details.units.setdefault(action_id, []).append(unit_id)
    for m in session.execute(
        select(ActionMilestone)
        .where(col(ActionMilestone.action_id).in_(action_ids))
        .order_by(col(ActionMilestone.due), col(ActionMilestone.id))
    ).scalars():
        details.milestones.setdefault(m.action_id, []).append(m)
    for u in session.execute(select(ActionUpdate).where(col(ActionUpdate.action_id).in_(action_ids))).scalars():
        details.updates.setdefault(u.action_id, []).append(u)
    for updates in details.updates.values():
        updates.sort(key=lambda u: Period.parse(u.period).end)
    for link in session.execute(
        select(ActionLink).where(col(ActionLink.action_id).in_(action_ids)).order_by(col(ActionLink.id))
    ).scalars():
        details.links.setdefault(link.action_id, []).append(link)
    return details


@dataclass
class Codes:
    """Codes by id of what actions name."""

    units: dict[int, str]
    users: dict[int, str]
    indicators: dict[int, str]
    kpis: dict[int, str]
    dimensions: dict[int, str]


def codes_for(session: Session, strategy_id: int, dimensions: dict[int, str]) -> Codes:
    goal_ids = select(col(Goal.id)).where(col(Goal.strategy_id) == strategy_id)
    indicator_rows = session.execute(
        select(col(SuccessIndicator.id), col(SuccessIndicator.code)).where(col(SuccessIndicator.goal_id).in_(goal_ids))
    ).tuples()
    indicators = dict(indicator_rows.all())
    kpis = dict(
        session.execute(select(col(Kpi.id), col(Kpi.code)).where(col(Kpi.indicator_id).in_(list(indicators))))
        .tuples()
        .all()
    )
    return Codes(
        units=dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all()),
        users=dict(session.execute(select(col(User.id), col(User.email))).tuples().all()),
        indicators=indicators,
        kpis=kpis,
        dimensions=dimensions,
    )


def _link_data(link: ActionLink, codes: Codes) -> dict[str, Any]:
    if link.indicator_id is not None:
        target = {"indicator": codes.indicators[link.indicator_id]}
    elif link.kpi_id is not None:
        target = {"kpi": codes.kpis[link.kpi_id]}
    else:
        target = {"dimension": codes.dimensions[link.dimension_id or 0]}
    return {**target, "direction": link.direction}


def action_as_data(action: Action, details: ActionDetails, codes: Codes) -> dict[str, Any]:
    a_id = action.id or 0
    data: dict[str, Any] = {"code": action.code, "title": {"nb": action.title_nb, "en": action.title_en}}
    if action.unit_id is not None:
        data["unit"] = codes.units[action.unit_id]
    if details.units.get(a_id):
        data["responsible_units"] = sorted(codes.units[u] for u in details.units[a_id])
    if action.owner_id is not None and action.owner_id in codes.users:
        data["owner"] = codes.users[action.owner_id]
    if action.status != "planned":
        data["status"] = action.status
    if action.start_date is not None:
        data["start"] = action.start_date
    if action.due_date is not None:
        data["due"] = action.due_date
    if details.milestones.get(a_id):
        data["milestones"] = [
            {"due": m.due, "title": {"nb": m.title_nb, "en": m.title_en}, **({"done": True} if m.done else {})}
            for m in details.milestones[a_id]
        ]
    if details.updates.get(a_id):
        data["updates"] = [
            {
                "period": u.period,
                "status": u.status,
                "text": {"nb": u.text_nb, "en": u.text_en},
                "by": u.author_label,
                "at": u.created_at.astimezone(UTC).isoformat(),
            }
            for u in details.updates[a_id]
        ]
    if details.links.get(a_id):
        data["links"] = [_link_data(link, codes) for link in details.links[a_id]]
    return data


# --- checking ------------------------------------------------------------------------------------------


def check_file_actions(
    spec: StrategyFile, units: set[str], emails: set[str], dimension_codes: set[str]
) -> Iterator[Problem]:
    """Each action's units and owner known, dates in order, milestones by the due date, updates
    one per period, links to a measure of this strategy."""
    indicators = {i.code for g in spec.strategy.goals for i in g.indicators}
    kpis = {k.code for g in spec.strategy.goals for i in g.indicators for k in i.kpis}
    for i, goal in enumerate(spec.strategy.goals):
        for j, action in enumerate(goal.actions):
            yield from _check_action(
                action, f"goals[{i}].actions[{j}]", units, emails, (indicators, kpis, dimension_codes)
            )


def _check_action(
    action: ActionSpec,
    where: str,
    units: set[str],
    emails: set[str],
    measures: tuple[set[str], set[str], set[str]],
) -> Iterator[Problem]:
    for path, code in [("unit", action.unit)] + [
        (f"responsible_units[{n}]", c) for n, c in enumerate(action.responsible_units)
    ]:
        if code is not None and code not in units:
            yield Problem(N_("Unknown unit %(value)s."), {"value": code}, path=f"{where}.{path}", value=code)
    if action.owner and action.owner.lower() not in emails:
        yield Problem(
            N_("Nobody has the address %(value)s."), {"value": action.owner}, path=f"{where}.owner", value=action.owner
        )
    yield from check_dates(action.start, action.due, f"{where}.due")
    yield from milestones_after(action.due, [(m.due, m.title.en) for m in action.milestones], f"{where}.milestones")
    periods: list[str] = []
    for n, update in enumerate(action.updates):
        try:
            period = str(Period.parse(update.period))
        except ValueError:
            yield Problem(
                N_("%(value)s is not a period (2024, 2024-S1, 2024-Q3 …)."),
                {"value": update.period},
                path=f"{where}.updates[{n}].period",
                value=update.period,
            )
            continue
        if period in periods:
            yield Problem(
                N_("Two updates for the period %(value)s."),
                {"value": period},
                path=f"{where}.updates[{n}].period",
                value=period,
            )
        periods.append(period)
        if update.at.tzinfo is None:
            yield Problem(N_("Give the time with its offset (Z or +01:00)."), path=f"{where}.updates[{n}].at")
    indicators, kpis, dimensions = measures
    for n, link in enumerate(action.links):
        path = f"{where}.links[{n}]"
        named = [
            (kind, code)
            for kind, code in (("indicator", link.indicator), ("kpi", link.kpi), ("dimension", link.dimension))
            if code
        ]
        if len(named) != 1:
            yield Problem(N_("A link names exactly one indicator, KPI or dimension."), path=path)
            continue
        kind, code = named[0]
        known = {"indicator": indicators, "kpi": kpis, "dimension": dimensions}[kind]
        if code not in known:
            yield Problem(
                N_("%(value)s is not a measure of this strategy."), {"value": code}, path=f"{path}.{kind}", value=code
            )


# --- applying ------------------------------------------------------------------------------------------


def action_fields(action: ActionSpec, units: dict[str, int], users: dict[str, int]) -> dict[str, Any]:
    """The action's own columns as the file gives them."""
    return {
        "unit_id": units[action.unit] if action.unit else None,
        "owner_id": users[action.owner.lower()] if action.owner else None,
        "status": action.status,
        "start_date": action.start,
        "due_date": action.due,
    }


def _details_of(action_id: int, details: ActionDetails, codes: Codes) -> dict[str, Any]:
    """What the file says of an action beyond its columns, for comparing and for the log."""
    a = Action(id=action_id, goal_id=0, code="", title_nb="", title_en="", status="planned")
    data = action_as_data(a, details, codes)
    return {k: data[k] for k in ("responsible_units", "milestones", "updates", "links") if k in data}


def _wanted(spec: ActionSpec) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if spec.responsible_units:
        data["responsible_units"] = sorted(set(spec.responsible_units))
    if spec.milestones:
        data["milestones"] = [
            {"due": m.due, "title": {"nb": m.title.nb, "en": m.title.en}, **({"done": True} if m.done else {})}
            for m in sorted(spec.milestones, key=lambda m: m.due)
        ]
    if spec.updates:
        data["updates"] = [
            {
                "period": str(Period.parse(u.period)),
                "status": u.status,
                "text": {"nb": u.text.nb, "en": u.text.en},
                "by": u.by,
                "at": u.at.astimezone(UTC).isoformat(),
            }
            for u in sorted(spec.updates, key=lambda u: Period.parse(u.period).end)
        ]
    if spec.links:
        data["links"] = [
            {k: v for k, v in link.model_dump().items() if v is not None and k != "direction"}
            | {"direction": link.direction}
            for link in spec.links
        ]
    return data


def replace_action_details(
    session: Session, actor: Actor, action: Action, spec: ActionSpec, codes: Codes, users: dict[str, int]
) -> bool:
    """The file's responsible units, milestones, updates and links replace the action's, logged
    as one change; nothing is done when they are the same. True when something changed."""
    assert action.id is not None
    old = load_details(session, [action.id])
    before, after = _details_of(action.id, old, codes), _wanted(spec)
    if before == after:
        return False
    for model in (ActionUnit, ActionMilestone, ActionUpdate, ActionLink):
        session.execute(delete(model).where(col(model.action_id) == action.id))
    units = {code: unit_id for unit_id, code in codes.units.items()}
    session.add_all(ActionUnit(action_id=action.id, unit_id=units[c]) for c in after.get("responsible_units", []))
    session.add_all(
        ActionMilestone(action_id=action.id, due=m.due, title_nb=m.title.nb, title_en=m.title.en, done=m.done)
        for m in spec.milestones
    )
    session.add_all(
        ActionUpdate(
            action_id=action.id,
            period=str(Period.parse(u.period)),
            status=u.status,
            text_nb=u.text.nb,
            text_en=u.text.en,
            author_label=u.by,
            author_id=_author(u.by, users),
            created_at=u.at,
        )
        for u in spec.updates
    )
    ids = {
        "indicator": {c: i for i, c in codes.indicators.items()},
        "kpi": {c: i for i, c in codes.kpis.items()},
        "dimension": {c: i for i, c in codes.dimensions.items()},
    }
    for link in spec.links:
        kind, code = next(
            (k, v) for k, v in (("indicator", link.indicator), ("kpi", link.kpi), ("dimension", link.dimension)) if v
        )
        session.add(ActionLink(action_id=action.id, direction=link.direction, **{f"{kind}_id": ids[kind][code]}))
    session.flush()
    record_event(
        session,
        actor,
        "update",
        action,
        label=f"{action.code} plan",
        before=_json(before),
        after=_json(after),
        note="import",
        unit_id=action.unit_id,
    )
    return True


def _author(label: str, users: dict[str, int]) -> int | None:
    """The person a log label (``Name <address>``) or a bare address names, if they have an account."""
    address = label.rsplit("<", 1)[-1].rstrip(">").strip().lower()
    return users.get(address)


def _json(data: dict[str, Any]) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value.isoformat() if isinstance(value, datetime) or hasattr(value, "isoformat") else value

    return {k: plain(v) for k, v in data.items()}
