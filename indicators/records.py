"""KPI records: validating and recording values (form, CSV, API, command line), their history,
and the CSV export. Every write is all or nothing and leaves an audit event per change."""

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session, col

from indicators.models import Aggregation, Kpi, KpiRecord, KpiRecordRevision, ScoringMode
from maturity.audit.services import Actor, event_row, record_events, snapshot
from maturity.csvio import read_csv
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.forms import check_text
from maturity.numbers import NumberProblem, decimal_mark, read_number
from maturity.periods import Frequency, Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope

MAX_VALUE = 1e12
MAX_SOURCE = 300  # the column's length
MAX_NOTE = 5000
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


@dataclass
class RecordOutcome:
    record: CheckedRecord
    status: str  # new, changed, unchanged
    previous: float | None = None


@dataclass
class RecordSummary:
    outcomes: list[RecordOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


def _problem(item: RecordInput, column: str, message: str, shown: object = None, **params: object) -> Problem:
    """A problem located by line and column (CSV) or by path (API)."""
    value = None if shown is None else str(shown)
    path = f"{item.path}.{column}" if item.path else None
    return Problem(message, params, line=item.line, column=column if item.line else None, value=value, path=path)


def _shown(text: str) -> str:
    """A text as a problem quotes it: the start of a long one."""
    return text if len(text) <= 80 else text[:80] + "…"


def is_count(kpi: Kpi) -> bool:
    """A KPI that counts things: summed over units and shown without decimals."""
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
            problems.append(_problem(item, column, exc.message, exc.text.strip(), **exc.params))
            return None
    number = float(raw)
    if whole and math.isfinite(number) and not number.is_integer():
        problems.append(_problem(item, column, N_("A count is a whole number."), raw))
        return None
    if not math.isfinite(number) or abs(number) > MAX_VALUE:
        problems.append(_problem(item, column, N_("The number is out of range."), raw))
        return None
    return number


def check_records(session: Session, items: Sequence[RecordInput], scope: UnitScope) -> list[CheckedRecord]:
    """Every item checked against its KPI, unit and period; InvalidInput with every problem found.

    A unit outside ``scope`` is reported exactly like a unit that does not exist.
    """
    problems: list[Problem] = []
    kpis = {k.code: k for k in session.execute(select(Kpi).where(col(Kpi.code).in_({i.kpi for i in items}))).scalars()}
    unit_statement = scope.filter(select(OrgUnit).where(col(OrgUnit.code).in_({i.unit for i in items})), OrgUnit.id)
    units = {u.code: u for u in session.execute(unit_statement).scalars()}
    seen: dict[tuple[str, str, str], RecordInput] = {}
    checked: list[CheckedRecord] = []
    for item in items:
        kpi, unit = kpis.get(item.kpi), units.get(item.unit)
        before = len(problems)
        if kpi is None:
            problems.append(_problem(item, "kpi", N_("Unknown KPI %(value)s."), item.kpi, value=item.kpi))
        if unit is None:
            problems.append(_problem(item, "unit", N_("Unknown unit %(value)s."), item.unit, value=item.unit))
        period = _check_period(item, kpi, problems)
        if kpi is not None and unit is not None and kpi.aggregation == Aggregation.INSTITUTION_ONLY and unit.parent_id:
            problems.append(
                _problem(
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
                problems.append(
                    _problem(item, "period", message, item.period, first=first.line if first.line else first.path)
                )
            seen.setdefault(key, item)
        values = _check_values(item, kpi, problems) if kpi is not None else None
        for column, text, limit in (("source", item.source, MAX_SOURCE), ("note", item.note, MAX_NOTE)):
            problems += [
                _problem(item, column, p.message, _shown(text), **p.params)
                for p in check_text(column, text.strip(), max_length=limit)
            ]
        if len(problems) == before and kpi is not None and unit is not None and period is not None and values:
            value, numerator, denominator = values
            checked.append(
                CheckedRecord(
                    kpi, unit, period, value, numerator, denominator, item.source.strip(), item.note.strip(), item
                )
            )
    if problems:
        raise InvalidInput(problems)
    return checked


def _check_period(item: RecordInput, kpi: Kpi | None, problems: list[Problem]) -> str | None:
    try:
        period = Period.parse(item.period)
    except ValueError:
        problems.append(
            _problem(item, "period", N_("Not a period; write 2024, 2024-S1, 2024-T2, 2024-Q3 or 2024-03."), item.period)
        )
        return None
    if kpi is not None and period.frequency != Frequency(kpi.frequency):
        problems.append(
            _problem(
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
        problems.append(_problem(item, "period", N_("The period lies in the future."), item.period))
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
                _problem(item, missing, N_("KPI %(kpi)s is a share: give numerator and denominator."), kpi=kpi.code)
            )
            return None
        if denominator <= 0:
            problems.append(_problem(item, "denominator", N_("The denominator must be above zero."), item.denominator))
            return None
        if numerator < 0:
            problems.append(_problem(item, "numerator", N_("The numerator cannot be negative."), item.numerator))
            return None
        if numerator > denominator:
            problems.append(
                _problem(item, "numerator", N_("The numerator cannot be larger than the denominator."), item.numerator)
            )
            return None
        share = 100 * numerator / denominator
        if value is not None and abs(value - share) > 0.05:
            problems.append(
                _problem(
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
        problems.append(_problem(item, column, N_("Only share KPIs have a numerator and a denominator."), kpi=kpi.code))
        return None
    if value is None:
        problems.append(_problem(item, "value", N_("The value is missing.")))
        return None
    if kpi.scoring == ScoringMode.BINARY and value not in (0.0, 1.0):
        problems.append(_problem(item, "value", N_("A yes/no KPI has the values 0 (no) and 1 (yes)."), item.value))
        return None
    if is_count(kpi) and value < 0:
        problems.append(_problem(item, "value", N_("A count cannot be negative."), item.value))
        return None
    return value, None, None


def record_values(
    session: Session, records: Iterable[CheckedRecord], actor: Actor, *, via: str, dry_run: bool = False
) -> RecordSummary:
    """Write checked values. A changed value becomes a new revision; an identical one changes nothing.

    Rows go to the database as bulk statements (new records with their ids returned, updated
    records, revisions, audit events), so a file of thousands of values costs a handful of
    round trips and no ORM object per row.
    """
    records = list(records)
    summary = RecordSummary()
    existing: dict[tuple[int | None, int | None, str], KpiRecord] = {}
    if records:
        candidates = session.execute(
            select(KpiRecord).where(
                col(KpiRecord.kpi_id).in_({r.kpi.id for r in records}),
                col(KpiRecord.unit_id).in_({r.unit.id for r in records}),
                col(KpiRecord.period).in_({r.period for r in records}),
            )
        ).scalars()
        existing = {(rec.kpi_id, rec.unit_id, rec.period): rec for rec in candidates}
    now = utcnow()
    stamp: dict[str, Any] = {
        "recorded_by_id": actor.user_id,
        "recorded_by_label": actor.label[:300],
        "recorded_via": via,
        "recorded_at": now,
    }
    created: list[tuple[CheckedRecord, dict[str, Any]]] = []
    corrected: list[tuple[CheckedRecord, dict[str, Any], dict[str, Any]]] = []
    for checked in records:
        current = existing.get((checked.kpi.id, checked.unit.id, checked.period))
        fields = _fields(checked)
        if current is not None and all(getattr(current, k) == v for k, v in fields.items()):
            summary.outcomes.append(RecordOutcome(checked, "unchanged", current.value))
            continue
        summary.outcomes.append(
            RecordOutcome(checked, "new" if current is None else "changed", None if current is None else current.value)
        )
        if current is None:
            row = {"kpi_id": checked.kpi.id, "unit_id": checked.unit.id, "period": checked.period, "revision": 1}
            created.append((checked, {**row, **fields, **stamp}))
        else:
            before = _audited(current)
            row = {**before, **fields, **stamp, "revision": current.revision + 1}
            corrected.append((checked, before, row))
    if dry_run or not (created or corrected):
        return summary

    if created:
        ids = session.execute(
            insert(KpiRecord).returning(col(KpiRecord.id), sort_by_parameter_order=True), [row for _, row in created]
        ).scalars()
        for (_, row), record_id in zip(created, ids, strict=True):
            row["id"] = record_id
    if corrected:
        session.execute(update(KpiRecord), [{k: v for k, v in row.items() if k in _UPDATED} for _, _, row in corrected])
        for record in existing.values():
            session.expire(record)  # the bulk update bypassed these objects
    revisions = []
    events = []
    for checked, row in created:
        revisions.append(_revision(row))
        events.append(_event(actor, "record", checked, row, None, now))
    for checked, before, row in corrected:
        revisions.append(_revision(row))
        events.append(_event(actor, "correct", checked, row, before, now))
    session.execute(insert(KpiRecordRevision), revisions)
    record_events(session, events)
    return summary


_UPDATED = {
    "id",
    "value",
    "numerator",
    "denominator",
    "source",
    "note",
    "revision",
    *("recorded_by_id", "recorded_by_label", "recorded_via", "recorded_at"),
}
_REVISION_FIELDS = (
    "value",
    "numerator",
    "denominator",
    "source",
    "note",
    "revision",
    "recorded_by_id",
    "recorded_by_label",
    "recorded_via",
    "recorded_at",
)


def _revision(row: dict[str, Any]) -> dict[str, Any]:
    return {"record_id": row["id"], **{k: row[k] for k in _REVISION_FIELDS}}


def _event(
    actor: Actor, action: str, checked: CheckedRecord, row: dict[str, Any], before: dict[str, Any] | None, now: Any
) -> dict[str, Any]:
    after = {k: v for k, v in row.items() if k not in _WHO_AND_WHEN}
    return event_row(
        actor,
        action,
        object_type="kpi_record",
        object_id=row["id"],
        label=f"{checked.kpi.code} {checked.unit.code} {checked.period}",
        before=before,
        after=after,
        unit_id=checked.unit.id,
        at=now,
    )


def numbers_changed(session: Session, records: Sequence[CheckedRecord]) -> list[CheckedRecord]:
    """The records whose numbers differ from what is recorded (a grid resubmits every cell)."""
    if not records:
        return []
    current = {
        (r.kpi_id, r.unit_id, r.period): (r.value, r.numerator, r.denominator)
        for r in session.execute(
            select(KpiRecord).where(
                col(KpiRecord.kpi_id).in_({c.kpi.id for c in records}),
                col(KpiRecord.unit_id).in_({c.unit.id for c in records}),
                col(KpiRecord.period).in_({c.period for c in records}),
            )
        ).scalars()
    }
    return [c for c in records if current.get((c.kpi.id, c.unit.id, c.period)) != (c.value, c.numerator, c.denominator)]


def _fields(checked: CheckedRecord) -> dict[str, Any]:
    return {
        "value": checked.value,
        "numerator": checked.numerator,
        "denominator": checked.denominator,
        "source": checked.source,
        "note": checked.note,
    }


# The audit event itself says who and when; its before and after hold what was recorded.
_WHO_AND_WHEN = ("recorded_at", "recorded_by_id", "recorded_by_label")


def _audited(record: KpiRecord) -> dict[str, Any]:
    return snapshot(record, exclude=_WHO_AND_WHEN)


# --- CSV ----------------------------------------------------------------------------------------


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


def history(session: Session, record_ids: Sequence[int]) -> dict[int, list[KpiRecordRevision]]:
    """Every revision of the given records, newest first."""
    out: dict[int, list[KpiRecordRevision]] = {i: [] for i in record_ids}
    for revision in session.execute(
        select(KpiRecordRevision)
        .where(col(KpiRecordRevision.record_id).in_(record_ids))
        .order_by(col(KpiRecordRevision.revision).desc())
    ).scalars():
        out[revision.record_id].append(revision)
    return out


# --- the entry grid -----------------------------------------------------------------------------


@dataclass
class GridCell:
    unit: OrgUnit
    period: str
    record: KpiRecord | None
    revisions: list[KpiRecordRevision]


@dataclass
class KpiGrid:
    kpi: Kpi
    periods: list[str]
    units: list[OrgUnit]
    cells: dict[tuple[int, str], GridCell]
    earlier: str | None  # the period to page back from, if there are earlier ones

    def cell(self, unit: OrgUnit, period: str) -> GridCell:
        return self.cells[(unit.id, period)]  # type: ignore[index]  # units from the database have ids


def due_periods(frequency: str, *, until: date, first: date, count: int) -> tuple[list[str], str | None]:
    """The last ``count`` periods that have begun by ``until``, oldest first, and whether earlier ones exist."""
    period = Period(until.year, Frequency(frequency), 1)
    while period.next().start <= until:
        period = period.next()
    out: list[Period] = []
    while len(out) < count and period.end >= first:
        out.append(period)
        period = period.previous()
    earlier = str(period) if period.end >= first else None
    return [str(p) for p in reversed(out)], earlier


def load_grid(session: Session, kpi: Kpi, scope: UnitScope, *, until: date, first: date, count: int = 6) -> KpiGrid:
    """Units in scope × the periods due, with each value's revisions: one query per table."""
    periods, earlier = due_periods(kpi.frequency, until=until, first=first, count=count)
    unit_statement = select(OrgUnit).order_by(col(OrgUnit.code))
    if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
        unit_statement = unit_statement.where(col(OrgUnit.parent_id).is_(None))
    units = list(session.execute(scope.filter(unit_statement, OrgUnit.id)).scalars())
    records = {
        (r.unit_id, r.period): r
        for r in session.execute(
            select(KpiRecord).where(
                col(KpiRecord.kpi_id) == kpi.id,
                col(KpiRecord.period).in_(periods),
                col(KpiRecord.unit_id).in_([u.id for u in units]),
            )
        ).scalars()
    }
    revisions = history(session, [r.id for r in records.values() if r.id is not None])
    cells = {}
    for unit in units:
        for period in periods:
            record = records.get((unit.id, period))
            cells[(unit.id, period)] = GridCell(
                unit, period, record, revisions.get(record.id, []) if record and record.id else []
            )
    return KpiGrid(kpi, periods, units, cells, earlier)
