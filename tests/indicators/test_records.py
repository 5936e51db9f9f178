"""KPI records: the CSV import (accepted formats, located rejections, all or nothing), corrections
with history, audit events, and the CSV export."""

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.kpi_grid import history
from indicators.models import Kpi, KpiRecord, KpiRecordRevision, Strategy
from indicators.record_files import export_kpi_csv, import_kpi_csv, read_kpi_csv
from indicators.recording import RecordSummary, numbers_changed, record_values
from indicators.records import NOT_NEGATIVE, RecordInput, check_grid, check_records
from indicators.strategy_file import import_strategy
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.csvio import DEFAULT_MAX_BYTES
from maturity.errors import InvalidInput, NotFound, Problem
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from tests.factories import Org

ACTOR = Actor.system("test")
EVERYTHING = UnitScope(everything=True, roots=frozenset())
NEXT_YEAR = str(date.today().year + 1)

# KPIs reported per tertial, quarter and month, next to the fixture strategy's yearly and
# per-semester ones.
PERIODIC_YAML = """\
format: maturity-strategy/1
strategy:
  code: periodic
  title: {nb: Perioder, en: Periods}
  period: {start: 2020-01-01, end: 2025-12-31}
  goals:
    - code: P1
      title: {nb: Mål, en: Goal}
      indicators:
        - code: P1.I1
          title: {nb: Indikator, en: Indicator}
          kpis:
"""
for _code, _frequency, _aggregation in (
    ("KTER", "tertial", "sum"),
    ("KQUART", "quarter", "sum"),
    ("KMONTH", "month", "mean"),
):
    PERIODIC_YAML += f"""\
            - code: {_code}
              name: {{nb: {_code}, en: {_code}}}
              direction: higher
              scoring: progress
              frequency: {_frequency}
              aggregation: {_aggregation}
              targets: [{{valid_from: 2020-01-01, value: 10}}]
"""


@pytest.fixture
def kpis(session: Session, org: Org, strategy: Strategy) -> dict[str, Kpi]:
    """The fixture strategy's KPIs and three more: one for each frequency."""
    import_strategy(session, PERIODIC_YAML.encode(), ACTOR)
    session.commit()
    return {k.code: k for k in session.execute(select(Kpi)).scalars()}


def row_counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    records, revisions, events = (
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (KpiRecord, KpiRecordRevision, AuditEvent)
    )
    return records, revisions, events


def csv_import(session: Session, text: str, *, scope: UnitScope = EVERYTHING, dry_run: bool = False) -> RecordSummary:
    return import_kpi_csv(session, text.encode(), scope, ACTOR, dry_run=dry_run)


def rejected(session: Session, data: bytes, scope: UnitScope = EVERYTHING) -> list[Problem]:
    """The problems of a rejected file, after checking that nothing was written, not even on a dry run."""
    before = row_counts(session)
    for dry_run in (True, False):
        with pytest.raises(InvalidInput) as caught:
            import_kpi_csv(session, data, scope, ACTOR, dry_run=dry_run)
        assert row_counts(session) == before
    return caught.value.problems


def located(problems: list[Problem]) -> list[tuple[int | None, str | None, str | None]]:
    return [(p.line, p.column, p.value) for p in problems]


def current(session: Session, kpi: str, unit: str, period: str) -> KpiRecord:
    session.expire_all()
    return session.execute(
        select(KpiRecord)
        .join(Kpi, col(Kpi.id) == col(KpiRecord.kpi_id))
        .join(OrgUnit, col(OrgUnit.id) == col(KpiRecord.unit_id))
        .where(col(Kpi.code) == kpi, col(OrgUnit.code) == unit, col(KpiRecord.period) == period)
    ).scalar_one()


