"""KPI values as CSV files: reading and importing a file (all or nothing, every problem located by
line and column), and the export the import reads back."""

import csv
import io
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Kpi, KpiRecord
from indicators.recording import RecordSummary, record_values
from indicators.records import RecordInput, check_records
from maturity.audit.services import Actor
from maturity.csvio import read_csv
from maturity.errors import N_, InvalidInput, Problem
from maturity.numbers import decimal_mark
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope

CSV_COLUMNS = ["kpi", "unit", "period", "value", "numerator", "denominator", "source", "note"]
# Norwegian headers are accepted too; files come from people as often as from systems.
CSV_ALIASES = {
    "enhet": "unit",
    "periode": "period",
    "verdi": "value",
    "teller": "numerator",
    "nevner": "denominator",
    "kilde": "source",
    "merknad": "note",
    "kommentar": "note",
}


def _read_kpi_rows(data: bytes) -> tuple[list[RecordInput], list[Problem]]:
    """The readable rows of a KPI file, and a problem for every row without KPI, unit or period.
    Numbers stay text, read by ``check_records`` under the file's decimal mark once the KPI is known."""
    table = read_csv(data, required=["kpi", "unit", "period"], optional=CSV_COLUMNS[3:], aliases=CSV_ALIASES)
    problems: list[Problem] = []
    items = []
    mark = decimal_mark(row.get(c) for row in table.rows for c in ("value", "numerator", "denominator"))
    for row in table.rows:
        before = len(problems)
        for column in ("kpi", "unit", "period"):
            if not row.get(column):
                problems.append(row.problem(column, N_("This field is required.")))
        item = RecordInput(
            kpi=row.get("kpi"),
            unit=row.get("unit"),
            period=row.get("period"),
            value=row.get("value") or None,
            numerator=row.get("numerator") or None,
            denominator=row.get("denominator") or None,
            source=row.get("source"),
            note=row.get("note"),
            line=row.line,
            mark=mark,
        )
        if len(problems) == before:
            items.append(item)
    return items, problems


def read_kpi_csv(data: bytes) -> list[RecordInput]:
    """The rows of a KPI file, with numbers parsed; InvalidInput for every unreadable cell."""
    items, problems = _read_kpi_rows(data)
    if problems:
        raise InvalidInput(problems)
    return items


def import_kpi_csv(session: Session, data: bytes, scope: UnitScope, actor: Actor, *, dry_run: bool) -> RecordSummary:
    """Check a whole KPI file and, unless ``dry_run``, record it; nothing is written if any row fails.

    Every problem is reported in one go: unreadable cells and readable rows that fail their checks.
    """
    items, problems = _read_kpi_rows(data)
    try:
        checked = check_records(session, items, scope)
    except InvalidInput as exc:
        problems += exc.problems
    if problems:
        raise InvalidInput(sorted(problems, key=lambda p: p.line or 0))
    return record_values(session, checked, actor, via="csv", dry_run=dry_run)


def export_kpi_csv(session: Session, scope: UnitScope, *, kpi_codes: Sequence[str] = ()) -> str:
    """Current KPI records in scope, as a file the import reads back (``;``, decimal point)."""
    statement = (
        select(KpiRecord, col(Kpi.code), col(OrgUnit.code))
        .join(Kpi, col(Kpi.id) == col(KpiRecord.kpi_id))
        .join(OrgUnit, col(OrgUnit.id) == col(KpiRecord.unit_id))
        .order_by(col(Kpi.code), col(OrgUnit.code), col(KpiRecord.period))
    )
    if kpi_codes:
        statement = statement.where(col(Kpi.code).in_(kpi_codes))
    statement = scope.filter(statement, KpiRecord.unit_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for record, kpi_code, unit_code in session.execute(statement).tuples():
        writer.writerow(
            [
                kpi_code,
                unit_code,
                record.period,
                _plain(record.value) if record.denominator is None else "",
                _plain(record.numerator),
                _plain(record.denominator),
                record.source,
                record.note,
            ]
        )
    return buffer.getvalue()


def _plain(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    # Positional notation: repr() writes 1e-05, which the import (and Excel users) would not read.
    return format(Decimal(repr(float(value))), "f")
