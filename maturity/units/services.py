"""Organisation units: the tree, who may see which part of it, and the CSV import."""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import CTE, Integer, Select, false, literal_column, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.csvio import CsvRow, read_csv
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import CODE_PATTERN
from maturity.numbers import NumberProblem, read_number
from maturity.periods import Period
from maturity.units.models import OrgUnit, UnitHeadcount, UnitKind

RowT = TypeVar("RowT", bound=tuple[Any, ...])


def subtree_ids(root_ids: Iterable[int]) -> Select[tuple[int | None]]:
    """The ids of the given units and everything below them, as one recursive query."""
    roots = list(root_ids)
    base = select(col(OrgUnit.id)).where(col(OrgUnit.id).in_(roots))
    tree = base.cte("unit_subtree", recursive=True)
    child = select(col(OrgUnit.id)).join(tree, col(OrgUnit.parent_id) == tree.c.id)
    tree = tree.union(child)
    return select(tree.c.id)


def unit_ancestors(name: str = "unit_ancestor") -> CTE:
    """Every unit with each of its ancestors and itself: ``(unit_id, ancestor_id, distance)``,
    distance 0 for the unit itself. One recursive CTE, joined to roll figures up the tree:
    ``GROUP BY ancestor_id`` over rows joined on ``unit_id`` gives each unit's whole subtree."""
    zero, one = literal_column("0", Integer), literal_column("1", Integer)  # inline: no typed parameters
    base: Select[Any] = select(
        col(OrgUnit.id).label("unit_id"), col(OrgUnit.id).label("ancestor_id"), zero.label("distance")
    )
    tree = base.cte(name, recursive=True)
    parent = select(tree.c.unit_id, col(OrgUnit.parent_id), tree.c.distance + one).join(
        OrgUnit, col(OrgUnit.id) == tree.c.ancestor_id
    )
    return tree.union_all(parent.where(col(OrgUnit.parent_id).is_not(None)))


@dataclass(frozen=True, slots=True)
class UnitScope:
    """The part of the organisation a user may see: everything, or the subtrees under ``roots``
    (only the ``roots`` themselves when ``subtrees`` is false: staff see their home unit)."""

    everything: bool
    roots: frozenset[int]
    subtrees: bool = True

    def unit_ids(self) -> Select[tuple[int | None]]:
        """A selectable of visible unit ids, for ``.where(X.unit_id.in_(scope.unit_ids()))``."""
        if self.everything:
            return select(col(OrgUnit.id))
        if not self.roots:
            return select(col(OrgUnit.id)).where(false())
        if not self.subtrees:
            return select(col(OrgUnit.id)).where(col(OrgUnit.id).in_(self.roots))
        return subtree_ids(self.roots)

    def filter(self, statement: Select[RowT], unit_id_column: Any) -> Select[RowT]:
        """``statement`` limited to rows whose ``unit_id_column`` is a visible unit."""
        if self.everything:
            return statement
        return statement.where(col(unit_id_column).in_(self.unit_ids()))


def get_unit(session: Session, scope: UnitScope, code: str) -> OrgUnit:
    """The unit with this code if the scope covers it; NotFound otherwise (never 'forbidden')."""
    statement = scope.filter(select(OrgUnit).where(col(OrgUnit.code) == code), OrgUnit.id)
    unit = session.execute(statement).scalars().first()
    if unit is None:
        raise NotFound(code)
    return unit


def children(session: Session, unit: OrgUnit, scope: UnitScope) -> list[OrgUnit]:
    """The unit's children that the scope covers."""
    statement = select(OrgUnit).where(col(OrgUnit.parent_id) == unit.id).order_by(col(OrgUnit.code))
    return list(session.execute(scope.filter(statement, OrgUnit.id)).scalars())


def headcounts(session: Session, unit: OrgUnit) -> list[UnitHeadcount]:
    """The unit's own headcount per period, newest first."""
    statement = (
        select(UnitHeadcount).where(col(UnitHeadcount.unit_id) == unit.id).order_by(col(UnitHeadcount.period).desc())
    )
    return list(session.execute(statement).scalars())


def unit_codes(session: Session) -> dict[int, str]:
    """Every unit's code by id, for showing references."""
    return {
        unit_id: code
        for unit_id, code in session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples()
        if unit_id
    }


def visible_units(session: Session, scope: UnitScope) -> list[OrgUnit]:
    statement = scope.filter(select(OrgUnit).order_by(OrgUnit.code), OrgUnit.id)
    return list(session.execute(statement).scalars())