class TestTheCsvFormatsPeopleSendAreAccepted:
    @pytest.mark.parametrize(
        ("data", "note"),
        [
            pytest.param("kpi,unit,period,value,note\nKSUM,DEP-A1,2024,12,første\n".encode(), "første", id="utf-8"),
            pytest.param(
                b"\xef\xbb\xbf" + "kpi;unit;period;value;note\nKSUM;DEP-A1;2024;12;første\n".encode(),
                "første",
                id="utf-8 with BOM",
            ),
            pytest.param(
                "kpi;unit;period;value;note\r\nKSUM;DEP-A1;2024;12;æøå\r\n".encode("cp1252"),
                "æøå",
                id="windows-1252",
            ),
            pytest.param(b"kpi\tunit\tperiod\tvalue\tnote\nKSUM\tDEP-A1\t2024\t12\ttab\n", "tab", id="tab"),
            pytest.param(b"kpi,unit,period,value,note\nKSUM,DEP-A1,2024,12,\n\n\n", "", id="blank trailing lines"),
            pytest.param(b"kpi;unit;period;value;note\nKSUM;DEP-A1;2024;12;\n;;;;\n\n", "", id="empty trailing rows"),
        ],
    )
    def test_encodings_delimiters_and_trailing_lines(
        self, session: Session, kpis: dict[str, Kpi], data: bytes, note: str
    ) -> None:
        summary = import_kpi_csv(session, data, EVERYTHING, ACTOR, dry_run=False)

        assert summary.new == 1
        saved = current(session, "KSUM", "DEP-A1", "2024")
        assert (saved.value, saved.note, saved.recorded_via) == (12, note, "csv")

    @pytest.mark.parametrize(
        ("data", "value"),
        [
            pytest.param("kpi;unit;period;value\nKLOW;DEP-A1;2024;12,5\n", 12.5, id="decimal comma"),
            pytest.param("kpi,unit,period,value\nKLOW,DEP-A1,2024,12.5\n", 12.5, id="decimal point"),
            pytest.param("kpi;unit;period;value\nKLOW;DEP-A1;2024;1\u00a0234,5\n", 1234.5, id="thousands with nbsp"),
            pytest.param("kpi;unit;period;value\nKLOW;DEP-A1;2024;1 234 567\n", 1234567, id="thousands with space"),
        ],
    )
    def test_numbers_as_people_write_them(
        self, session: Session, kpis: dict[str, Kpi], data: str, value: float
    ) -> None:
        csv_import(session, data)

        assert current(session, "KLOW", "DEP-A1", "2024").value == value

    def test_norwegian_column_names(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(
            session,
            "kpi;enhet;periode;verdi;teller;nevner;kilde;merknad\n"
            "KRATIO;DEP-A1;2024-S1;;3;4;FS;våren\n"
            "KSUM;DEP-A1;2024;7;;;DBH;\n",
        )

        share = current(session, "KRATIO", "DEP-A1", "2024-S1")
        assert (share.value, share.numerator, share.denominator, share.source, share.note) == (75, 3, 4, "FS", "våren")
        assert current(session, "KSUM", "DEP-A1", "2024").source == "DBH"

    def test_a_period_of_every_frequency(self, session: Session, kpis: dict[str, Kpi]) -> None:
        summary = csv_import(
            session,
            "kpi;unit;period;value;numerator;denominator\n"
            "KSUM;DEP-A1;2024;1;;\n"
            "KRATIO;DEP-A1;2024-S1;;1;2\n"
            "KTER;DEP-A1;2024-T2;3;;\n"
            "KQUART;DEP-A1;2024-Q3;4;;\n"
            "KMONTH;DEP-A1;2024-03;5;;\n",
        )

        assert summary.new == 5
        periods = set(session.execute(select(col(Kpi.code), col(KpiRecord.period)).join(Kpi)).tuples())
        assert periods == {
            ("KSUM", "2024"),
            ("KRATIO", "2024-S1"),
            ("KTER", "2024-T2"),
            ("KQUART", "2024-Q3"),
            ("KMONTH", "2024-03"),
        }


class TestBadFilesAreRejectedWithLocatedProblemsAndNothingWritten:
    @pytest.mark.parametrize(
        ("text", "where"),
        [
            pytest.param("kpi;unit;value\nKSUM;DEP-A1;12\n", (1, "period", None), id="missing column"),
            pytest.param("kpi;unit;period;value\nKSUM;NOPE;2024;12\n", (2, "unit", "NOPE"), id="unknown unit"),
            pytest.param("kpi;unit;period;value\nKNOPE;DEP-A1;2024;12\n", (2, "kpi", "KNOPE"), id="unknown kpi"),
            pytest.param("kpi;unit;period;value\nKSUM;DEP-A1;2024;12x\n", (2, "value", "12x"), id="bad number"),
            pytest.param(
                "kpi;unit;period;value\nKSUM;DEP-A1;2024;12\nKSUM;DEP-A1;2024;13\n",
                (3, "period", "2024"),
                id="duplicate row",
            ),
            pytest.param(
                "kpi;unit;period;value\nKSUM;DEP-A1;2024-S1;12\n",
                (2, "period", "2024-S1"),
                id="period of another frequency",
            ),
            pytest.param(
                "kpi;unit;period;value\nKSUM;DEP-A1;2024-13;12\n", (2, "period", "2024-13"), id="not a period"
            ),
            pytest.param(
                "kpi;unit;period;numerator;denominator\nKRATIO;DEP-A1;2024-S1;5;4\n",
                (2, "numerator", "5"),
                id="numerator above denominator",
            ),
            pytest.param(
                f"kpi;unit;period;value\nKSUM;DEP-A1;{NEXT_YEAR};12\n", (2, "period", NEXT_YEAR), id="future period"
            ),
            pytest.param(
                "kpi;unit;period;value\nKINST;DEP-A1;2024;1\n", (2, "unit", "DEP-A1"), id="institution-only kpi"
            ),
            pytest.param(
                "kpi;unit;period;value;numerator;denominator\nKRATIO;DEP-A1;2024-S1;70;1;2\n",
                (2, "value", "70"),
                id="value contradicts the share",
            ),
            pytest.param("kpi;unit;period;value\nKSUM;DEP-A1;2024;-3\n", (2, "value", "-3"), id="negative count"),
            pytest.param("kpi;unit;period;value\nKINST;UNI;2024;2\n", (2, "value", "2"), id="binary value 2"),
            pytest.param("kpi;unit;period;value\nKSUM;DEP-A1;;12\n", (2, "period", ""), id="empty period"),
        ],
    )
    def test_a_bad_row(
        self, session: Session, kpis: dict[str, Kpi], text: str, where: tuple[int, str, str | None]
    ) -> None:
        assert located(rejected(session, text.encode())) == [where]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            pytest.param(b"", "The file is empty.", id="empty"),
            pytest.param(b"\n\n", "The file is empty.", id="blank lines only"),
            pytest.param(b"kpi;unit;period;value\n", "The file has a header but no rows.", id="header only"),
            pytest.param(
                b"kpi;unit;period;value\n" + b"KSUM;DEP-A1;2024;1\n" * (DEFAULT_MAX_BYTES // 19 + 1),
                "The file is larger than the limit of %(limit)s MB.",
                id="over the cap",
            ),
            pytest.param(
                b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "The file is not a text (CSV) file.", id="binary junk"
            ),
        ],
    )
    def test_a_bad_file(self, session: Session, kpis: dict[str, Kpi], data: bytes, message: str) -> None:
        [problem] = rejected(session, data)

        assert problem.message == message
        assert located([problem]) == [(None, None, None)]

    def test_bytes_that_are_no_text_encoding_are_located_by_line(self, session: Session, kpis: dict[str, Kpi]) -> None:
        [problem] = rejected(session, b"kpi;unit;period;value\nKSUM;DEP-A1;2024;1\n\x81\x8d\x8f\x90\n")

        assert (problem.line, problem.params) == (3, {"byte": "0x81"})

    def test_a_unit_outside_the_scope_reads_like_an_unknown_unit(
        self, session: Session, org: Org, kpis: dict[str, Kpi]
    ) -> None:
        fac_a = UnitScope(everything=False, roots=frozenset({org["FAC-A"].id}))  # type: ignore[arg-type]

        [outside] = rejected(session, b"kpi;unit;period;value\nKSUM;DEP-B1;2024;12\n", fac_a)
        [unknown] = rejected(session, b"kpi;unit;period;value\nKSUM;DEP-XX;2024;12\n", fac_a)

        assert (outside.message, outside.params, located([outside])) == (
            unknown.message,
            {"value": "DEP-B1"},
            [(2, "unit", "DEP-B1")],
        )
        assert unknown.params == {"value": "DEP-XX"}

    def test_every_bad_row_is_reported_at_once(self, session: Session, kpis: dict[str, Kpi]) -> None:
        problems = rejected(
            session,
            b"kpi;unit;period;value\n"
            b"KSUM;DEP-A1;2024;12\n"
            b"KSUM;NOPE;2024;12\n"
            b"KNOPE;DEP-A1;2024;12\n"
            b"KSUM;DEP-A2;2024-S1;12\n"
            b"KSUM;DEP-B1;2024;-1\n",
        )

        assert located(problems) == [
            (3, "unit", "NOPE"),
            (4, "kpi", "KNOPE"),
            (5, "period", "2024-S1"),
            (6, "value", "-1"),
        ]

    def test_every_unreadable_number_is_reported_at_once(self, session: Session, kpis: dict[str, Kpi]) -> None:
        problems = rejected(session, b"kpi;unit;period;value\nKSUM;DEP-A1;2024;x\nKSUM;DEP-A2;2024;1,2,3\n")

        assert located(problems) == [(2, "value", "x"), (3, "value", "1,2,3")]

    def test_unreadable_cells_and_rows_that_do_not_check_are_reported_together(
        self, session: Session, kpis: dict[str, Kpi]
    ) -> None:
        problems = rejected(
            session,
            b"kpi;unit;period;value\nKSUM;NOPE;2024;12\nKSUM;DEP-A1;2024;12x\nKSUM;DEP-A2;;12\nKNOPE;DEP-A1;2024;1\n",
        )

        assert located(problems) == [(2, "unit", "NOPE"), (3, "value", "12x"), (4, "period", ""), (5, "kpi", "KNOPE")]

    def test_a_good_file_after_a_bad_one_is_written_whole(self, session: Session, kpis: dict[str, Kpi]) -> None:
        records, revisions, events = row_counts(session)
        rejected(session, b"kpi;unit;period;value\nKSUM;DEP-A1;2024;12\nKSUM;NOPE;2024;12\n")

        summary = csv_import(session, "kpi;unit;period;value\nKSUM;DEP-A1;2024;12\nKSUM;DEP-A2;2024;13\n")

        assert summary.new == 2
        assert row_counts(session) == (records + 2, revisions + 2, events + 2)


