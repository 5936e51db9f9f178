"""Who owes a unit's values of a KPI: the owner chosen for that KPI and unit, or by default the
unit's leader (the nearest leader up the tree: a leader's role covers the subtree)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, KpiOwner
from maturity.audit.services import Actor, record_event
from maturity.auth.models import Role, RoleAssignment, User
from maturity.auth.services import scope_for
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.units.models import OrgUnit
from maturity.units.services import get_unit, subtree_ids


@dataclass(frozen=True, slots=True)
class OwnerRow:
    """A unit of the KPI's owner page: its owner (chosen or by default) and who may be chosen."""

    unit: OrgUnit
    chosen: User | None  # None: the default
    owners: tuple[User, ...]  # who owes the values now: the chosen one or the leaders
    candidates: tuple[User, ...]


def explicit_owners(session: Session, kpi_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """(KPI id, unit id) → the chosen owner's user id."""
    return {
        (kpi_id, unit_id): user_id
        for kpi_id, unit_id, user_id in session.execute(
            select(col(KpiOwner.kpi_id), col(KpiOwner.unit_id), col(KpiOwner.user_id)).where(
                col(KpiOwner.kpi_id).in_(list(kpi_ids))
            )
        ).tuples()
    }


def unit_leaders(session: Session, units: Mapping[int, OrgUnit]) -> dict[int, list[int]]:
    """Each unit's default owners: the active leaders of the unit, else of its nearest ancestor
    with one (empty when no unit up the tree has a leader)."""
    own: dict[int, list[int]] = {}
    for unit_id, user_id in session.execute(
        select(col(RoleAssignment.unit_id), col(RoleAssignment.user_id))
        .join(User, col(User.id) == col(RoleAssignment.user_id))
        .where(col(RoleAssignment.role) == Role.LEADER, col(User.is_active))
        .order_by(col(RoleAssignment.user_id))
    ).tuples():
        if unit_id is not None and user_id is not None:
            own.setdefault(unit_id, []).append(user_id)
    out: dict[int, list[int]] = {}
    for unit_id, unit in units.items():
        walk: OrgUnit | None = unit
        while walk is not None and walk.id not in own:
            walk = units.get(walk.parent_id) if walk.parent_id is not None else None
        out[unit_id] = own[walk.id] if walk is not None and walk.id is not None else []
    return out


def owners_for(
    explicit: Mapping[tuple[int, int], int], leaders: Mapping[int, list[int]], kpi_id: int, unit_id: int
) -> list[int]:
    """Who owes the KPI's values of the unit: the chosen owner, else the unit's leaders."""
    chosen = explicit.get((kpi_id, unit_id))
    return [chosen] if chosen is not None else list(leaders.get(unit_id, []))


def owner_candidates(session: Session, unit: OrgUnit) -> list[User]:
    """The unit's people who may enter its values: the active leaders of the unit or of a unit
    above it, and the strategy office people whose home unit is in its subtree."""
    chain = [unit.id]
    parent_id = unit.parent_id
    while parent_id is not None:
        chain.append(parent_id)
        parent_id = session.get_one(OrgUnit, parent_id).parent_id
    leaders = select(col(RoleAssignment.user_id)).where(
        col(RoleAssignment.role) == Role.LEADER, col(RoleAssignment.unit_id).in_(chain)
    )
    office = select(col(RoleAssignment.user_id)).where(col(RoleAssignment.role) == Role.STRATEGY_OFFICE)
    statement = (
        select(User)
        .where(
            col(User.is_active),
            col(User.id).in_(leaders)
            | (col(User.home_unit_id).in_(subtree_ids([unit.id or 0])) & col(User.id).in_(office)),
        )
        .order_by(col(User.name), col(User.email))
    )
    return list(session.execute(statement).scalars())


def owner_units(session: Session, editor: User, kpi: Kpi) -> list[OrgUnit]:
    """The units whose owner of the KPI the editor may choose: the office all, a leader the
    subtrees they lead (the institution only, for an institution-only KPI)."""
    statement = select(OrgUnit).order_by(col(OrgUnit.code))
    if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
        statement = statement.where(col(OrgUnit.parent_id).is_(None))
    return list(session.execute(scope_for(editor).filter(statement, OrgUnit.id)).scalars())


def owner_rows(session: Session, editor: User, kpi: Kpi) -> list[OwnerRow]:
    units = owner_units(session, editor, kpi)
    every = {u.id: u for u in session.execute(select(OrgUnit)).scalars() if u.id is not None}
    explicit = explicit_owners(session, [kpi.id or 0])
    leaders = unit_leaders(session, every)
    people = {
        u.id: u
        for u in session.execute(
            select(User).where(col(User.id).in_(set(explicit.values()) | {i for ids in leaders.values() for i in ids}))
        ).scalars()
    }
    rows = []
    for unit in units:
        uid = unit.id or 0
        owing = owners_for(explicit, leaders, kpi.id or 0, uid)
        chosen = explicit.get((kpi.id or 0, uid))
        rows.append(
            OwnerRow(
                unit,
                people.get(chosen) if chosen is not None else None,
                tuple(people[i] for i in owing if i in people),
                tuple(owner_candidates(session, unit)),
            )
        )
    return rows


def check_editor(editor: User) -> None:
    """Staff choose no owners (a 404, as for anything outside one's reach)."""
    if not editor.has_role(Role.STRATEGY_OFFICE) and not editor.led_unit_ids:
        raise NotFound("owners")


def set_owner(session: Session, editor: User, kpi: Kpi, unit_code: str, email: str, actor: Actor) -> KpiOwner | None:
    """Choose the owner of the KPI's values for a unit by e-mail address; an empty address goes
    back to the default (the unit's leader). A unit outside the editor's reach is not found; an
    address that is not one of the unit's people is refused and nothing is written."""
    check_editor(editor)
    unit = get_unit(session, scope_for(editor), unit_code)
    if unit not in owner_units(session, editor, kpi):
        raise NotFound(unit_code)
    existing = session.get(KpiOwner, (kpi.id, unit.id))
    before = _record(session, existing)
    wanted = email.strip().lower()
    if not wanted:
        if existing is None:
            return None
        session.delete(existing)
        session.flush()
        record_event(session, actor, "update", kpi, label=f"{kpi.code} owner {unit.code}", before=before, after={})
        return None
    owner = next((u for u in owner_candidates(session, unit) if u.email == wanted), None)
    if owner is None:
        raise InvalidInput(
            [
                Problem(
                    N_("%(value)s is not one of the unit's people: choose one from the list."),
                    {"value": wanted},
                    path="owner",
                    value=wanted,
                )
            ]
        )
    if existing is not None and existing.user_id == owner.id:
        return existing
    row = existing or KpiOwner(kpi_id=kpi.id or 0, unit_id=unit.id or 0, user_id=owner.id or 0)
    row.user_id = owner.id or 0
    session.add(row)
    session.flush()
    record_event(
        session, actor, "update", kpi, label=f"{kpi.code} owner {unit.code}", before=before, after=_record(session, row)
    )
    return row


def _record(session: Session, row: KpiOwner | None) -> dict[str, Any]:
    if row is None:
        return {}
    user = session.get_one(User, row.user_id)
    unit = session.get_one(OrgUnit, row.unit_id)
    return {"unit": unit.code, "owner": user.email}


def owners_as_data(session: Session, kpi_ids: list[int]) -> dict[int, list[dict[str, str]]]:
    """Each KPI's chosen owners as the strategy file writes them: unit code and e-mail, by unit."""
    out: dict[int, list[dict[str, str]]] = {}
    for kpi_id, unit_code, email in session.execute(
        select(col(KpiOwner.kpi_id), col(OrgUnit.code), col(User.email))
        .join(OrgUnit, col(OrgUnit.id) == col(KpiOwner.unit_id))
        .join(User, col(User.id) == col(KpiOwner.user_id))
        .where(col(KpiOwner.kpi_id).in_(kpi_ids))
        .order_by(col(OrgUnit.code))
    ).tuples():
        out.setdefault(kpi_id, []).append({"unit": unit_code, "owner": email})
    return out


def replace_owners(
    session: Session, actor: Actor, kpi: Kpi, wanted: list[tuple[int, int]], note: str = "import"
) -> bool:
    """The file's owners (unit id, user id) replace the KPI's, logged once as one change;
    whether anything changed."""
    old = list(session.execute(select(KpiOwner).where(col(KpiOwner.kpi_id) == kpi.id)).scalars())
    if sorted((o.unit_id, o.user_id) for o in old) == sorted(wanted):
        return False
    before = {"owners": [_record(session, o) for o in old]}
    for row in old:
        session.delete(row)
    session.flush()
    rows = [KpiOwner(kpi_id=kpi.id or 0, unit_id=unit_id, user_id=user_id) for unit_id, user_id in wanted]
    session.add_all(rows)
    session.flush()
    after = {"owners": [_record(session, o) for o in rows]}
    record_event(session, actor, "update", kpi, label=f"{kpi.code} owners", before=before, after=after, note=note)
    return True
