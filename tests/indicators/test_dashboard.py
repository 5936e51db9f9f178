"""The leader dashboard, the strategy office's overview and the scores API, through HTTP: scope,
suppression, drill-down, forms without JavaScript and HTMX fragments."""

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from indicators.models import Strategy
from maturity.auth.models import User
from surveys.models import Survey, SurveyRound
from tests.factories import Org, login, make_user
from tests.indicators.scored import add_scored_data
from tests.indicators.test_api import bearer, make_token

# SEC-A2X: 2 respondents, D1 mean 87.5 (below k = 3). DEP-B1: 5 respondents, D1 mean 65, hidden
# because FAC-B's total less DEP-B1 would give FAC-B's own two respondents away.
SEC_MEAN = re.compile(r"87[.,]5|\b88\b")
DEP_B1_MEAN = re.compile(r"\b65(?:[.,]0)?\b")


def page_text(body: str) -> str:
    """The body without CSRF tokens (long hex strings)."""
    return re.sub(r"[0-9a-fA-F_-]{40,}", "", body)


@pytest.fixture
def scored(session: Session, org: Org, people: dict[str, User], strategy: Strategy, survey: Survey) -> SurveyRound:
    return add_scored_data(session, survey)


@pytest.fixture
def leader(client: TestClient[Litestar], scored: SurveyRound) -> TestClient[Litestar]:
    login(client, "leader@example.org")  # leads FAC-A
    client.get("/")
    return client


@pytest.fixture
def office(client: TestClient[Litestar], scored: SurveyRound) -> TestClient[Litestar]:
    login(client, "office@example.org")
    client.get("/")
    return client