class TestADryRunWritesNothing:
    def test_it_reports_new_changed_and_unchanged(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(session, "kpi;unit;period;value\nKSUM;DEP-A1;2024;12\nKSUM;DEP-A2;2024;13\n")
        session.commit()
        before = row_counts(session)

        summary = csv_import(
            session,
            "kpi;unit;period;value\nKSUM;DEP-A1;2024;12\nKSUM;DEP-A2;2024;14\nKSUM;DEP-B1;2024;15\n",
            dry_run=True,
        )

        assert (summary.new, summary.changed, summary.unchanged) == (1, 1, 1)
        changed = next(o for o in summary.outcomes if o.status == "changed")
        assert (changed.record.unit.code, changed.previous, changed.record.value) == ("DEP-A2", 13, 14)
        assert row_counts(session) == before
        assert current(session, "KSUM", "DEP-A2", "2024").value == 13


class TestACorrectionKeepsTheOldValueInHistory:
    def test_both_revisions_are_kept(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(session, "kpi;unit;period;value;note\nKSUM;DEP-A1;2024;12;first\n")
        session.commit()

        summary = csv_import(session, "kpi;unit;period;value;note\nKSUM;DEP-A1;2024;15;corrected\n")
        session.commit()

        assert (summary.new, summary.changed) == (0, 1)
        record = current(session, "KSUM", "DEP-A1", "2024")
        assert (record.revision, record.value, record.note) == (2, 15, "corrected")
        assert record.id is not None
        revisions = history(session, [record.id])[record.id]
        assert [(r.revision, r.value, r.note) for r in revisions] == [(2, 15, "corrected"), (1, 12, "first")]

    def test_a_note_alone_is_a_correction_too(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(session, "kpi;unit;period;value;note\nKSUM;DEP-A1;2024;12;\n")

        summary = csv_import(session, "kpi;unit;period;value;note\nKSUM;DEP-A1;2024;12;checked\n")

        assert summary.changed == 1
        assert current(session, "KSUM", "DEP-A1", "2024").revision == 2


class TestReimportingTheSameFileIsIdempotent:
    def test_all_unchanged_no_revisions_no_events(self, session: Session, kpis: dict[str, Kpi]) -> None:
        text = (
            "kpi;unit;period;value;numerator;denominator;source;note\n"
            "KSUM;DEP-A1;2024;12;;;DBH;\n"
            "KRATIO;FAC-B;2024-S2;;17;51;FS;a third\n"
            "KLOW;DEP-A2;2023;3,25;;;;\n"
            "KINST;UNI;2024;1;;;;\n"
        )
        csv_import(session, text)
        session.commit()
        before = row_counts(session)

        summary = csv_import(session, text)

        assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 4)
        assert row_counts(session) == before
        assert current(session, "KRATIO", "FAC-B", "2024-S2").revision == 1


class TestEveryChangeMakesAnAuditEvent:
    def test_one_event_per_new_or_corrected_record(self, session: Session, org: Org, kpis: dict[str, Kpi]) -> None:
        csv_import(session, "kpi;unit;period;value\nKSUM;DEP-A1;2024;12\nKSUM;DEP-B1;2024;20\n")
        session.commit()
        csv_import(session, "kpi;unit;period;value\nKSUM;DEP-A1;2024;15\nKSUM;DEP-B1;2024;20\n")
        session.commit()

        events = list(session.execute(select(AuditEvent).order_by(col(AuditEvent.id))).scalars())
        record_events = [e for e in events if e.object_type == "kpi_record"]
        assert [(e.action, e.unit_id, e.object_label) for e in record_events] == [
            ("record", org["DEP-A1"].id, "KSUM DEP-A1 2024"),
            ("record", org["DEP-B1"].id, "KSUM DEP-B1 2024"),
            ("correct", org["DEP-A1"].id, "KSUM DEP-A1 2024"),
        ]
        created, _, corrected = record_events
        assert created.before is None
        assert created.after is not None
        assert created.after["value"] == 12
        assert corrected.before is not None
        assert corrected.after is not None
        assert (corrected.before["value"], corrected.after["value"]) == (12, 15)
        assert (corrected.before["revision"], corrected.after["revision"]) == (1, 2)
        assert all(e.actor_label == "test" for e in record_events)


class TestNumbersChangedSkipsCellsWithTheSameNumbers:
    def test_only_changed_and_new_numbers_remain(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(
            session,
            "kpi;unit;period;value;numerator;denominator;note\n"
            "KSUM;DEP-A1;2024;12;;;old note\n"
            "KSUM;DEP-A2;2024;13;;;\n"
            "KRATIO;DEP-A1;2024-S1;;1;3;\n",
        )
        session.commit()
        grid = [
            RecordInput("KSUM", "DEP-A1", "2024", value=12, note="a new note, same number"),
            RecordInput("KSUM", "DEP-A2", "2024", value=14),
            RecordInput("KSUM", "DEP-B1", "2024", value=1),
            RecordInput("KRATIO", "DEP-A1", "2024-S1", numerator=1, denominator=3),
            RecordInput("KRATIO", "DEP-A2", "2024-S1", numerator=2, denominator=3),
        ]

        changed = numbers_changed(session, check_records(session, grid, EVERYTHING))

        assert [(c.kpi.code, c.unit.code) for c in changed] == [
            ("KSUM", "DEP-A2"),
            ("KSUM", "DEP-B1"),
            ("KRATIO", "DEP-A2"),
        ]
        summary = record_values(session, changed, ACTOR, via="form")
        assert summary.new + summary.changed == 3
        assert current(session, "KSUM", "DEP-A1", "2024").note == "old note"

    def test_no_records_no_query(self, session: Session, kpis: dict[str, Kpi]) -> None:
        assert numbers_changed(session, []) == []


EXPORT_SOURCE = (
    "kpi;unit;period;value;numerator;denominator;source;note\n"
    "KSUM;DEP-A1;2024;12;;;DBH;første\n"
    "KSUM;DEP-B1;2024;1 234;;;DBH;\n"
    "KSUM;UNI;2023;30;;;;\n"
    'KRATIO;SEC-A2X;2024-S2;;17;51;FS;"a third; roughly"\n'
    "KLOW;DEP-A2;2023;3,25;;;;\n"
    "KLOW;FAC-A;2023;0,00001;;;;tiny\n"
    "KMONTH;DEP-A1;2024-03;2,5;;;;\n"
)


class TestTheCsvExportReimportsAsUnchanged:
    def test_the_whole_export_reimports_unchanged(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(session, EXPORT_SOURCE)
        session.commit()
        before = row_counts(session)

        exported = export_kpi_csv(session, EVERYTHING)
        summary = import_kpi_csv(session, exported.encode(), EVERYTHING, ACTOR, dry_run=False)

        assert (summary.new, summary.changed, summary.unchanged) == (0, 0, 7)
        assert row_counts(session) == before
        assert len(read_kpi_csv(exported.encode())) == 7

    def test_it_respects_the_scope(self, session: Session, org: Org, kpis: dict[str, Kpi]) -> None:
        csv_import(session, EXPORT_SOURCE)
        session.commit()
        fac_a = UnitScope(everything=False, roots=frozenset({org["FAC-A"].id}))  # type: ignore[arg-type]

        exported = export_kpi_csv(session, fac_a)

        rows = read_kpi_csv(exported.encode())
        assert sorted((r.kpi, r.unit, r.period) for r in rows) == [
            ("KLOW", "DEP-A2", "2023"),
            ("KLOW", "FAC-A", "2023"),
            ("KMONTH", "DEP-A1", "2024-03"),
            ("KRATIO", "SEC-A2X", "2024-S2"),
            ("KSUM", "DEP-A1", "2024"),
        ]
        summary = import_kpi_csv(session, exported.encode(), fac_a, ACTOR, dry_run=False)
        assert summary.unchanged == 5

    def test_it_can_be_limited_to_some_kpis(self, session: Session, kpis: dict[str, Kpi]) -> None:
        csv_import(session, EXPORT_SOURCE)

        exported = export_kpi_csv(session, EVERYTHING, kpi_codes=["KLOW"])

        assert {r.kpi for r in read_kpi_csv(exported.encode())} == {"KLOW"}


class TestCheckGrid:
    """The entry grid's form: cells named ``value|UNIT|PERIOD``, problems handed back per cell."""

    def test_it_checks_every_typed_cell_and_maps_problems_to_their_cells(
        self, session: Session, kpis: dict[str, Kpi]
    ) -> None:
        form = {
            "value|DEP-A1|2023": "12",
            "value|DEP-A2|2023": "twelve",
            "value|FAC-A|2023": "-3",  # KSUM is not a KPI that may be negative
            "value|DEP-B1|2023": "",  # left empty: nothing to check
            "until": "2024",
        }
        checked = check_grid(session, kpis["KSUM"], form, EVERYTHING, source="by hand", note="")
        assert set(checked.typed) == {("DEP-A1", "2023"), ("DEP-A2", "2023"), ("FAC-A", "2023"), ("DEP-B1", "2023")}
        assert {cell: [p.message for p in found] for cell, found in checked.errors.items()} == {
            ("DEP-A2", "2023"): ["Not a number."],
            ("FAC-A", "2023"): [NOT_NEGATIVE],
        }
        assert checked.records == []  # nothing may be recorded while a cell is wrong

    def test_good_cells_become_checked_records(self, session: Session, kpis: dict[str, Kpi]) -> None:
        form = {"numerator|DEP-A1|2023-S1": "3", "denominator|DEP-A1|2023-S1": "4"}
        checked = check_grid(session, kpis["KRATIO"], form, EVERYTHING, source="by hand", note="n")
        assert checked.errors == {}
        [record] = checked.records
        assert (record.unit.code, record.period, record.value, record.source, record.note) == (
            "DEP-A1",
            "2023-S1",
            75.0,
            "by hand",
            "n",
        )

    def test_a_cell_of_a_unit_outside_the_scope_is_not_found(
        self, session: Session, org: Org, kpis: dict[str, Kpi]
    ) -> None:
        fac_a = UnitScope(everything=False, roots=frozenset({org["FAC-A"].id}))  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            check_grid(session, kpis["KSUM"], {"value|DEP-B1|2023": ""}, fac_a, source="", note="")
