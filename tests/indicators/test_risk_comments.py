"""A KPI value that puts its KPI at risk asks for a short comment (the record's note), when its
strategy says so (on by default): refused without one on every path that records, with a located
message and nothing written; shown next to the value on the dashboard and in the report.

The fixture strategy (2020–2025) has it off; these tests switch it on. FAC-A's KSUM runs from 10
(baseline) to 30 (target): in 2024, about 83 of 100 is expected, so 12 (progress 10) is at risk,
25 (75) behind and 28 (90) on track; 2025 is read as the concluded strategy's final evaluation,
where 12 is not achieved."""

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.cli import kpi
from indicators.models import KpiRecord, KpiRecordRevision, Strategy
from indicators.record_files import import_kpi_csv
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.risk_comments import NEEDS_COMMENT
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import Database
from maturity.errors import InvalidInput
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from reports.assembly import build_content
from reports.rendering import render_report_pdf
from tests.conftest import Backend
from tests.factories import STRATEGY_YAML, csrf_token, login, make_org
from tests.indicators.test_api import API, bearer, make_token
from tests.reports.test_content import pdf_text, squeeze

ACTOR = Actor.system("test")
EVERYTHING = UnitScope(everything=True, roots=frozenset())
EN = {"accept-language": "en"}
REFUSED = "The value 12 puts KPI KSUM at risk for FAC-A in 2024"


@pytest.fixture
def asks(session: Session, strategy: Strategy) -> Strategy:
    strategy.risk_comment_required = True
    session.commit()
    return strategy


def written(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        len(session.execute(select(KpiRecord)).all()),
        len(session.execute(select(KpiRecordRevision)).all()),
        len(session.execute(select(AuditEvent).where(col(AuditEvent.object_type) == "kpi_record")).all()),
    )


def record(session: Session, value: float, *, period: str = "2024", note: str = "", unit: str = "FAC-A") -> None:
    checked = check_records(session, [RecordInput("KSUM", unit, period, value=value, note=note)], EVERYTHING)
    record_values(session, checked, ACTOR, via="cli")


class TestTheRule:
    def test_a_value_at_risk_without_a_comment_is_refused_and_nothing_written(
        self, session: Session, asks: Strategy
    ) -> None:
        with pytest.raises(InvalidInput) as refused:
            record(session, 12)
        (problem,) = refused.value.problems
        assert problem.message == NEEDS_COMMENT
        assert problem.params == {"value": "12", "kpi": "KSUM", "unit": "FAC-A", "period": "2024"}
        session.rollback()
        assert written(session) == (0, 0, 0)

    def test_with_a_comment_it_is_recorded_with_it(self, session: Session, asks: Strategy) -> None:
        record(session, 12, note="Two projects postponed to 2025")
        assert session.execute(select(KpiRecord.note)).scalar_one() == "Two projects postponed to 2025"
        assert written(session) == (1, 1, 1)

    @pytest.mark.parametrize("value", [25, 28, 30])  # behind, on track, achieved
    def test_a_value_not_at_risk_needs_none(self, session: Session, asks: Strategy, value: float) -> None:
        record(session, value)
        assert written(session) == (1, 1, 1)

    def test_the_final_evaluation_of_a_concluded_strategy_asks_for_not_achieved(
        self, session: Session, asks: Strategy
    ) -> None:
        with pytest.raises(InvalidInput):
            record(session, 12, period="2025")
        record(session, 22, period="2025")  # progress 60: partly achieved

    def test_a_unit_without_a_target_has_no_status_and_needs_none(self, session: Session, asks: Strategy) -> None:
        record(session, 1, unit="FAC-B")  # a sum KPI: FAC-B has no target of its own
        assert written(session)[0] == 1

    def test_off_for_the_strategy_no_comment_is_needed(self, session: Session, strategy: Strategy) -> None:
        assert strategy.risk_comment_required is False  # the fixture's
        record(session, 12)
        assert written(session)[0] == 1

    def test_an_unchanged_value_is_not_asked_again(self, session: Session, strategy: Strategy) -> None:
        record(session, 12)  # recorded while the strategy did not ask
        strategy.risk_comment_required = True
        session.commit()
        record(session, 12)  # the same again: nothing written, nothing asked
        with pytest.raises(InvalidInput):
            record(session, 11)


