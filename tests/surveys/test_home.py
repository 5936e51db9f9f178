"""The home page as a to-do list for each role, through HTTP."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session

from indicators.models import Kpi, KpiRecord, Strategy
from maturity.auth.models import User
from maturity.db import utcnow
from reports.models import Narrative, ReportBatch
from surveys.invitations import Invitee, invite
from surveys.models import Survey, SurveyRound
from surveys.rounds import create_round
from tests.factories import Org, login
from tests.surveys.conftest import ACTOR

EN = {"accept-language": "en"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, title_id: str) -> str:
    start = html.index(f'id="{title_id}"')
    return text_of(html[start : html.index("</section>", start)])


@pytest.fixture
def everything(
    session: Session, org: Org, people: dict[str, User], strategy: Strategy, survey: Survey, open_round: SurveyRound
) -> SurveyRound:
    """The staff member is invited to the open round (FAC-A); a closed round of FAC-A has results;
    DEP-A1 reported KSUM for 2020 only (so later years are due)."""
    invite(session, open_round, [Invitee("staff@example.org", "DEP-A1", "academic")], actor=ACTOR)
    closed = create_round(
        session,
        survey,
        name_nb="Runde 0",
        name_en="Round 0",
        period_label="2025",
        opens_at=utcnow() - timedelta(days=30),
        closes_at=utcnow() - timedelta(days=2),
        unit_codes=["FAC-A"],
        actor=ACTOR,
    )
    ksum = session.execute(select(Kpi).where(Kpi.code == "KSUM")).scalars().one()
    session.add(
        KpiRecord(
            kpi_id=ksum.id,
            unit_id=org["DEP-A1"].id,
            period="2020",
            value=3.0,
            source="test",
            recorded_at=datetime(2021, 1, 15, tzinfo=UTC),
        )
    )
    session.commit()
    return closed


class TestHomeAsToDoList:
    def test_staff_see_the_survey_to_answer_and_the_published_results(
        self, client: TestClient[Litestar], everything: SurveyRound
    ) -> None:
        login(client, "staff@example.org")
        page = client.get("/", headers=EN).text
        todo = section(page, "todo-title")
        assert "Answer the survey Test survey (open until" in todo
        assert 'href="/my-surveys"' in page
        news = section(page, "news-title")
        assert "Results published: Test survey, Round 0" in news
        assert f'href="/results/{everything.id}"' in page
        assert "KPI value" not in page  # not a leader's to-do

    def test_a_leader_sees_values_due_narratives_missing_and_rates_as_bars(
        self, client: TestClient[Litestar], everything: SurveyRound, open_round: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        page = client.get("/", headers=EN).text
        todo = section(page, "todo-title")
        assert re.search(r"\d+ KPI values? (is|are) due", todo)
        assert "for Department A1, " in todo
        assert "Write the narrative for Faculty A, " in todo
        assert 'href="/reports/narrative?unit=FAC-A&amp;period=' in page
        news = section(page, "news-title")
        assert "Response rates of your units: Test survey, Round 1" in news
        bars = re.search(r'role="img" aria-label="(Bar chart of response rates[^"]*)"', page)
        assert bars is not None
        assert "Faculty A: 0% (0 of 79)" in bars.group(1)
        assert "Faculty B" not in page

    def test_a_written_narrative_is_no_longer_a_to_do(
        self, client: TestClient[Litestar], session: Session, everything: SurveyRound, org: Org
    ) -> None:
        login(client, "leader@example.org")
        period = re.search(r"period=(\w+)", client.get("/", headers=EN).text)
        assert period is not None
        session.add(Narrative(unit_id=org["FAC-A"].id or 0, period=period.group(1), text="Vi er i rute."))
        session.commit()
        assert "Write the narrative" not in client.get("/", headers=EN).text

    def test_the_strategy_office_sees_open_rounds_overdue_values_and_running_batches(
        self, client: TestClient[Litestar], session: Session, everything: SurveyRound
    ) -> None:
        session.add(ReportBatch(period="2025", status="running", total=10, built=4))
        session.commit()
        login(client, "office@example.org")
        page = client.get("/", headers=EN).text
        todo = section(page, "todo-title")
        assert re.search(r"\d+ KPI values? (is|are) due", todo)
        assert 'href="/overview"' in page
        news = section(page, "news-title")
        assert "Open survey rounds and their response rates" in news
        assert "Report batch 2025: 4 of 10 reports" in news
        bars = re.search(r'role="img" aria-label="(Bar chart of response rates[^"]*)"', page)
        assert bars is not None
        assert "Test survey: Round 1: 0% (0 of 79)" in bars.group(1)

    def test_nothing_to_do_is_said_plainly(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "staff@example.org")
        page = client.get("/", headers=EN).text
        assert "Nothing waits for you just now." in page

    def test_visitors_get_the_welcome(self, client: TestClient[Litestar]) -> None:
        page = client.get("/", headers=EN).text
        assert "To do" not in page
        assert 'href="/login"' in page
