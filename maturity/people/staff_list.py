"""The staff list from HR: people created, updated and (when asked) deactivated from one CSV file.

Columns: employee_number, email, name, unit (a unit code), group (a respondent group code, may be
empty) and optionally login_name (the Feide login name); Norwegian names are accepted too. The
whole file is checked first and every problem is reported with its line, column and value; then
all of it is applied, or nothing. People are matched by employee number; someone without one
(created by hand) whose e-mail address the file names is adopted. Only people with an employee
number are ever deactivated for missing from the file, so hand-made and break-glass accounts
stay. A person already deactivated stays so (reactivating is the office's decision).

Re-importing the same file changes nothing and writes no audit event.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event
from maturity.auth.models import Role, RoleAssignment, User
from maturity.csvio import read_csv
from maturity.errors import N_, InvalidInput, Problem
from maturity.people.groups import group_ids_by_code
from maturity.people.users import EMAIL, deactivate_person, person_record
from maturity.periods import Period
from maturity.units.models import OrgUnit, UnitHeadcount

COLUMNS = ["employee_number", "email", "name", "unit", "group"]
OPTIONAL = ["login_name"]
ALIASES = {
    "ansattnummer": "employee_number",
    "ansattnr": "employee_number",
    "e-post": "email",
    "epost": "email",
    "navn": "name",
    "enhet": "unit",
    "gruppe": "group",
    "feide": "login_name",
    "feidenavn": "login_name",
    "brukernavn": "login_name",
}
_ROLES = cast(Any, User.roles)
FIELDS = ("name", "email", "home_unit_id", "respondent_group_id", "login_name")


@dataclass(frozen=True, slots=True)
class StaffRow:
    line: int
    employee_number: str
    email: str
    name: str
    unit_code: str
    group_code: str
    login_name: str  # empty: keep what the person has (set at their first sign-in)


@dataclass
class StaffPlan:
    """What an import would do; applying it does exactly this."""

    create: list[StaffRow] = field(default_factory=list)
    update: list[tuple[User, StaffRow, list[str]]] = field(default_factory=list)  # person, row, changed fields
    deactivate: list[User] = field(default_factory=list)
    unchanged: int = 0
    inactive_in_file: list[User] = field(default_factory=list)
    headcounts: list[tuple[OrgUnit, int | None, int]] = field(default_factory=list)  # unit, before, after
    headcount_period: str | None = None
    units: dict[str, OrgUnit] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)

    @property
    def changes(self) -> int:
        return len(self.create) + len(self.update) + len(self.deactivate) + len(self.headcounts)


def _rows(data: bytes) -> list[StaffRow]:
    table = read_csv(data, required=COLUMNS, optional=OPTIONAL, aliases=ALIASES)
    return [
        StaffRow(
            line=row.line,
            employee_number=row.get("employee_number"),
            email=row.get("email").lower(),
            name=row.get("name"),
            unit_code=row.get("unit"),
            group_code=row.get("group"),
            login_name=row.get("login_name").lower(),
        )
        for row in table.rows
    ]


def _problem(row: StaffRow, column: str, shown: str, message: str, **params: object) -> Problem:
    return Problem(message, params, line=row.line, column=column, value=shown)


def _check_rows(
    rows: list[StaffRow], units: dict[str, OrgUnit], groups: dict[str, int], people: list[User]
) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[tuple[str, str], int] = {}
    by_number = {u.employee_number: u for u in people if u.employee_number}
    by_email = {u.email: u for u in people}
    by_login = {u.login_name: u for u in people if u.login_name}
    for row in rows:
        for column, value, limit in (
            ("employee_number", row.employee_number, 40),
            ("name", row.name, 200),
            ("login_name", row.login_name, 254),
        ):
            if column != "login_name" and not value:
                problems.append(_problem(row, column, value, N_("The value is missing.")))
            elif len(value) > limit:
                problems.append(
                    _problem(row, column, value, N_("This text is longer than %(limit)s characters."), limit=limit)
                )
        if not EMAIL.match(row.email) or len(row.email) > 254:
            problems.append(
                _problem(row, "email", row.email, N_("%(value)s is not an e-mail address."), value=row.email)
            )
        if row.unit_code not in units:
            problems.append(_problem(row, "unit", row.unit_code, N_("Unknown unit %(value)s."), value=row.unit_code))
        if row.group_code and row.group_code not in groups:
            problems.append(
                _problem(row, "group", row.group_code, N_("Unknown group %(value)s."), value=row.group_code)
            )
        for column, value in (
            ("employee_number", row.employee_number),
            ("email", row.email),
            ("login_name", row.login_name),
        ):
            if not value:
                continue
            seen = first.setdefault((column, value), row.line)
            if seen != row.line:
                problems.append(
                    _problem(
                        row,
                        column,
                        value,
                        N_("%(value)s appears twice (first on line %(first)s)."),
                        value=value,
                        first=seen,
                    )
                )
        # The address or login name may belong to another person already.
        holder = by_number.get(row.employee_number)
        for column, value, index in (("email", row.email, by_email), ("login_name", row.login_name, by_login)):
            other = index.get(value) if value else None
            if other is not None and other is not holder and other.employee_number not in (None, row.employee_number):
                problems.append(
                    _problem(
                        row,
                        column,
                        value,
                        N_("%(value)s belongs to another person already (employee number %(number)s)."),
                        value=value,
                        number=other.employee_number,
                    )
                )
    return problems


def plan_staff_import(
    session: Session, data: bytes, *, deactivate_missing: bool = False, headcount_period: str | None = None
) -> StaffPlan:
    """Read and check the whole file and work out what importing it would change; writes nothing."""
    problems: list[Problem] = []
    if headcount_period:
        try:
            Period.parse(headcount_period)
        except ValueError:
            problems.append(
                Problem(
                    N_("%(value)s is not a period (2024, 2024-S1, 2024-Q3 …)."),
                    {"value": headcount_period},
                    path="headcount_period",
                    value=headcount_period,
                )
            )
    rows = _rows(data)
    units = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    groups = group_ids_by_code(session)
    people = list(session.execute(select(User).options(selectinload(_ROLES))).scalars())
    problems += _check_rows(rows, units, groups, people)
    if problems:
        raise InvalidInput(problems)

    period = str(Period.parse(headcount_period)) if headcount_period else None
    plan = StaffPlan(units=units, groups=groups, headcount_period=period)
    by_number = {u.employee_number: u for u in people if u.employee_number}
    by_email = {u.email: u for u in people if not u.employee_number}
    for row in rows:
        person = by_number.get(row.employee_number) or by_email.get(row.email)
        if person is None:
            plan.create.append(row)
            continue
        wanted = _wanted(row, units, groups, person)
        changed = [name for name in FIELDS if getattr(person, name) != wanted[name]]
        if person.employee_number != row.employee_number:
            changed.append("employee_number")
        if changed:
            plan.update.append((person, row, changed))
        else:
            plan.unchanged += 1
        if not person.is_active:
            plan.inactive_in_file.append(person)
    if deactivate_missing:
        numbers = {row.employee_number for row in rows}
        plan.deactivate = [u for u in people if u.employee_number and u.employee_number not in numbers and u.is_active]
    if plan.headcount_period:
        counts = Counter(row.unit_code for row in rows)
        current = {
            h.unit_id: h.headcount
            for h in session.execute(
                select(UnitHeadcount).where(col(UnitHeadcount.period) == plan.headcount_period)
            ).scalars()
        }
        for code, count in sorted(counts.items()):
            unit = units[code]
            if current.get(unit.id) != count:
                plan.headcounts.append((unit, current.get(unit.id), count))
    return plan


def _wanted(row: StaffRow, units: dict[str, OrgUnit], groups: dict[str, int], person: User | None) -> dict[str, Any]:
    return {
        "name": row.name,
        "email": row.email,
        "home_unit_id": units[row.unit_code].id,
        "respondent_group_id": groups.get(row.group_code) if row.group_code else None,
        # An empty login name keeps the one the person has, filled in at their first sign-in.
        "login_name": row.login_name or (person.login_name if person else None),
    }


def apply_staff_plan(session: Session, plan: StaffPlan, *, actor: Actor) -> None:
    """Do what the plan says, with an audit event per person and headcount changed."""
    for row in plan.create:
        user = User(employee_number=row.employee_number, **_wanted(row, plan.units, plan.groups, None))
        user.roles = [RoleAssignment(role=Role.STAFF)]
        session.add(user)
        session.flush()
        record_event(session, actor, "create", user, label=user.email, after=person_record(user))
    for person, row, _changed in plan.update:
        before = person_record(person)
        for name, value in _wanted(row, plan.units, plan.groups, person).items():
            setattr(person, name, value)
        person.employee_number = row.employee_number
        session.add(person)
        session.flush()
        record_event(session, actor, "update", person, label=person.email, before=before, after=person_record(person))
    for person in plan.deactivate:
        deactivate_person(session, person, actor=actor)
    if plan.headcount_period:
        existing = {
            h.unit_id: h
            for h in session.execute(
                select(UnitHeadcount).where(col(UnitHeadcount.period) == plan.headcount_period)
            ).scalars()
        }
        for unit, old, new in plan.headcounts:
            assert unit.id is not None
            record = existing.get(unit.id) or UnitHeadcount(unit_id=unit.id, period=plan.headcount_period, headcount=0)
            record.headcount = new
            session.add(record)
            record_event(
                session,
                actor,
                "update",
                unit,
                label=unit.code,
                before={"period": plan.headcount_period, "headcount": old},
                after={"period": plan.headcount_period, "headcount": new},
                unit_id=unit.id,
            )
    session.flush()


def import_staff_csv(
    session: Session,
    data: bytes,
    *,
    actor: Actor,
    deactivate_missing: bool = False,
    headcount_period: str | None = None,
    dry_run: bool = False,
) -> StaffPlan:
    """Check the file and, unless ``dry_run``, apply it: all of it or (InvalidInput) nothing."""
    plan = plan_staff_import(session, data, deactivate_missing=deactivate_missing, headcount_period=headcount_period)
    if not dry_run:
        apply_staff_plan(session, plan, actor=actor)
    return plan