class TestTheGrid:
    @pytest.fixture
    def leader(self, client: TestClient[Litestar], people: dict[str, User], asks: Strategy) -> TestClient[Litestar]:
        login(client, "leader@example.org")
        return client

    def test_htmx_autosave_refuses_with_the_message_in_the_live_region(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        headers = {"hx-request": "true", "x-csrftoken": csrf_token(leader, "/kpis/KSUM"), **EN}
        response = leader.post("/kpis/KSUM", data={"value|FAC-A|2024": "12"}, headers=headers)
        assert response.status_code == 422
        assert "FAC-A 2024: " + REFUSED in response.text
        assert "<table" not in response.text
        assert written(session) == (0, 0, 0)
        response = leader.post(
            "/kpis/KSUM", data={"value|FAC-A|2024": "12", "note|FAC-A|2024": "Two postponed"}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert session.execute(select(KpiRecord.note)).scalar_one() == "Two postponed"

    def test_without_javascript_the_grid_comes_back_with_the_comment_field_open(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        token = csrf_token(leader, "/kpis/KSUM")
        page = leader.get("/kpis/KSUM", headers=EN)
        assert 'name="note|FAC-A|2024"' in page.text
        response = leader.post(
            "/kpis/KSUM", data={"value|FAC-A|2024": "12", "value|DEP-A1|2024": "28", "_csrf_token": token}, headers=EN
        )
        assert response.status_code == 422
        assert REFUSED in response.text
        assert re.search(
            r'<details class="cell-comment" open>\s*<summary>Comment<span class="visually-hidden">: FAC-A 2024',
            response.text,
        )
        assert written(session) == (0, 0, 0)  # not even DEP-A1's value, which needs no comment
        response = leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2024": "12", "note|FAC-A|2024": "Two postponed", "_csrf_token": token},
            headers=EN,
            follow_redirects=False,
        )
        assert response.status_code in (302, 303)
        assert written(session)[0] == 1

    def test_the_comment_alone_can_be_added_to_a_recorded_value(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        record(session, 12, note="First word")
        session.commit()
        token = csrf_token(leader, "/kpis/KSUM")
        leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2024": "12", "note|FAC-A|2024": "Better word", "_csrf_token": token},
            headers=EN,
            follow_redirects=False,
        )
        session.expire_all()
        assert session.execute(select(KpiRecord.note)).scalar_one() == "Better word"


class TestCsvAndApi:
    def test_a_csv_file_is_refused_whole_with_line_and_column(self, session: Session, asks: Strategy) -> None:
        text = "kpi;unit;period;value;note\nKSUM;DEP-A1;2024;28;\nKSUM;FAC-A;2024;12;\n"
        with pytest.raises(InvalidInput) as refused:
            import_kpi_csv(session, text.encode(), EVERYTHING, ACTOR, dry_run=True)  # the preview says so too
        with pytest.raises(InvalidInput) as refused:
            import_kpi_csv(session, text.encode(), EVERYTHING, ACTOR, dry_run=False)
        (problem,) = refused.value.problems
        assert (problem.line, problem.column, problem.message) == (3, "note", NEEDS_COMMENT)
        session.rollback()
        assert written(session) == (0, 0, 0)
        fixed = text.replace("12;", "12;Two postponed")
        assert import_kpi_csv(session, fixed.encode(), EVERYTHING, ACTOR, dry_run=False).new == 2

    def test_the_import_page_shows_it(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], asks: Strategy
    ) -> None:
        login(client, "leader@example.org")
        response = client.post(
            "/kpis/import",
            files={"file": ("values.csv", b"kpi;unit;period;value\nKSUM;FAC-A;2024;12\n", "text/csv")},
            data={"_csrf_token": csrf_token(client, "/kpis/import")},
            headers=EN,
        )
        assert response.status_code == 422
        assert REFUSED in response.text
        assert written(session) == (0, 0, 0)

    def test_the_api_refuses_with_the_path_of_the_note(
        self, client: TestClient[Litestar], session: Session, asks: Strategy
    ) -> None:
        token = make_token(session, "FAC-A")
        body = {"records": [{"kpi": "KSUM", "unit": "FAC-A", "period": "2024", "value": 12}]}
        response = client.post(API, json=body, headers=bearer(token, **EN))
        assert response.status_code == 422
        text = response.text
        assert "records[0].note" in text
        assert REFUSED in text
        assert written(session) == (0, 0, 0)
        body["records"][0]["note"] = "Two postponed"
        assert client.post(API, json=body, headers=bearer(token, **EN)).status_code == 200
        assert written(session)[0] == 1


class TestShown:
    def test_next_to_the_value_on_the_dashboard_and_in_the_report(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], asks: Strategy
    ) -> None:
        record(session, 12, note="Two projects postponed to 2025", unit="DEP-A1")
        session.commit()
        login(client, "leader@example.org")
        page = client.get("/dashboard", params={"unit": "DEP-A1", "period": "2024"})  # the leader reads nb
        assert page.status_code == 200
        assert re.search(
            r'<span class="kpi-comment__label">Kommentar:</span> Two projects postponed to 2025', page.text
        )
        up = client.get("/dashboard", params={"unit": "FAC-A", "period": "2024"})
        # FAC-A's value is made from DEP-A1's: its comment is listed with the records behind it
        assert "Two projects postponed to 2025" in up.text
        assert '<span class="kpi-comment__label">Kommentar:</span> Two projects' not in up.text
        dep = session.execute(select(OrgUnit).where(col(OrgUnit.code) == "DEP-A1")).scalar_one()
        text = pdf_text(render_report_pdf(build_content(session, dep, "2024", "en")).data)
        assert squeeze("Comment: Two projects postponed to 2025") in text


