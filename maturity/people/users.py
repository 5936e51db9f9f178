"""People and their roles, managed by the strategy office: list, create, edit, deactivate.

Every change is audited with the person before and after. Two rules keep the office in charge:
nobody changes their own roles or deactivates themselves, and the last active strategy-office
account keeps its role.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import Role, RoleAssignment, User
from maturity.auth.services import end_all_sessions, find_user_by_email, load_user
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import REQUIRED, check_text
from maturity.people.groups import GroupChoice, respondent_groups
from maturity.units.models import OrgUnit

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ROLES = cast(Any, User.roles)


@dataclass(frozen=True, slots=True)
class PeopleFilter:
    q: str = ""
    unit: str = ""  # a unit code
    role: str = ""  # staff, leader, strategy_office
    active: str = ""  # "", "yes", "no"


@dataclass(frozen=True, slots=True)
class PersonRow:
    user: User
    home_unit: OrgUnit | None
    led_units: list[OrgUnit]
    group: GroupChoice | None


def list_people(session: Session, wanted: PeopleFilter) -> list[PersonRow]:
    """The people matching the filter, with home unit, led units and group, in three queries."""
    statement = select(User).options(selectinload(_ROLES)).order_by(col(User.name), col(User.id))
    if wanted.q.strip():
        needle = f"%{wanted.q.strip().lower()}%"
        statement = statement.where(
            or_(
                func.lower(col(User.name)).like(needle),
                col(User.email).like(needle),
                func.coalesce(col(User.login_name), "").like(needle),
                func.lower(func.coalesce(col(User.employee_number), "")).like(needle),
            )
        )
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars()}
    if wanted.unit:
        unit = next((u for u in units.values() if u.code == wanted.unit), None)
        statement = statement.where(col(User.home_unit_id) == (unit.id if unit else -1))
    if wanted.role in {r.value for r in Role}:
        statement = statement.where(
            exists().where(col(RoleAssignment.user_id) == col(User.id), col(RoleAssignment.role) == wanted.role)
        )
    if wanted.active in ("yes", "no"):
        statement = statement.where(col(User.is_active) == (wanted.active == "yes"))
    groups = {g.id: g for g in respondent_groups(session)}
    return [
        PersonRow(
            user=user,
            home_unit=units.get(user.home_unit_id) if user.home_unit_id is not None else None,
            led_units=sorted((units[i] for i in user.led_unit_ids if i in units), key=lambda u: u.code),
            group=groups.get(user.respondent_group_id) if user.respondent_group_id is not None else None,
        )
        for user in session.execute(statement).scalars()
    ]


def get_person(session: Session, user_id: int) -> User:
    user = load_user(session, user_id)
    if user is None:
        raise NotFound
    return user


@dataclass
class PersonForm:
    """What the person form sends; codes for units and groups."""

    name: str = ""
    email: str = ""
    home_unit: str = ""
    group: str = ""
    employee_number: str = ""
    login_name: str = ""
    staff: bool = True
    office: bool = False
    led_units: list[str] = field(default_factory=list)
    break_glass: bool = False

    @classmethod
    def of(cls, session: Session, user: User) -> "PersonForm":
        units = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
        groups = {g.id: g.code for g in respondent_groups(session)}
        return cls(
            name=user.name,
            email=user.email,
            home_unit=units.get(user.home_unit_id, "") if user.home_unit_id else "",
            group=groups.get(user.respondent_group_id, "") if user.respondent_group_id else "",
            employee_number=user.employee_number or "",
            login_name=user.login_name or "",
            staff=user.has_role(Role.STAFF),
            office=user.has_role(Role.STRATEGY_OFFICE),
            led_units=sorted(units[i] for i in user.led_unit_ids if i in units),
            break_glass=user.break_glass,
        )


def person_record(user: User) -> dict[str, Any]:
    """What the audit log keeps of a person: their columns (no password) and roles."""
    return {
        **snapshot(user, exclude=("password_hash", "created_at")),
        "roles": sorted([r.role, r.unit_id or 0] for r in user.roles),
    }


def _role_set(user: User) -> set[tuple[str, int | None]]:
    return {(r.role, r.unit_id) for r in user.roles}


def active_office_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count(func.distinct(col(User.id))))
            .join(RoleAssignment, col(RoleAssignment.user_id) == col(User.id))
            .where(col(User.is_active), col(RoleAssignment.role) == Role.STRATEGY_OFFICE)
        ).scalar_one()
    )


def _check(session: Session, user: User | None, form: PersonForm) -> tuple[list[Problem], dict[str, Any]]:
    """Every problem of the form at once, and the values it resolves to."""
    problems: list[Problem] = []
    name, email = form.name.strip(), form.email.strip().lower()
    employee_number, login_name = form.employee_number.strip(), form.login_name.strip().lower()
    if not name:
        problems.append(Problem(REQUIRED, path="name"))
    problems += check_text("name", name, max_length=200)
    if not EMAIL.match(email) or len(email) > 254:
        problems.append(Problem(N_("%(value)s is not an e-mail address."), {"value": email}, path="email", value=email))
    else:
        other = find_user_by_email(session, email)
        if other is not None and (user is None or other.id != user.id):
            problems.append(
                Problem(N_("A user with e-mail %(value)s already exists."), {"value": email}, path="email", value=email)
            )
    for path, value, column, limit in (
        ("employee_number", employee_number, User.employee_number, 40),
        ("login_name", login_name, User.login_name, 254),
    ):
        problems += check_text(path, value, max_length=limit)
        if value:
            holder = session.execute(select(col(User.id)).where(col(column) == value)).scalars().first()
            if holder is not None and (user is None or holder != user.id):
                problems.append(
                    Problem(N_("Another person already has %(value)s."), {"value": value}, path=path, value=value)
                )
    units = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    for path, code in [("home_unit", form.home_unit.strip()), *(("led_units", c.strip()) for c in form.led_units)]:
        if code and code not in units:
            problems.append(Problem(N_("Unknown unit %(value)s."), {"value": code}, path=path, value=code))
    groups = {g.code: g for g in respondent_groups(session)}
    if form.group.strip() and form.group.strip() not in groups:
        problems.append(
            Problem(N_("Unknown group %(value)s."), {"value": form.group.strip()}, path="group", value=form.group)
        )
    roles: set[tuple[str, int | None]] = set()
    if form.staff:
        roles.add((Role.STAFF, None))
    if form.office:
        roles.add((Role.STRATEGY_OFFICE, None))
    roles |= {(Role.LEADER, units[c.strip()].id) for c in form.led_units if c.strip() in units}
    home = units.get(form.home_unit.strip())
    group = groups.get(form.group.strip())
    values = {
        "name": name,
        "email": email,
        "employee_number": employee_number or None,
        "login_name": login_name or None,
        "home_unit_id": home.id if home else None,
        "respondent_group_id": group.id if group else None,
        "break_glass": form.break_glass,
        "roles": roles,
    }
    return problems, values


def _apply_roles(user: User, roles: set[tuple[str, int | None]]) -> None:
    keep = [r for r in user.roles if (r.role, r.unit_id) in roles]
    have = {(r.role, r.unit_id) for r in keep}
    user.roles = keep + [RoleAssignment(role=role, unit_id=unit_id) for role, unit_id in sorted(roles - have, key=str)]


def save_person(session: Session, user: User | None, form: PersonForm, *, actor: User) -> User:
    """Create (``user`` None) or change a person; all problems at once, nothing changed on any."""
    problems, values = _check(session, user, form)
    roles = values.pop("roles")
    if user is not None and user.id == actor.id and roles != _role_set(user):
        problems.append(Problem(N_("You cannot change your own roles."), path="roles"))
    if user is None and actor.id is None:
        raise AssertionError("an actor is a saved user")
    if (
        user is not None
        and user.is_active
        and user.has_role(Role.STRATEGY_OFFICE)
        and (Role.STRATEGY_OFFICE, None) not in roles
        and active_office_count(session) <= 1
    ):
        problems.append(
            Problem(N_("This is the last active strategy-office account; it keeps the role."), path="office")
        )
    if problems:
        raise InvalidInput(problems)
    before = person_record(user) if user is not None else None
    if user is None:
        user = User(**values)
        user.roles = []
    else:
        for name, value in values.items():
            setattr(user, name, value)
    _apply_roles(user, roles)
    session.add(user)
    session.flush()
    after = person_record(user)
    if before != after:
        record_event(
            session,
            Actor.of(actor),
            "create" if before is None else "update",
            user,
            label=user.email,
            before=before,
            after=after,
        )
    return user


def _guard_office(session: Session, user: User, actor: User) -> None:
    if user.id == actor.id:
        raise InvalidInput([Problem(N_("You cannot deactivate yourself."))])
    if user.is_active and user.has_role(Role.STRATEGY_OFFICE) and active_office_count(session) <= 1:
        raise InvalidInput([Problem(N_("This is the last active strategy-office account; it stays active."))])


def deactivate_person(session: Session, user: User, *, actor: Actor, by: User | None = None) -> None:
    """Deactivate: every open session ends at once; they can no longer log in or sign in.
    ``by``: the person doing it on a page, who may not deactivate themselves or the last office."""
    if by is not None:
        _guard_office(session, user, by)
    if not user.is_active:
        return
    user.is_active = False
    session.add(user)
    end_all_sessions(session, user)
    session.flush()
    record_event(
        session, actor, "deactivate", user, label=user.email, before={"is_active": True}, after={"is_active": False}
    )


def reactivate_person(session: Session, user: User, *, actor: Actor) -> None:
    if user.is_active:
        return
    user.is_active = True
    session.add(user)
    session.flush()
    record_event(
        session, actor, "reactivate", user, label=user.email, before={"is_active": False}, after={"is_active": True}
    )


def unit_choices(session: Session) -> Sequence[OrgUnit]:
    return list(session.execute(select(OrgUnit).order_by(col(OrgUnit.code))).scalars())
