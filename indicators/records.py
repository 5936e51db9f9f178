"""KPI values checked before anything is recorded: every value of the form grid, CSV files, the
API and the command line goes through ``check_records`` (the grid's form through ``check_grid``),
then ``indicators.recording.record_values``."""

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, ScoringMode
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import check_text
from maturity.numbers import NumberProblem, decimal_mark, read_number
from maturity.periods import Frequency, Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope

MAX_VALUE = 1e12
MAX_SOURCE = 300  # the column's length
MAX_NOTE = 5000
NOT_NEGATIVE = N_("KPI %(kpi)s cannot be negative: its definition does not allow values below zero.")


@dataclass(frozen=True, slots=True)
class RecordInput:
    """One value as it arrives, not yet checked. ``where`` says where it came from (line or index)."""

    kpi: str
    unit: str
    period: str
    # A number, or the text typed or written in a file, read when the KPI is known (a count reads
    # "1.500" as 1 500) under ``mark``, the decimal mark of the file or form it came from.
    value: Decimal | float | str | None = None
    numerator: Decimal | float | str | None = None
    denominator: Decimal | float | str | None = None
    source: str = ""
    note: str = ""
    line: int | None = None
    path: str | None = None
    mark: str | None = None


@dataclass(frozen=True, slots=True)
class CheckedRecord:
    kpi: Kpi
    unit: OrgUnit
    period: str
    value: float
    numerator: float | None
    denominator: float | None
    source: str
    note: str
    origin: RecordInput


def problem_at(item: RecordInput, column: str, message: str, shown: object = None, **params: object) -> Problem:
    """A problem located by line and column (CSV) or by path (API)."""
    value = None if shown is None else str(shown)
    path = f"{item.path}.{column}" if item.path else None
    return Problem(message, params, line=item.line, column=column if item.line else None, value=value, path=path)


def _shown(text: str) -> str:
    """A text as a problem quotes it: the start of a long one."""
    return text if len(text) <= 80 else text[:80] + "…"


def is_count(kpi: Kpi) -> bool:
    """A KPI that counts things: summed over units and shown without decimals (read as whole)."""
    return kpi.aggregation == Aggregation.SUM and kpi.decimals == 0


def _number(
    item: RecordInput, kpi: Kpi, column: str, raw: Decimal | float | str | None, problems: list[Problem]
) -> float | None:
    if raw is None or raw == "":
        return None
    whole = column == "value" and is_count(kpi)
    if isinstance(raw, str):
        share = column == "value" and kpi.aggregation == Aggregation.RATIO
        try:
            raw = read_number(raw, mark=item.mark, whole=whole, percent=share)
        except NumberProblem as exc:
            problems.append(problem_at(item, column, exc.message, exc.text.strip(), **exc.params))
            return None
    number = float(raw)
    if whole and math.isfinite(number) and not number.is_integer():
        problems.append(problem_at(item, column, N_("A count is a whole number."), raw))
        return None
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        problems.append(problem_at(item, column, N_("The number is out of range."), raw))
        return None
    return number


def units_in_scope(session: Session, scope: UnitScope, codes: Collection[str]) -> dict[str, OrgUnit]:
    """The units of ``codes`` that ``scope`` shows, by code (one statement)."""
    statement = scope.filter(select(OrgUnit).where(col(OrgUnit.code).in_(set(codes))), OrgUnit.id)
    return {u.code: u for u in session.execute(statement).scalars()}


def check_records(
    session: Session, items: Sequence[RecordInput], scope: UnitScope, *, units: Mapping[str, OrgUnit] | None = None
) -> list[CheckedRecord]:
    """Every item checked against its KPI, unit and period; InvalidInput with every problem found.

    A unit outside ``scope`` is reported exactly like a unit that does not exist. ``units``: the
    units in scope by code, when the caller has them already.
    """
    checked, problems = _check_items(session, items, scope, units)
    if problems:
        raise InvalidInput([p for found in problems.values() for p in found])
    return checked


