"""Baselines and targets per unit from a CSV file (``kpi;unit;kind;valid_from;value``), with the
real-world formats of the KPI value import (UTF-8 with or without BOM or Windows-1252, ``;`` or
``,``, decimal comma, Norwegian column names, blank trailing lines) and its rule: every problem
of the file at once, each with line, column and value, and nothing written unless all rows pass.

A row adds a dated row for the unit, or changes the value of the row with the same KPI, unit,
kind and date; rows are never deleted, so a changed target never rewrites a period before it.
Every change is an audit event with the row before and after."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, KpiTarget, ScoringMode, TargetKind
from indicators.records import MAX_VALUE, is_count, negative_message
from maturity.audit.services import Actor, record_event, snapshot
from maturity.csvio import CsvRow, read_csv
from maturity.errors import N_, InvalidInput, Problem
from maturity.numbers import NumberProblem, decimal_mark, read_number
from maturity.units.models import OrgUnit

COLUMNS = ["kpi", "unit", "kind", "valid_from", "value"]
ALIASES = {
    "nøkkeltall": "kpi",
    "enhet": "unit",
    "type": "kind",
    "art": "kind",
    "gyldig_fra": "valid_from",
    "gjelder_fra": "valid_from",
    "fra": "valid_from",
    "verdi": "value",
}
KINDS = {
    "baseline": TargetKind.BASELINE,
    "utgangsverdi": TargetKind.BASELINE,
    "target": TargetKind.TARGET,
    "mål": TargetKind.TARGET,
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NORWEGIAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True, slots=True)
class TargetRow:
    line: int
    kpi: Kpi
    unit: OrgUnit
    kind: TargetKind
    valid_from: date
    value: float


@dataclass
class TargetImportSummary:
    rows: list[TargetRow]
    created: int = 0
    changed: int = 0
    unchanged: int = 0


def parse_day(text: str) -> date | None:
    """2025-01-01 or 01.01.2025 (as Norwegian spreadsheets write it); None if neither."""
    for pattern, order in ((_ISO, (0, 1, 2)), (_NORWEGIAN, (2, 1, 0))):
        if match := pattern.match(text.strip()):
            parts = [int(match.group(i + 1)) for i in order]
            try:
                return date(parts[0], parts[1], parts[2])
            except ValueError:
                return None
    return None


def check_target_rows(session: Session, data: bytes) -> list[TargetRow]:
    """Every row checked; InvalidInput with every problem of the file (line, column, value)."""
    table = read_csv(data, required=COLUMNS, aliases=ALIASES)
    codes = {row.get("kpi") for row in table.rows}
    kpis = {k.code: k for k in session.execute(select(Kpi).where(col(Kpi.code).in_(codes))).scalars()}
    units = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    problems: list[Problem] = []
    rows: list[TargetRow] = []
    first: dict[tuple[str, str, str, date], int] = {}
    mark = decimal_mark(row.get("value") for row in table.rows)  # the file's decimal mark
    for row in table.rows:
        before = len(problems)
        kpi, unit, kind = _kpi(row, kpis, problems), _unit(row, units, problems), _kind(row, problems)
        valid_from = _day(row, problems)
        value = _value(row, kpi, mark, problems)
        if len(problems) > before or kpi is None or unit is None or kind is None or valid_from is None:
            continue
        assert value is not None
        problems += _rules(row, kpi, unit, kind, float(value))
        key = (kpi.code, unit.code, kind, valid_from)
        if key in first:
            problems.append(
                row.problem(
                    "kpi",
                    N_("The same KPI, unit, kind and date appear twice (first on line %(first)s)."),
                    first=first[key],
                )
            )
        first.setdefault(key, row.line)
        if len(problems) == before:
            rows.append(TargetRow(row.line, kpi, unit, kind, valid_from, float(value)))
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: p.line or 0))
    return rows


def import_unit_targets_csv(session: Session, data: bytes, actor: Actor, *, dry_run: bool) -> TargetImportSummary:
    """Check the whole file and, unless ``dry_run``, write it: all rows or none."""
    rows = check_target_rows(session, data)
    summary = TargetImportSummary(rows)
    existing = {
        (t.kpi_id, t.unit_id, t.kind, t.valid_from): t
        for t in session.execute(
            select(KpiTarget).where(
                col(KpiTarget.kpi_id).in_({r.kpi.id for r in rows}), col(KpiTarget.unit_id).is_not(None)
            )
        ).scalars()
    }
    for row in rows:
        found = existing.get((row.kpi.id or 0, row.unit.id, row.kind, row.valid_from))
        if found is not None and found.value == row.value:
            summary.unchanged += 1
            continue
        if found is None:
            summary.created += 1
        else:
            summary.changed += 1
        if dry_run:
            continue
        label = f"{row.kpi.code} {row.kind} {row.unit.code} {row.valid_from.isoformat()}"
        if found is None:
            item = KpiTarget(
                kpi_id=row.kpi.id or 0, unit_id=row.unit.id, kind=row.kind, valid_from=row.valid_from, value=row.value
            )
            session.add(item)
            session.flush()
            record_event(session, actor, "create", item, label=label, after=snapshot(item), note="csv")
        else:
            old = snapshot(found)
            found.value = row.value
            session.add(found)
            session.flush()
            record_event(session, actor, "update", found, label=label, before=old, after=snapshot(found), note="csv")
    return summary


def _kpi(row: CsvRow, kpis: dict[str, Kpi], problems: list[Problem]) -> Kpi | None:
    code = row.get("kpi")
    if not code:
        problems.append(row.problem("kpi", N_("This field is required.")))
        return None
    if code not in kpis:
        problems.append(row.problem("kpi", N_("Unknown KPI %(value)s."), value=code))
    return kpis.get(code)


def _unit(row: CsvRow, units: dict[str, OrgUnit], problems: list[Problem]) -> OrgUnit | None:
    code = row.get("unit")
    if not code:
        problems.append(row.problem("unit", N_("This field is required.")))
        return None
    if code not in units:
        problems.append(row.problem("unit", N_("Unknown unit %(value)s."), value=code))
    return units.get(code)


def _kind(row: CsvRow, problems: list[Problem]) -> TargetKind | None:
    kind = KINDS.get(row.get("kind").lower())
    if kind is None:
        problems.append(row.problem("kind", N_("Unknown kind; use one of: %(kinds)s."), kinds="baseline, target"))
    return kind


def _day(row: CsvRow, problems: list[Problem]) -> date | None:
    day = parse_day(row.get("valid_from"))
    if day is None:
        problems.append(row.problem("valid_from", N_("Not a date; write 2025-01-01 or 01.01.2025.")))
    return day


def _value(row: CsvRow, kpi: Kpi | None, mark: str | None, problems: list[Problem]) -> Decimal | None:
    """The value as the KPI import reads one: under the file's decimal mark, a count's "1.500"
    as 1 500, a share's with a % sign."""
    count = kpi is None or is_count(kpi)
    share = kpi is not None and kpi.aggregation == Aggregation.RATIO
    try:
        number = read_number(row.get("value"), mark=mark, whole=count, percent=share)
    except NumberProblem as exc:
        problems.append(row.problem("value", exc.message, **exc.params))
        return None
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        problems.append(row.problem("value", N_("The number is out of range.")))
        return None
    return number


