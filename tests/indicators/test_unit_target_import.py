"""Targets per unit from a CSV file: real-world formats, every bad case refused with line,
column and value and nothing written, the round trip exact, audited; through the service and
the strategy page."""

import re
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import KpiTarget, Strategy
from indicators.unit_target_import import export_unit_targets_csv, import_unit_targets_csv
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import InvalidInput
from tests.factories import Org, csrf_token, login

ACTOR = Actor.system("test")


def unit_rows(session: Session) -> int:
    return session.execute(
        select(func.count()).select_from(KpiTarget).where(col(KpiTarget.unit_id).is_not(None))
    ).scalar_one()


class TestImport:
    def test_a_norwegian_spreadsheet(self, session: Session, strategy: Strategy) -> None:
        before = unit_rows(session)
        text = "\ufeffNøkkeltall;Enhet;Type;Gyldig_fra;Verdi\r\nKSUM;FAC-B;mål;01.01.2024;1 234,5\r\nKRATIO;DEP-A1;target;2024-01-01;75,5\r\n;;;;\r\n\r\n"
        summary = import_unit_targets_csv(session, text.encode("utf-8"), ACTOR, dry_run=False)
        assert (summary.created, summary.changed, summary.unchanged) == (2, 0, 0)
        assert unit_rows(session) == before + 2
        rows = session.execute(select(KpiTarget).where(col(KpiTarget.valid_from) == date(2024, 1, 1))).scalars().all()
        assert sorted(r.value for r in rows if r.unit_id is not None) == [75.5, 1234.5]
        events = session.execute(select(AuditEvent).where(col(AuditEvent.object_type) == "kpi_target")).scalars().all()
        assert {e.object_label for e in events if e.action == "create"} >= {
            "KSUM target FAC-B 2024-01-01",
            "KRATIO target DEP-A1 2024-01-01",
        }

    def test_windows_1252_with_commas(self, session: Session, strategy: Strategy) -> None:
        text = 'kpi,unit,kind,valid_from,value\nKSUM,FAC-B,utgangsverdi,2024-01-01,"3,5"\n'
        summary = import_unit_targets_csv(session, text.encode("cp1252"), ACTOR, dry_run=False)
        assert summary.created == 1

    def test_a_changed_value_is_an_update_and_a_dry_run_writes_nothing(
        self, session: Session, strategy: Strategy
    ) -> None:
        import_unit_targets_csv(
            session, b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;20\n", ACTOR, dry_run=False
        )
        before = unit_rows(session)
        dry = import_unit_targets_csv(
            session, b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;25\n", ACTOR, dry_run=True
        )
        assert (dry.created, dry.changed) == (0, 1)
        assert session.execute(select(KpiTarget.value).where(col(KpiTarget.value) == 25)).first() is None
        done = import_unit_targets_csv(
            session, b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;25\n", ACTOR, dry_run=False
        )
        assert done.changed == 1
        assert unit_rows(session) == before  # the same row, a new value

    @pytest.mark.parametrize(
        ("line", "column", "value", "words"),
        [
            ("NOPE;FAC-A;target;2024-01-01;1", "kpi", "NOPE", "Unknown KPI NOPE."),
            ("KSUM;NOWHERE;target;2024-01-01;1", "unit", "NOWHERE", "Unknown unit NOWHERE."),
            ("KSUM;FAC-A;target;2024-13-01;1", "valid_from", "2024-13-01", "Not a date"),
            ("KSUM;FAC-A;target;31.02.2024;1", "valid_from", "31.02.2024", "Not a date"),
            ("KSUM;FAC-A;target;2024-01-01;12,", "value", "12,", "Not a number."),
            ("KSUM;FAC-A;target;2024-01-01;many", "value", "many", "Not a number."),
            ("KSUM;FAC-A;goal;2024-01-01;1", "kind", "goal", "Unknown kind"),
            ("KINST;FAC-A;target;2024-01-01;1", "unit", "FAC-A", "measured for the whole institution only"),
            ("KRATIO;FAC-A;target;2024-01-01;140", "value", "140", "between 0 and 100"),
            ("KINST;UNI;target;2024-01-01;2", "value", "2", "values 0 and 1"),
        ],
    )
    def test_every_bad_row_is_refused_with_its_place_and_nothing_is_written(
        self, session: Session, strategy: Strategy, line: str, column: str, value: str, words: str
    ) -> None:
        before = unit_rows(session)
        data = f"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;5\n{line}\n".encode()
        with pytest.raises(InvalidInput) as caught:
            import_unit_targets_csv(session, data, ACTOR, dry_run=False)
        [problem] = caught.value.problems
        assert (problem.line, problem.column, problem.value) == (3, column, value)
        assert words in problem.message % problem.params
        assert unit_rows(session) == before  # the good first row is not written either

    def test_a_duplicate_names_the_first_line(self, session: Session, strategy: Strategy) -> None:
        data = b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;5\nKSUM;FAC-B;target;01.01.2024;6\n"
        with pytest.raises(InvalidInput) as caught:
            import_unit_targets_csv(session, data, ACTOR, dry_run=False)
        [problem] = caught.value.problems
        assert problem.line == 3
        assert problem.message % problem.params == "The same KPI, unit, kind and date appear twice (first on line 2)."

    def test_every_problem_at_once(self, session: Session, strategy: Strategy) -> None:
        data = b"kpi;unit;kind;valid_from;value\nNOPE;FAC-B;target;2024-01-01;5\nKSUM;FAC-B;target;soon;x\n"
        with pytest.raises(InvalidInput) as caught:
            import_unit_targets_csv(session, data, ACTOR, dry_run=False)
        assert [(p.line, p.column) for p in caught.value.problems] == [(2, "kpi"), (3, "valid_from"), (3, "value")]

    def test_a_missing_column_is_refused(self, session: Session, strategy: Strategy) -> None:
        with pytest.raises(InvalidInput) as caught:
            import_unit_targets_csv(session, b"kpi;unit;kind;value\nKSUM;FAC-B;target;5\n", ACTOR, dry_run=False)
        assert any("valid_from" in p.message % p.params for p in caught.value.problems)


