"""The demo tells a true story: the faculty leader's dashboard opens on the successor strategy's
last ended period with a spread of statuses, the concluded 2018–2024 strategy shows its final
status, and no unit below the institution is scored against an institution-wide sum target."""

import re
from datetime import UTC, date, datetime

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.dashboard_periods import default_period_label
from indicators.demo import DEMO_RISK_COMMENT, load_demo_strategy
from indicators.models import Aggregation, KpiRecord
from indicators.scorecard import EVERYTHING
from indicators.scores import PeriodScores, score_period
from indicators.strategy_tree import current_strategy, find_strategy
from maturity.demo import load_demo
from maturity.scoring import PaceStatus
from maturity.scoring.unit_targets import TargetSource
from maturity.units.models import OrgUnit
from surveys.demo import load_demo_surveys
from tests.factories import login

FACULTIES = ("LUI", "HV", "SAM", "TKD")


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo(session)
    load_demo_strategy(session, "http://demo")
    load_demo_surveys(session, "http://demo")
    session.commit()
    return session


def scored(session: Session, code: str) -> PeriodScores:
    strategy = find_strategy(session, code)
    assert strategy is not None
    assert strategy.id is not None
    return score_period(session, strategy.id, default_period_label(session, strategy, EVERYTHING, datetime.now(UTC)))


def units(session: Session) -> dict[str, OrgUnit]:
    return {u.code: u for u in session.execute(select(OrgUnit)).scalars()}


@pytest.mark.skipif(date.today() < date(2026, 1, 1), reason="the demo's successor has an ended period from 2026")
class TestDemoStory:
    def test_the_successor_is_in_force_and_opens_on_its_last_ended_period(self, demo: Session) -> None:
        current = current_strategy(demo)
        assert current is not None
        assert current.code == "oslomet-digital-2025"
        scores = scored(demo, "oslomet-digital-2025")
        assert scores.period == "2025"
        assert scores.final is False
        assert scores.survey_round is not None  # two closed rounds in 2025: the newest
        assert scores.survey_round.name_en == "Autumn 2025"

    def test_a_spread_among_the_institutions_goals_and_among_the_faculties(self, demo: Session) -> None:
        scores = scored(demo, "oslomet-digital-2025")
        by_code = units(demo)
        institution = scores.unit(by_code["OSLOMET"].id or 0)
        goals = {g.pace.status for g in institution.goals}
        assert {PaceStatus.ON_TRACK, PaceStatus.BEHIND, PaceStatus.AT_RISK} <= goals
        indicators = {i.indicator.code: i.pace.status for i in institution.indicators()}
        assert indicators["T5.I2"] == PaceStatus.ACHIEVED  # the data catalogue is in operation
        faculties = {g.pace.status for code in FACULTIES for g in scores.unit(by_code[code].id or 0).goals}
        assert {PaceStatus.ON_TRACK, PaceStatus.BEHIND, PaceStatus.AT_RISK} <= faculties
        tkd = {g.pace.status for g in scores.unit(by_code["TKD"].id or 0).goals}
        assert {PaceStatus.ON_TRACK, PaceStatus.BEHIND, PaceStatus.AT_RISK} <= tkd  # the demo leader's own

    def test_the_concluded_strategy_shows_a_spread_of_final_status(self, demo: Session) -> None:
        scores = scored(demo, "oslomet-digital-2018")
        assert scores.period == "2024"
        assert scores.final is True
        institution = scores.unit(units(demo)["OSLOMET"].id or 0)
        statuses = {i.pace.status for i in institution.indicators()}
        assert {PaceStatus.ACHIEVED, PaceStatus.PARTLY_ACHIEVED, PaceStatus.NOT_ACHIEVED} <= statuses

    @pytest.mark.parametrize("code", ["oslomet-digital-2018", "oslomet-digital-2025"])
    def test_no_unit_below_the_institution_is_scored_against_an_institution_wide_sum_target(
        self, demo: Session, code: str
    ) -> None:
        scores = scored(demo, code)
        for unit_id, unit_scores in scores.units.items():
            if scores.parents.get(unit_id) is None:
                continue
            for indicator in unit_scores.indicators():
                for k in indicator.kpis:
                    if k.kpi.aggregation == Aggregation.SUM:
                        assert k.target_source in {TargetSource.OWN, TargetSource.CASCADED, TargetSource.NONE}
                        if k.target is not None:
                            assert k.target.unit_id == unit_id

    def test_the_faculty_leaders_dashboard(self, demo: Session, client: TestClient[Litestar]) -> None:
        login(client, "leder@demo.oslomet.no", "demo-leder-tkd")
        page = client.get("/dashboard", headers={"accept-language": "en"})
        assert page.status_code == 200
        text = re.sub(r"\s+", " ", page.text)
        assert "Digital transformation 2025–2030 (demo)" in text
        assert re.search(r'<option value="2025"[^>]* selected>', text)
        for word in ("On track", "Behind", "At risk"):
            assert word in text
        assert "?strategy=oslomet-digital-2018" in text  # the other strategy is offered
        older = client.get("/dashboard", params={"strategy": "oslomet-digital-2018"}, headers={"accept-language": "en"})
        text = re.sub(r"\s+", " ", older.text)
        assert re.search(r'<option value="2024"[^>]* selected>', text)
        assert "concluded: final evaluation" in text
        assert "Partly achieved" in text or "Not achieved" in text


class TestDemoComments:
    def test_the_demos_values_at_risk_carry_the_comment_their_strategy_asks_for(self, demo: Session) -> None:
        notes = demo.execute(select(KpiRecord.note).where(col(KpiRecord.note) == DEMO_RISK_COMMENT)).scalars().all()
        assert notes, "some demo values put their KPI at risk, each with a comment"