def _check_items(
    session: Session, items: Sequence[RecordInput], scope: UnitScope, units: Mapping[str, OrgUnit] | None
) -> tuple[list[CheckedRecord], dict[int, list[Problem]]]:
    """The items that pass, and the problems of the others by their index in ``items``."""
    problems: dict[int, list[Problem]] = {}
    kpis = {k.code: k for k in session.execute(select(Kpi).where(col(Kpi.code).in_({i.kpi for i in items}))).scalars()}
    if units is None:
        units = units_in_scope(session, scope, {i.unit for i in items})
    seen: dict[tuple[str, str, str], RecordInput] = {}
    checked: list[CheckedRecord] = []
    for index, item in enumerate(items):
        found: list[Problem] = []
        kpi, unit = kpis.get(item.kpi), units.get(item.unit)
        if kpi is None:
            found.append(problem_at(item, "kpi", N_("Unknown KPI %(value)s."), item.kpi, value=item.kpi))
        if unit is None:
            found.append(problem_at(item, "unit", N_("Unknown unit %(value)s."), item.unit, value=item.unit))
        period = _check_period(item, kpi, found)
        if kpi is not None and unit is not None and kpi.aggregation == Aggregation.INSTITUTION_ONLY and unit.parent_id:
            found.append(
                problem_at(
                    item, "unit", N_("KPI %(kpi)s is measured for the whole institution only."), item.unit, kpi=kpi.code
                )
            )
        if period is not None and kpi is not None:
            key = (kpi.code, item.unit, period)
            if key in seen:
                first = seen[key]
                message = (
                    N_("The same KPI, unit and period appear twice (first on line %(first)s).")
                    if first.line is not None
                    else N_("The same KPI, unit and period appear twice (first at %(first)s).")
                )
                found.append(
                    problem_at(item, "period", message, item.period, first=first.line if first.line else first.path)
                )
            seen.setdefault(key, item)
        values = _check_values(item, kpi, found) if kpi is not None else None
        for column, text, limit in (("source", item.source, MAX_SOURCE), ("note", item.note, MAX_NOTE)):
            found += [
                problem_at(item, column, p.message, _shown(text), **p.params)
                for p in check_text(column, text.strip(), max_length=limit)
            ]
        if found:
            problems[index] = found
        elif kpi is not None and unit is not None and period is not None and values:
            value, numerator, denominator = values
            checked.append(
                CheckedRecord(
                    kpi, unit, period, value, numerator, denominator, item.source.strip(), item.note.strip(), item
                )
            )
    return checked, problems


# --- the entry grid's form ------------------------------------------------------------------------

Cell = tuple[str, str]  # unit code, period
GRID_FIELDS = ("value", "numerator", "denominator", "note")  # the note: the cell's comment


@dataclass
class GridCheck:
    """A grid form checked: what was typed per cell (to show again), the records that pass, and
    the problems per cell. Nothing may be recorded while ``errors`` has any."""

    typed: dict[Cell, dict[str, str]]
    records: list[CheckedRecord]
    errors: dict[Cell, list[Problem]]

    @property
    def problems(self) -> list[Problem]:
        return [p for found in self.errors.values() for p in found]


def grid_inputs(form: Mapping[str, str]) -> dict[Cell, dict[str, str]]:
    """The grid's ``value|UNIT|PERIOD`` (and ``numerator|…``, ``denominator|…``, ``note|…``) fields, by cell."""
    cells: dict[Cell, dict[str, str]] = {}
    for key, raw in form.items():
        name, _, cell = key.partition("|")
        unit, _, period = cell.partition("|")
        if name in GRID_FIELDS and unit and period and "|" not in period:
            cells.setdefault((unit, period), {})[name] = raw.strip()
    return cells


def check_grid(
    session: Session, kpi: Kpi, form: Mapping[str, str], scope: UnitScope, *, source: str, note: str
) -> GridCheck:
    """The values typed into a KPI's grid (every cell, or the one an autosave sends), checked as
    ``check_records`` checks any value. A cell's own note (its comment) stands in for the form's
    ``note``. A cell of a unit outside ``scope`` is NotFound: the grid never offers one, so the
    form was not made by it."""
    typed = grid_inputs(form)
    units = units_in_scope(session, scope, {unit for unit, _ in typed})
    if any(unit not in units for unit, _ in typed):
        raise NotFound("unit")  # another unit's values: not confirmed to exist
    errors: dict[Cell, list[Problem]] = {}
    items: list[RecordInput] = []
    cells: list[Cell] = []
    # The form's numbers are read as one file's: under the decimal mark those that can be read
    # only one way show, each when its KPI is known (a count reads "1.500" as 1 500).
    mark = decimal_mark(v for fields in typed.values() for k, v in fields.items() if k != "note")
    for (unit, period), fields in typed.items():
        if not any(fields.values()):
            continue
        items.append(
            RecordInput(
                kpi.code,
                unit,
                period,
                value=fields.get("value") or None,
                numerator=fields.get("numerator") or None,
                denominator=fields.get("denominator") or None,
                source=source,
                note=fields.get("note") or note,
                path=f"{unit} {period}",
                mark=mark,
            )
        )
        cells.append((unit, period))
    checked, problems = _check_items(session, items, scope, units)
    for index, found in problems.items():
        # A cell's problem is named by the cell (unit and period), as the grid shows it: the
        # record's field is the API's word, not the grid's.
        label = items[index].path
        errors.setdefault(cells[index], []).extend(replace(p, path=label) for p in found)
    return GridCheck(typed, [] if errors else checked, errors)


