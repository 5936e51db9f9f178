"""Scores kept per input version: every write path to what scores read changes the version, so
the next request shows the new figures; writes that feed no score leave it alone. On both
databases (the suite runs twice)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update
from sqlmodel import Session, col

from indicators.editing import KINDS
from indicators.editing_services import form_from_item, update_item
from indicators.models import Goal, Kpi, KpiTarget, Strategy
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.score_cache import CLOSING_MARGIN, ScoreCache, inputs_key
from indicators.scorecard import EVERYTHING
from indicators.unit_target_import import import_unit_targets_csv
from maturity.audit.services import Actor, record_event
from maturity.auth.models import User, UserSession
from maturity.db import Database, utcnow
from maturity.inputs.services import input_version
from maturity.units.models import OrgUnit
from reports.narratives import save_narrative
from surveys.models import Response, Survey, SurveyRound
from surveys.scheduling import close_round_now
from tests.factories import Org, csrf_token, login
from tests.indicators.scored import add_scored_data

ACTOR = Actor(None, "test")


@pytest.fixture
def scored(session: Session, org: Org, people: dict[str, User], strategy: Strategy, survey: Survey) -> SurveyRound:
    survey_round = add_scored_data(session, survey)
    session.commit()
    return survey_round


def _unit(session: Session, code: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(col(OrgUnit.code) == code)).scalars().one()


def _version(db: Database) -> int | None:
    with db.session() as s:
        return input_version(s)


class TestInputVersion:
    def test_a_kpi_value_written_through_the_records_path_changes_it(
        self, db: Database, session: Session, scored: SurveyRound
    ) -> None:
        before = _version(db)
        checked = check_records(session, [RecordInput("KSUM", "DEP-A1", "2024", value=99)], EVERYTHING)
        record_values(session, checked, ACTOR, via="form")
        session.commit()
        assert _version(db) != before

    def test_a_target_edit_changes_it(self, db: Database, session: Session, scored: SurveyRound) -> None:
        target = session.execute(select(KpiTarget).where(col(KpiTarget.kind) == "target")).scalars().first()
        assert target is not None
        spec = KINDS["target"]
        form = form_from_item(session, spec, target).values | {"value": "1234"}
        before = _version(db)
        update_item(session, spec, target.id or 0, form, actor=ACTOR)
        session.commit()
        assert _version(db) != before

    def test_unit_targets_imported_and_a_kpis_cascade_change_it(
        self, db: Database, session: Session, scored: SurveyRound
    ) -> None:
        """Targets per unit and the cascade that shares a parent's are inputs of every unit's score."""
        before = _version(db)
        csv = b"kpi;unit;kind;valid_from;value\nKSUM;FAC-B;target;2024-01-01;20\n"
        import_unit_targets_csv(session, csv, ACTOR, dry_run=True)
        session.commit()
        assert _version(db) == before  # a preview writes nothing
        import_unit_targets_csv(session, csv, ACTOR, dry_run=False)
        session.commit()
        after_import = _version(db)
        assert after_import != before
        kpi = session.execute(select(Kpi).where(col(Kpi.code) == "KSUM")).scalars().one()
        kpi.cascade = "baseline" if kpi.cascade != "baseline" else "headcount"
        session.commit()
        assert _version(db) != after_import

    def test_a_round_closing_and_a_strategy_edit_change_it(
        self, db: Database, session: Session, scored: SurveyRound, survey: Survey
    ) -> None:
        seen = {_version(db)}
        open_round = SurveyRound(
            survey_id=survey.id,
            name_nb="Åpen",
            name_en="Open",
            period_label="2026",
            opens_at=utcnow() - timedelta(days=1),
            closes_at=utcnow() + timedelta(days=10),
        )
        session.add(open_round)
        session.commit()
        seen.add(_version(db))
        close_round_now(session, open_round, ACTOR, utcnow())
        session.commit()
        seen.add(_version(db))
        goal = session.execute(select(Goal)).scalars().first()
        assert goal is not None
        goal.weight = 3
        session.add(goal)
        session.commit()
        seen.add(_version(db))
        assert len(seen) == 4  # every write a new version

    def test_a_bulk_statement_changes_it(self, db: Database, session: Session, scored: SurveyRound) -> None:
        before = _version(db)
        session.execute(update(Kpi).values(decimals=2))
        session.commit()
        assert _version(db) != before

    def test_sign_ins_and_the_audit_log_leave_it(
        self, db: Database, session: Session, scored: SurveyRound, people: dict[str, User]
    ) -> None:
        before = _version(db)
        office = people["office"]
        office.name = "Strategy Office"
        session.add(office)
        session.add(
            UserSession(
                id="x" * 64,
                user_id=office.id,
                created_at=utcnow(),
                expires_at=utcnow() + timedelta(hours=1),
                last_seen_at=utcnow(),
            )
        )
        record_event(session, ACTOR, "sign_in", office, label="office")
        session.commit()
        assert _version(db) == before

    def test_a_narrative_leaves_it(self, db: Database, session: Session, scored: SurveyRound) -> None:
        """No score reads a narrative (a report reads its own each time): saving one keeps every
        unit's scores, so the PDF on demand after it scores nothing again."""
        before = _version(db)
        save_narrative(session, _unit(session, "FAC-A"), "2024", "Godt år.", ACTOR)
        session.commit()
        save_narrative(session, _unit(session, "FAC-A"), "2024", "Et godt år.", ACTOR)
        session.commit()
        assert _version(db) == before

    def test_answers_of_an_open_round_leave_it(
        self, db: Database, session: Session, scored: SurveyRound, survey: Survey
    ) -> None:
        """Responses are written only while their round is open, which no score reads."""
        open_round = SurveyRound(
            survey_id=survey.id,
            name_nb="Åpen",
            name_en="Open",
            period_label="2026",
            opens_at=utcnow() - timedelta(days=1),
            closes_at=utcnow() + timedelta(days=10),
        )
        session.add(open_round)
        session.commit()
        before = _version(db)
        session.add(
            Response(
                round_id=open_round.id,
                unit_id=_unit(session, "DEP-A1").id,
                status="submitted",
                resume_hash="r" * 64,
                started_at=utcnow(),
                updated_at=utcnow(),
                submitted_at=utcnow(),
            )
        )
        session.commit()
        assert _version(db) == before

    def test_a_write_rolled_back_leaves_it(self, db: Database, session: Session, scored: SurveyRound) -> None:
        before = _version(db)
        checked = check_records(session, [RecordInput("KSUM", "DEP-A1", "2024", value=77)], EVERYTHING)
        record_values(session, checked, ACTOR, via="form")
        session.rollback()
        assert _version(db) == before