def _rules(row: CsvRow, kpi: Kpi, unit: OrgUnit, kind: TargetKind, value: float) -> Sequence[Problem]:
    if kpi.aggregation == Aggregation.INSTITUTION_ONLY and unit.parent_id is not None:
        return [row.problem("unit", N_("KPI %(kpi)s is measured for the whole institution only."), kpi=kpi.code)]
    if kpi.scoring == ScoringMode.MAINTAIN and kind == TargetKind.TARGET:
        return [row.problem("kind", N_("A maintain KPI's target is a band; set it on the strategy page."))]
    if kpi.scoring == ScoringMode.BINARY and value not in (0, 1):
        return [row.problem("value", N_("A yes/no KPI has the values 0 and 1."))]
    if kpi.aggregation == Aggregation.RATIO and not 0 <= value <= 100:
        return [row.problem("value", N_("A share is between 0 and 100 %%."))]
    if value < 0 and not kpi.may_be_negative:
        return [row.problem("value", negative_message(kpi), kpi=kpi.code)]
    return []


def export_unit_targets_csv(session: Session, kpi_ids: Sequence[int]) -> str:
    """The dated rows of single units of these KPIs, in the import's format (``;``, ISO dates,
    decimal point), ordered by KPI, unit, kind and date: importing it again changes nothing."""
    rows = session.execute(
        select(col(Kpi.code), col(OrgUnit.code), col(KpiTarget.kind), col(KpiTarget.valid_from), col(KpiTarget.value))
        .join(Kpi, col(Kpi.id) == col(KpiTarget.kpi_id))
        .join(OrgUnit, col(OrgUnit.id) == col(KpiTarget.unit_id))
        .where(col(KpiTarget.kpi_id).in_(kpi_ids), col(KpiTarget.value).is_not(None))
        .order_by(col(Kpi.code), col(OrgUnit.code), col(KpiTarget.kind), col(KpiTarget.valid_from))
    ).tuples()
    lines = [";".join(COLUMNS)]
    lines += [f"{k};{u};{kind};{day.isoformat()};{_plain(value)}" for k, u, kind, day, value in rows]
    return "\n".join(lines) + "\n"


def _plain(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)
