"""The logic model: a goal's actions beside the measures they link to and their change since the
action started; indicators behind pace list their actions or read "no action"."""

import re
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.logic_model import _start_period, logic_model
from indicators.models import Action, ActionLink, Goal, Kpi, Strategy, SuccessIndicator
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.scorecard import EVERYTHING, unit_scorecard
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.periods import Period
from maturity.scoring import Change, PaceStatus
from maturity.units.models import OrgUnit
from surveys.models import Survey, SurveyRound
from tests.factories import Org, login
from tests.indicators.scored import add_scored_data

ACTOR = Actor.system("test")


@pytest.fixture
def scored(session: Session, org: Org, people: dict[str, User], strategy: Strategy, survey: Survey) -> SurveyRound:
    round_ = add_scored_data(session, survey)
    checked = check_records(session, [RecordInput("KSUM", "DEP-A1", "2023", value=5)], EVERYTHING)
    record_values(session, checked, ACTOR, via="test")
    goal = session.execute(select(Goal).where(col(Goal.code) == "G1")).scalar_one()
    action = Action(
        goal_id=goal.id or 0,
        code="FA.1",
        title_nb="Flere prosjekter",
        title_en="More projects",
        unit_id=org["FAC-A"].id,
        status="in_progress",
        start_date=date(2024, 1, 1),
    )
    session.add(action)
    session.flush()
    ksum = session.execute(select(Kpi).where(col(Kpi.code) == "KSUM")).scalar_one()
    session.add(ActionLink(action_id=action.id or 0, kpi_id=ksum.id, direction="increase"))
    session.commit()
    return round_


def indicator_id(session: Session, code: str) -> int:
    return session.execute(select(SuccessIndicator.id).where(col(SuccessIndicator.code) == code)).scalar_one()


class TestTheLogicModel:
    def test_an_actions_kpi_change_since_it_started_and_indicators_without_action(
        self, session: Session, org: Org, scored: SurveyRound
    ) -> None:
        card = unit_scorecard(session, org["FAC-A"], "2024")
        goal = card.unit_scores.goals[0]
        logic = logic_model(session, card)[goal.goal.id or 0]
        rows = {r.action.code: r for r in logic.actions}
        assert set(rows) == {"G1.A1", "FA.1"}  # the institution's and the unit's own
        row = rows["FA.1"]
        assert row.unit_code == "FAC-A"
        (measure,) = row.measures
        assert (measure.code, measure.basis, measure.since) == ("KSUM", "start", "2023")
        assert measure.trend.change == Change.UP  # 5 in 2023, 20 in 2024
        assert measure.as_planned is True
        behind = {i.indicator.id for i in goal.indicators if i.pace.status in (PaceStatus.BEHIND, PaceStatus.AT_RISK)}
        assert logic.behind == behind
        assert behind, "the test data have an indicator behind pace"
        i1, i2 = indicator_id(session, "G1.I1"), indicator_id(session, "G1.I2")
        assert logic.by_indicator[i1] == [row]
        assert logic.no_action == behind - {i1}
        if i2 in behind:
            assert i2 in logic.no_action

    def test_a_stopped_action_leaves_its_indicator_without_action(
        self, session: Session, org: Org, scored: SurveyRound
    ) -> None:
        action = session.execute(select(Action).where(col(Action.code) == "FA.1")).scalar_one()
        action.status = "stopped"
        session.commit()
        card = unit_scorecard(session, org["FAC-A"], "2024")
        logic = logic_model(session, card)[card.unit_scores.goals[0].goal.id or 0]
        assert logic.no_action == logic.behind

    def test_another_units_plan_is_not_in_this_units_model(
        self, session: Session, org: Org, scored: SurveyRound
    ) -> None:
        card = unit_scorecard(session, org["FAC-B"], "2024")
        logic = logic_model(session, card)[card.unit_scores.goals[0].goal.id or 0]
        assert [r.action.code for r in logic.actions] == ["G1.A1"]  # the institution's only

    def test_the_period_before_an_action_started(self) -> None:
        assert _start_period(date(2024, 1, 1), "year") == Period.parse("2023")
        assert _start_period(date(2024, 3, 15), "year") == Period.parse("2023")
        assert _start_period(date(2024, 7, 1), "semester") == Period.parse("2024-S1")
        assert _start_period(date(2024, 3, 15), "semester") == Period.parse("2023-S2")