def ancestors(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors, root first (one query per level; trees are shallow)."""
    chain: list[OrgUnit] = []
    parent_id = unit.parent_id
    while parent_id is not None:
        parent = session.get_one(OrgUnit, parent_id)
        chain.append(parent)
        parent_id = parent.parent_id
    return list(reversed(chain))


@dataclass(frozen=True, slots=True)
class TreeNode:
    unit: OrgUnit
    depth: int


def as_tree(units: list[OrgUnit]) -> list[TreeNode]:
    """Depth-first order with depths; units whose parent is not in the list are roots."""
    by_parent: dict[int | None, list[OrgUnit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        by_parent.setdefault(parent, []).append(unit)
    out: list[TreeNode] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in sorted(by_parent.get(parent, []), key=lambda u: u.code):
            out.append(TreeNode(unit, depth))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return out


# --- import -------------------------------------------------------------------------------

UNIT_COLUMNS = ["code", "parent_code", "kind", "name_nb", "name_en"]
# Norwegian headers, as in the KPI import: files come from people as often as from systems.
UNIT_ALIASES = {
    "kode": "code",
    "enhetskode": "code",
    "overordnet": "parent_code",
    "overordnet_kode": "parent_code",
    "foreldrekode": "parent_code",
    "type": "kind",
    "nivå": "kind",
    "navn_nb": "name_nb",
    "navn_bokmål": "name_nb",
    "navn": "name_nb",
    "navn_en": "name_en",
    "navn_engelsk": "name_en",
    "ansatte_": "headcount_",
    "antall_ansatte_": "headcount_",
    "ekstern_id": "external_id",
}
_HEADCOUNT_COLUMN = re.compile(r"headcount_(\d{4}(?:-[a-z0-9]+)?)")


def _headcount(raw: str) -> int | None:
    """A whole number of people as a spreadsheet writes it (``1 234`` too), or None."""
    try:
        value = read_number(raw, whole=True)  # "1.500" people are 1 500
    except NumberProblem:
        return None
    if value != value.to_integral_value() or not 0 <= value <= 10_000_000:
        return None
    return int(value)


@dataclass(frozen=True, slots=True)
class UnitImportResult:
    created: int
    updated: int
    headcounts: int


def import_units_csv(session: Session, data: bytes, actor: Actor | None = None) -> UnitImportResult:
    """Create or update units (matched by code) and their headcounts; all rows or none.

    With an ``actor``, every created or changed unit leaves an audit event.

    Columns: code, parent_code, kind, name_nb, name_en, and any number of ``headcount_<period>``
    (or in Norwegian: kode, overordnet, type, navn_nb, navn_en, ansatte_<period>); optionally
    external_id (or ekstern_id: the unit's group id at the identity provider, Feide:
    ``fc:org:<realm>:unit:<id>``; a file without the column keeps the ids). A parent may come
    later in the file or already exist. Raises InvalidInput with every problem.
    """
    table = read_csv(
        data, required=UNIT_COLUMNS, optional=["external_id"], column_pattern=_HEADCOUNT_COLUMN, aliases=UNIT_ALIASES
    )
    existing = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    periods, problems = _headcount_periods(table.columns)
    incoming = _check_rows(table.rows, periods, problems)
    parent_of = _check_tree(existing, incoming, problems)
    _check_external_ids(existing, incoming, problems)
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: p.line or 0))
    units, created = _apply_units(session, existing, incoming, parent_of, actor, "external_id" in table.columns)
    headcounts = _apply_headcounts(session, units, incoming, periods)
    return UnitImportResult(created, len(incoming) - created, headcounts)


def _headcount_periods(columns: Iterable[str]) -> tuple[dict[str, str], list[Problem]]:
    """The period of each ``headcount_<period>`` column, and a problem for a column naming none."""
    periods: dict[str, str] = {}
    problems: list[Problem] = []
    for column in columns:
        match = _HEADCOUNT_COLUMN.fullmatch(column)
        if not match:
            continue
        try:
            periods[column] = str(Period.parse(match.group(1)))
        except ValueError:
            problems.append(
                Problem(
                    N_("Column %(column)s does not name a period (e.g. headcount_2024)."),
                    {"column": column},
                    line=1,
                    column=column,
                )
            )
    return periods, problems


def _check_rows(rows: Iterable[CsvRow], periods: Mapping[str, str], problems: list[Problem]) -> dict[str, CsvRow]:
    """Each row on its own: code, kind, names, headcounts. Returns the rows by code."""
    kinds = {k.value for k in UnitKind}
    incoming: dict[str, CsvRow] = {}
    for row in rows:
        code = row.get("code")
        if not CODE_PATTERN.match(code):
            problems.append(row.problem("code", N_("A unit code is 1–40 letters, digits, '.', '_' or '-'.")))
            continue
        if code in incoming:
            problems.append(
                row.problem(
                    "code",
                    N_("Unit %(code)s appears twice (first on line %(first)s)."),
                    code=code,
                    first=incoming[code].line,
                )
            )
            continue
        incoming[code] = row
        if row.get("kind").lower() not in kinds:
            problems.append(
                row.problem("kind", N_("Unknown kind; use one of: %(kinds)s."), kinds=", ".join(sorted(kinds)))
            )
        for column in ("name_nb", "name_en"):
            if not row.get(column):
                problems.append(row.problem(column, N_("The name is empty.")))
            elif len(row.get(column)) > 200:
                problems.append(row.problem(column, N_("The name is longer than 200 characters.")))
        for column in periods:
            raw = row.get(column)
            if raw and _headcount(raw) is None:
                problems.append(row.problem(column, N_("A headcount is a whole number of people, 0 or more.")))
    return incoming


def _check_tree(
    existing: Mapping[str, OrgUnit], incoming: Mapping[str, CsvRow], problems: list[Problem]
) -> dict[str, str | None]:
    """Parents exist (in the file or the database) and the result stays a tree. Returns the parent
    code of every unit after the import."""
    id_to_code = {u.id: code for code, u in existing.items()}
    parent_of: dict[str, str | None] = {
        code: id_to_code.get(u.parent_id) if u.parent_id is not None else None for code, u in existing.items()
    }
    for code, row in incoming.items():
        parent = row.get("parent_code") or None
        if parent is not None and parent not in incoming and parent not in existing:
            problems.append(row.problem("parent_code", N_("Unknown parent unit %(code)s."), code=parent))
            continue
        parent_of[code] = parent
    for code, row in incoming.items():
        seen = {code}
        current = parent_of.get(code)
        while current is not None:
            if current in seen:
                problems.append(
                    row.problem("parent_code", N_("This parent would make unit %(code)s its own ancestor."), code=code)
                )
                break
            seen.add(current)
            current = parent_of.get(current)
    return parent_of


def _check_external_ids(
    existing: Mapping[str, OrgUnit], incoming: Mapping[str, CsvRow], problems: list[Problem]
) -> None:
    """An external id names one unit: not two rows of the file, nor a unit the file leaves alone."""
    held = {u.external_id: code for code, u in existing.items() if u.external_id and code not in incoming}
    first: dict[str, str] = {}
    for code, row in incoming.items():
        external_id = row.get("external_id")
        if len(external_id) > 200:
            problems.append(row.problem("external_id", N_("This text is longer than %(limit)s characters."), limit=200))
        elif external_id and (first.setdefault(external_id, code) != code or external_id in held):
            problems.append(row.problem("external_id", N_("Another unit already has %(value)s."), value=external_id))


def _apply_units(
    session: Session,
    existing: Mapping[str, OrgUnit],
    incoming: Mapping[str, CsvRow],
    parent_of: Mapping[str, str | None],
    actor: Actor | None,
    with_external_ids: bool = False,
) -> tuple[dict[str, OrgUnit], int]:
    """Create or update the units of the file, then link their parents; an audit event for each
    created or changed unit when there is an ``actor``. Returns every unit by code and how many
    were created."""
    units: dict[str, OrgUnit] = dict(existing)
    before = {code: snapshot(unit) for code, unit in existing.items() if code in incoming}
    for code, row in incoming.items():
        unit = units.get(code)
        if unit is None:
            unit = units[code] = OrgUnit(code=code, name_nb="", name_en="")
        unit.name_nb, unit.name_en, unit.kind = row.get("name_nb"), row.get("name_en"), row.get("kind").lower()
        if with_external_ids:
            unit.external_id = row.get("external_id") or None
        session.add(unit)
    session.flush()
    for code in incoming:
        parent = parent_of[code]
        units[code].parent_id = units[parent].id if parent else None
    session.flush()
    if actor is not None:
        for code in incoming:
            unit, old = units[code], before.get(code)
            if old is None:
                record_event(
                    session, actor, "create", unit, label=code, after=snapshot(unit), unit_id=unit.id, note="import"
                )
            elif old != snapshot(unit):
                record_event(
                    session,
                    actor,
                    "update",
                    unit,
                    label=code,
                    before=old,
                    after=snapshot(unit),
                    unit_id=unit.id,
                    note="import",
                )
    return units, len(incoming) - len(before)


def _apply_headcounts(
    session: Session, units: Mapping[str, OrgUnit], incoming: Mapping[str, CsvRow], periods: Mapping[str, str]
) -> int:
    """Set each headcount the file gives (an empty cell keeps what is stored); returns how many."""
    current_counts = {(h.unit_id, h.period): h for h in session.execute(select(UnitHeadcount)).scalars()}
    headcounts = 0
    for code, row in incoming.items():
        unit_id = units[code].id
        assert unit_id is not None
        for column, period in periods.items():
            raw = row.get(column)
            if not raw:
                continue
            record = current_counts.get((unit_id, period)) or UnitHeadcount(unit_id=unit_id, period=period, headcount=0)
            record.headcount = _headcount(raw) or 0
            session.add(record)
            headcounts += 1
    session.flush()
    return headcounts