class TestTheStrategySetting:
    def test_the_strategy_file_carries_it_exactly(self, session: Session, strategy: Strategy) -> None:
        text = export_strategy(session, strategy.id or 0)
        assert "risk_comment_required: false" in text
        on = re.sub(r"(?m)^ *risk_comment_required: false\n", "", text)
        import_strategy(session, on.encode(), ACTOR)
        session.commit()
        session.refresh(strategy)
        assert strategy.risk_comment_required is True  # the default
        assert export_strategy(session, strategy.id or 0) == on
        assert "risk_comment_required" not in on
        import_strategy(session, text.encode(), ACTOR)
        session.commit()
        session.refresh(strategy)
        assert strategy.risk_comment_required is False
        assert export_strategy(session, strategy.id or 0) == text
        events = session.execute(select(AuditEvent).where(col(AuditEvent.object_type) == "strategy")).scalars().all()
        assert any((e.after or {}).get("risk_comment_required") is False for e in events)

    def test_the_strategy_form_sets_it_and_the_audit_log_says_so(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], strategy: Strategy
    ) -> None:
        login(client, "office@example.org")
        page = client.get(f"/definitions/strategy/{strategy.id}/edit", headers=EN)
        assert 'name="risk_comment_required"' in page.text
        assert "A value at risk needs a comment" in page.text
        form = {
            "code": "test-strategy",
            "title_nb": "Teststrategi",
            "title_en": "Test strategy",
            "period_start": "2020-01-01",
            "period_end": "2025-12-31",
            "on_track_threshold": "0.95",
            "behind_threshold": "0.85",
            "risk_comment_required": "on",
            "_csrf_token": csrf_token(client),
        }
        url = f"/definitions/strategy/{strategy.id}/edit"
        assert client.post(url, data=form, headers=EN, follow_redirects=False).status_code == 303
        session.refresh(strategy)
        assert strategy.risk_comment_required is True
        event = (
            session.execute(
                select(AuditEvent).where(col(AuditEvent.object_type) == "strategy").order_by(col(AuditEvent.id).desc())
            )
            .scalars()
            .first()
        )
        assert event is not None
        assert (event.before or {}).get("risk_comment_required") is False
        assert (event.after or {}).get("risk_comment_required") is True


class TestTheCommandLine:
    def test_kpi_import_refuses_the_file_and_says_where(self, backend: Backend, tmp_path: Path) -> None:
        url = backend.fresh_url()
        database = Database.from_url(url)
        with database.session() as session:
            make_org(session)
            on = re.sub(r"(?m)^ *risk_comment_required: false\n", "", STRATEGY_YAML)  # the default: on
            import_strategy(session, on.encode(), ACTOR)
            session.commit()
        values = tmp_path / "values.csv"
        values.write_text("kpi;unit;period;value;note\nKSUM;FAC-A;2024;12;\n", encoding="utf-8")
        env = {"MATURITY_DATABASE_URL": url, "MATURITY_MODE": None, "MATURITY_SECRET_KEY": None}
        runner = CliRunner(env=env, catch_exceptions=False)
        result = runner.invoke(kpi, ["import", str(values)])
        assert result.exit_code == 1
        assert result.stderr.splitlines()[1] == (
            "  line 2, column note: " + REFUSED + ": add a short comment saying why (the note)."
        )
        values.write_text("kpi;unit;period;value;note\nKSUM;FAC-A;2024;12;Two postponed\n", encoding="utf-8")
        assert runner.invoke(kpi, ["import", str(values)]).exit_code == 0
        with database.session() as session:
            assert session.execute(select(KpiRecord.note)).scalar_one() == "Two postponed"
        database.dispose()