class TestRoundTrip:
    def test_export_then_import_changes_nothing_and_exports_the_same(
        self, session: Session, strategy: Strategy
    ) -> None:
        import_unit_targets_csv(
            session,
            b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;12,25\n",
            ACTOR,
            dry_run=False,
        )
        kpi_ids = list(session.execute(select(col(KpiTarget.kpi_id)).distinct()).scalars())
        first = export_unit_targets_csv(session, kpi_ids)
        assert "KSUM;FAC-B;target;2024-01-01;12.25" in first
        again = import_unit_targets_csv(session, first.encode(), ACTOR, dry_run=False)
        assert (again.created, again.changed) == (0, 0)
        assert again.unchanged == first.count("\n") - 1
        assert export_unit_targets_csv(session, kpi_ids) == first


class TestPage:
    def test_check_then_record_through_the_strategy_page(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        login(client, "office@example.org")
        url = "/strategy/test-strategy/targets/import"
        token = csrf_token(client, url)
        files = {
            "file": ("targets.csv", b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;7\n", "text/csv")
        }
        checked = client.post(url, files=files, data={"_csrf_token": token}, headers={"accept-language": "en"})
        assert checked.status_code == 200
        assert "1 new rows, 0 changed and 0 unchanged. Nothing has been saved yet." in checked.text
        before = unit_rows(session)
        bad = {"file": ("bad.csv", b"kpi;unit;kind;valid_from;value\nKSUM;NOWHERE;target;2024-01-01;7\n", "text/csv")}
        refused = client.post(url, files=bad, data={"_csrf_token": token}, headers={"accept-language": "en"})
        assert refused.status_code == 422
        assert "Unknown unit NOWHERE." in refused.text
        kept = re.search(r'name="upload" value="([^"]+)"', checked.text)
        assert kept
        assert "payload" not in checked.text  # the file stays on the server
        done = client.post(
            url,
            data={"_csrf_token": token, "upload": kept.group(1), "commit": "1"},
            files={"file": ("", b"", "application/octet-stream")},
            follow_redirects=False,
        )
        assert done.status_code == 303
        session.expire_all()
        assert unit_rows(session) == before + 1
        again = client.post(
            url,
            data={"_csrf_token": token, "upload": kept.group(1), "commit": "1"},
            files={"file": ("", b"", "application/octet-stream")},
            headers={"accept-language": "en"},
        )
        assert again.status_code == 422
        assert "The checked file has expired: choose it again." in again.text

    def test_leaders_cannot_import(
        self, client: TestClient[Litestar], people: dict[str, User], strategy: Strategy, org: Org
    ) -> None:
        login(client, "leader@example.org")
        assert client.get("/strategy/test-strategy/targets/import").status_code == 403