class TestInputsKey:
    def test_a_round_closing_on_its_own_time_changes_the_key(
        self, session: Session, scored: SurveyRound, survey: Survey
    ) -> None:
        closes = datetime(2030, 5, 1, 12, tzinfo=UTC)
        later = SurveyRound(
            survey_id=survey.id,
            name_nb="R",
            name_en="R",
            period_label="2030",
            opens_at=closes - timedelta(days=30),
            closes_at=closes,
        )
        session.add(later)
        session.commit()
        open_key = inputs_key(session, closes - timedelta(minutes=1))
        assert open_key is not None
        assert later.id not in open_key[2]
        assert inputs_key(session, closes + CLOSING_MARGIN / 2) is None  # answers may still be committing
        closed_key = inputs_key(session, closes + CLOSING_MARGIN * 2)
        assert closed_key is not None
        assert later.id in closed_key[2]
        assert closed_key[:1] == open_key[:1]  # no write: the same version


class TestScoreCache:
    def test_it_keeps_a_result_until_a_write(
        self, db: Database, session: Session, scored: SurveyRound, strategy: Strategy
    ) -> None:
        cache = ScoreCache(db)
        assert strategy.id is not None
        first = cache.period_scores(session, strategy.id, "2024", cache.inputs(session))
        assert cache.period_scores(session, strategy.id, "2024", cache.inputs(session)) is first
        checked = check_records(session, [RecordInput("KSUM", "DEP-A1", "2024", value=40)], EVERYTHING)
        record_values(session, checked, ACTOR, via="form")
        session.commit()
        again = cache.period_scores(session, strategy.id, "2024", cache.inputs(session))
        assert again is not first
        dep = _unit(session, "DEP-A1").id or 0
        ksum = next(k for i in again.unit(dep).indicators() for k in i.kpis if k.kpi.code == "KSUM")
        assert ksum.actual == 40
        assert first.tree.strategy.title_en == strategy.title_en  # detached objects stay readable


def _tile_value(page: str, code: str) -> float:
    found = re.search(
        rf'<h5 class="kpi-tile__name"><span class="code">{code}</span>.*?kpi-tile__number">([^<]+)<', page, re.S
    )
    assert found, code
    return float(found.group(1).replace(",", "."))


class TestPagesAfterAWrite:
    def test_the_dashboard_shows_a_value_saved_in_the_entry_grid_at_the_next_request(
        self, client: TestClient[Litestar], scored: SurveyRound
    ) -> None:
        login(client, "office@example.org")
        client.cookies.set("maturity_locale", "en")
        page = client.get("/dashboard", params={"unit": "DEP-A1", "period": "2024"})
        assert _tile_value(page.text, "KSUM") == 12
        assert _tile_value(client.get("/dashboard", params={"unit": "DEP-A1", "period": "2024"}).text, "KSUM") == 12
        token = csrf_token(client, "/kpis/KSUM?until=2024-12-31")
        saved = client.post(
            "/kpis/KSUM",
            data={"_csrf_token": token, "until": "2024-12-31", "value|DEP-A1|2024": "31", "source": "", "note": ""},
        )
        assert saved.status_code in (200, 303)
        page = client.get("/dashboard", params={"unit": "DEP-A1", "period": "2024"})
        assert _tile_value(page.text, "KSUM") == 31

    def test_the_overview_shows_a_value_written_straight_into_the_database(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        login(client, "office@example.org")
        client.cookies.set("maturity_locale", "en")
        before = client.get("/overview", params={"period": "2024"}).text
        assert "KINST" in before  # overdue at the institution
        checked = check_records(session, [RecordInput("KINST", "UNI", "2025", value=1)], EVERYTHING)
        record_values(session, checked, ACTOR, via="api")
        session.commit()
        after = client.get("/overview", params={"period": "2024"}).text
        assert "KINST" not in after.split('id="overdue-heading"')[1]


def test_results_of_an_earlier_version_are_let_go(
    db: Database, session: Session, scored: SurveyRound, strategy: Strategy
) -> None:
    cache = ScoreCache(db)
    assert strategy.id is not None
    cache.period_scores(session, strategy.id, "2024", cache.inputs(session))
    cache.period_scores(session, strategy.id, "2025", cache.inputs(session))
    assert len(cache._entries) == 2
    record_values(
        session, check_records(session, [RecordInput("KSUM", "DEP-A1", "2024", value=3)], EVERYTHING), ACTOR, via="cli"
    )
    session.commit()
    cache.period_scores(session, strategy.id, "2024", cache.inputs(session))
    assert len(cache._entries) == 1