class TestTheDashboardShowsIt:
    def test_a_leader_sees_actions_beside_their_measures(
        self, client: TestClient[Litestar], scored: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/dashboard", params={"period": "2024", "lang": "en"})
        assert page.status_code == 200
        text = page.text
        assert "FA.1" in text
        assert "Tiltak og målene de skal påvirke" in text or "Courses of action and their measures" in text
        assert "en plan, ikke et bevis" in text or "a plan, not a proof" in text
        assert "Ingen tiltak" in text or "No action" in text

    def test_an_indicator_whose_only_action_is_done_reads_no_active_action(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        action = session.execute(select(Action).where(col(Action.code) == "FA.1")).scalar_one()
        action.status = "done"
        session.commit()
        assert indicator_id(session, "G1.I1") in self.behind(session)
        login(client, "leader@example.org")
        page = client.get("/dashboard", params={"period": "2024"})  # in the leader's language, nb
        item = re.search(r'<li><span class="code">G1\.I1</span>.*?</li>', page.text, re.S)
        assert item, "G1.I1 is listed behind pace"
        assert "Ingen aktive tiltak" in item.group(0)
        assert "Ingen tiltak" not in item.group(0)
        assert "FA.1" in item.group(0)

    @staticmethod
    def behind(session: Session) -> set[int]:
        fac_a = session.execute(select(OrgUnit).where(col(OrgUnit.code) == "FAC-A")).scalar_one()
        card = unit_scorecard(session, fac_a, "2024")
        return logic_model(session, card)[card.unit_scores.goals[0].goal.id or 0].behind


class TestMakeAnActionFromADimension:
    def test_the_profile_offers_it_and_the_new_action_links_the_dimension(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/dashboard", params={"period": "2024"})
        goal = session.execute(select(Goal).where(col(Goal.code) == "G1")).scalar_one()
        link = f"/actions/new?goal={goal.id}&amp;dimension=D1"
        assert link in page.text
        form_page = client.get(link.replace("&amp;", "&"))
        assert form_page.status_code == 200
        assert "D1" in form_page.text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text)
        assert token
        data = {
            "_csrf_token": token.group(1),
            "code": "FA.D1",
            "title_nb": "Kompetanseløft",
            "title_en": "Skills",
            "unit": "FAC-A",
            "status": "planned",
        }
        response = client.post(f"/actions/new?goal={goal.id}&dimension=D1", data=data, follow_redirects=False)
        assert response.status_code == 303, response.text
        session.expire_all()
        action = session.execute(select(Action).where(col(Action.code) == "FA.D1")).scalar_one()
        (made,) = session.execute(select(ActionLink).where(col(ActionLink.action_id) == action.id)).scalars()
        assert made.dimension_id is not None
        assert made.direction == "increase"
        again = client.get("/dashboard", params={"period": "2024"})
        assert "FA.D1" in again.text  # listed beside its dimension in the profile

    def test_the_report_lists_actions_and_marks_indicators_without_one(
        self, session: Session, org: Org, scored: SurveyRound
    ) -> None:
        from reports.assembly import build_content

        content = build_content(session, org["FAC-A"], "2024", "en")
        goal = content.goals[0]
        assert [a.code for a in goal.actions] == ["FA.1"]  # G1.A1 is a title only
        (measure,) = goal.actions[0].measures
        assert (measure.code, measure.trend, measure.basis, measure.as_planned) == ("KSUM", "up", "start", True)
        assert goal.behind
        assert all(b.no_action == (b.code != "G1.I1") for b in goal.behind)

    def test_an_unknown_dimension_is_said_and_nothing_is_made(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        goal = session.execute(select(Goal).where(col(Goal.code) == "G1")).scalar_one()
        page = client.get(f"/actions/new?goal={goal.id}&dimension=NOPE")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token
        data = {"_csrf_token": token.group(1), "code": "X.9", "title_nb": "x", "title_en": "x", "unit": "FAC-A"}
        data["status"] = "planned"
        response = client.post(f"/actions/new?goal={goal.id}&dimension=NOPE", data=data)
        assert response.status_code == 422
        assert "NOPE" in response.text
        session.expire_all()
        assert session.execute(select(Action).where(col(Action.code) == "X.9")).first() is None