class TestDashboard:
    def test_a_leader_sees_goals_indicators_and_profile_of_their_unit(self, leader: TestClient[Litestar]) -> None:
        page = leader.get("/dashboard", params={"period": "2024"})  # the led unit by default
        assert page.status_code == 200
        text = page.text
        assert "Fakultet A" in text
        assert "G1" in text
        assert ">59<" in text or "59 " in text  # FAC-A's goal score 58.65
        assert "I fare" in text  # at risk, in words and a symbol
        assert "KSUM" in text
        assert "DEP-A1" in text  # the KSUM records used, and the drill-down
        assert "Modenhetsprofil" in text

    def test_drill_down_into_a_child_unit(self, leader: TestClient[Litestar]) -> None:
        page = leader.get("/dashboard", params={"unit": "FAC-A", "period": "2024"})
        link = re.search(r'href="(/dashboard\?unit=DEP-A1&amp;period=2024)"', page.text)
        assert link
        child = leader.get(link.group(1).replace("&amp;", "&"))
        assert child.status_code == 200
        assert "Institutt A1" in child.text
        assert "Fakultet A" in child.text  # the way up

    def test_a_unit_outside_the_scope_reads_like_an_unknown_one(self, leader: TestClient[Litestar]) -> None:
        outside = leader.get("/dashboard", params={"unit": "DEP-B1", "period": "2024"})
        missing = leader.get("/dashboard", params={"unit": "NO-SUCH", "period": "2024"})
        assert (outside.status_code, missing.status_code) == (404, 404)
        assert page_text(outside.text).replace("DEP-B1", "X") == page_text(missing.text).replace("NO-SUCH", "X")

    def test_a_unit_below_k_shows_too_few_responses_and_no_number(self, office: TestClient[Litestar]) -> None:
        for locale, words in (("nb", "For få svar"), ("en", "Too few responses")):
            office.cookies.set("maturity_locale", locale)
            page = office.get("/dashboard", params={"unit": "SEC-A2X", "period": "2024"})
            assert page.status_code == 200
            assert words in page.text
            assert not SEC_MEAN.search(page_text(page.text))

    def test_a_complementary_suppressed_sibling_shows_no_number(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/dashboard", params={"unit": "DEP-B1", "period": "2024"})
        assert "Not shown: it would reveal a smaller group" in page.text
        assert not DEP_B1_MEAN.search(page_text(page.text))
        parent = office.get("/dashboard", params={"unit": "FAC-B", "period": "2024"})
        assert not DEP_B1_MEAN.search(page_text(parent.text))  # nor on the parent's page

    def test_the_form_works_without_javascript_and_htmx_gets_the_fragment(self, leader: TestClient[Litestar]) -> None:
        page = leader.get("/dashboard", params={"period": "2024"})
        form = re.search(r'<form class="filters" method="get" action="/dashboard"[^>]*>', page.text)
        assert form
        assert 'name="unit"' in page.text
        assert 'name="period"' in page.text
        assert '<label for="dashboard-unit">' in page.text
        fragment = leader.get("/dashboard", params={"unit": "DEP-A1", "period": "2024"}, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        assert "<html" not in fragment.text
        assert "Institutt A1" in fragment.text
        assert fragment.headers["vary"] == "HX-Request"

    def test_a_malformed_period_is_refused_naming_the_parameter(self, leader: TestClient[Litestar]) -> None:
        answer = leader.get("/dashboard", params={"period": "20x4"}, headers={"accept-language": "en"})
        assert answer.status_code == 400
        assert "The parameter &#39;period&#39; must be a reporting period" in answer.text

    def test_staff_cannot_open_it(self, client: TestClient[Litestar], scored: SurveyRound) -> None:
        login(client, "staff@example.org")
        assert client.get("/dashboard").status_code == 403


class TestOverview:
    def test_units_by_goals_and_overdue_values(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/overview", params={"period": "2024"})
        assert page.status_code == 200
        assert "SEC-A2X" in page.text
        assert "Insufficient data" in page.text
        assert "At risk" in page.text
        assert "KPI values not reported yet" in page.text
        assert re.search(r"KSUM.*?</th><td>DEP-A1</td><td>2025</td><td>2024</td>", page.text, re.S)
        assert not SEC_MEAN.search(page_text(page.text))

    def test_htmx_gets_the_table_only(self, office: TestClient[Litestar]) -> None:
        fragment = office.get("/overview", params={"period": "2024"}, headers={"HX-Request": "true"})
        assert "<html" not in fragment.text
        assert "G1" in fragment.text

    def test_leaders_cannot_open_it(self, leader: TestClient[Litestar]) -> None:
        assert leader.get("/overview").status_code == 403


class TestScoresApi:
    def test_a_units_scores(self, client: TestClient[Litestar], session: Session, scored: SurveyRound) -> None:
        token = make_token(session, "FAC-A")
        answer = client.get("/api/scores", params={"unit": "FAC-A", "period": "2024"}, headers=bearer(token))
        assert answer.status_code == 200
        body = answer.json()
        assert body["unit"] == "FAC-A"
        assert body["goals"][0]["score"] == pytest.approx(58.6533, abs=1e-3)
        assert body["goals"][0]["status"] == "at_risk"
        assert body["goals"][0]["weakest_indicator"] == "G1.I1"
        d1 = body["profile"][1]
        assert d1["dimension"] == "D1"
        assert d1["unit"]["n"] == 9

    def test_suppressed_figures_have_no_number(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        token = make_token(session, "UNI")
        for unit, visibility, pattern in (("SEC-A2X", "too_few", SEC_MEAN), ("DEP-B1", "suppressed", DEP_B1_MEAN)):
            answer = client.get("/api/scores", params={"unit": unit, "period": "2024"}, headers=bearer(token))
            d1 = answer.json()["profile"][1]
            assert d1["unit"] == {
                "visibility": visibility,
                "n": None,
                "mean": None,
                "sd": None,
                "ci_low": None,
                "ci_high": None,
            }
            assert not pattern.search(answer.text)

    def test_outside_the_token_reads_like_unknown(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        token = make_token(session, "FAC-A")
        outside = client.get("/api/scores", params={"unit": "DEP-B1"}, headers=bearer(token))
        missing = client.get("/api/scores", params={"unit": "NO-SUCH"}, headers=bearer(token))
        assert (outside.status_code, missing.status_code) == (404, 404)
        assert outside.content == missing.content
        assert client.get("/api/scores", params={"unit": "FAC-A"}).status_code == 401


def test_dashboard_in_the_navigation(client: TestClient[Litestar], session: Session, scored: SurveyRound) -> None:
    make_user(session, "leader-b@example.org", home="FAC-B", leader_of=("FAC-B",))
    session.commit()
    login(client, "leader-b@example.org")
    assert 'href="/dashboard"' in client.get("/").text