def _check_period(item: RecordInput, kpi: Kpi | None, problems: list[Problem]) -> str | None:
    try:
        period = Period.parse(item.period)
    except ValueError:
        problems.append(
            problem_at(
                item, "period", N_("Not a period; write 2024, 2024-S1, 2024-T2, 2024-Q3 or 2024-03."), item.period
            )
        )
        return None
    if kpi is not None and period.frequency != Frequency(kpi.frequency):
        problems.append(
            problem_at(
                item,
                "period",
                N_("KPI %(kpi)s is reported for periods like %(example)s; %(value)s does not fit."),
                item.period,
                kpi=kpi.code,
                example=_EXAMPLES[Frequency(kpi.frequency)],
                value=item.period,
            )
        )
        return None
    if period.start > date.today():
        problems.append(problem_at(item, "period", N_("The period lies in the future."), item.period))
        return None
    return str(period)


_EXAMPLES = {
    Frequency.YEAR: "2024",
    Frequency.SEMESTER: "2024-S1",
    Frequency.TERTIAL: "2024-T2",
    Frequency.QUARTER: "2024-Q3",
    Frequency.MONTH: "2024-03",
}


def _check_values(
    item: RecordInput, kpi: Kpi, problems: list[Problem]
) -> tuple[float, float | None, float | None] | None:
    count = len(problems)
    value = _number(item, kpi, "value", item.value, problems)
    numerator = _number(item, kpi, "numerator", item.numerator, problems)
    denominator = _number(item, kpi, "denominator", item.denominator, problems)
    if len(problems) > count:
        return None
    if kpi.aggregation == Aggregation.RATIO:
        if numerator is None or denominator is None:
            missing = "numerator" if numerator is None else "denominator"
            problems.append(
                problem_at(item, missing, N_("KPI %(kpi)s is a share: give numerator and denominator."), kpi=kpi.code)
            )
            return None
        if denominator <= 0:
            problems.append(
                problem_at(item, "denominator", N_("The denominator must be above zero."), item.denominator)
            )
            return None
        if numerator < 0:
            problems.append(problem_at(item, "numerator", N_("The numerator cannot be negative."), item.numerator))
            return None
        if numerator > denominator:
            problems.append(
                problem_at(
                    item, "numerator", N_("The numerator cannot be larger than the denominator."), item.numerator
                )
            )
            return None
        share = 100 * numerator / denominator
        if value is not None and abs(value - share) > 0.05:
            problems.append(
                problem_at(
                    item,
                    "value",
                    N_("The value does not match numerator / denominator (%(share)s %%)."),
                    item.value,
                    share=round(share, 2),
                )
            )
            return None
        return share, numerator, denominator
    if numerator is not None or denominator is not None:
        column = "numerator" if numerator is not None else "denominator"
        problems.append(
            problem_at(item, column, N_("Only share KPIs have a numerator and a denominator."), kpi=kpi.code)
        )
        return None
    if value is None:
        problems.append(problem_at(item, "value", N_("The value is missing.")))
        return None
    if kpi.scoring == ScoringMode.BINARY and value not in (0.0, 1.0):
        problems.append(problem_at(item, "value", N_("A yes/no KPI has the values 0 (no) and 1 (yes)."), item.value))
        return None
    if value < 0 and not kpi.may_be_negative:  # a count, an index: only a KPI that says so goes below zero
        problems.append(problem_at(item, "value", negative_message(kpi), item.value, kpi=kpi.code))
        return None
    return value, None, None


def negative_message(kpi: Kpi) -> str:
    """Why a KPI refuses a value below zero, in words that fit it."""
    if is_count(kpi):
        return N_("A count cannot be negative.")
    return NOT_NEGATIVE
