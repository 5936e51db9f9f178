"""The dashboard's choice of period and survey round, through HTTP: periods with data first and
marked, a clear page for a period without data, a 400 naming a bad parameter, a second closed
round of the same period choosable (plain form and HTMX), scope and suppression unchanged."""

import re
from datetime import UTC, datetime

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from indicators.models import StrategyMilestone
from surveys.models import SurveyRound
from tests.indicators.test_dashboard import SEC_MEAN, leader, office, page_text, scored

__all__ = ["leader", "office", "scored"]
EN = {"accept-language": "en"}


@pytest.fixture
def later_round(session: Session, scored: SurveyRound) -> SurveyRound:
    """A second closed round labelled 2024, later than the scored one and without responses."""
    second = SurveyRound(
        survey_id=scored.survey_id,
        name_nb="Høstrunde 2024",
        name_en="Autumn round 2024",
        period_label="2024",
        opens_at=datetime(2024, 9, 1, tzinfo=UTC),
        closes_at=datetime(2024, 10, 1, tzinfo=UTC),
        min_group_size=scored.min_group_size,
    )
    session.add(second)
    session.commit()
    return second


def selected_period(text: str) -> str:
    found = re.search(r'<select id="dashboard-period" name="period">(.*?)</select>', text, re.S)
    assert found
    chosen = re.search(r'<option value="([^"]+)" selected>', found.group(1))
    assert chosen
    return chosen.group(1)


class TestPeriods:
    def test_periods_with_data_come_first_and_say_what_they_have(self, office: TestClient[Litestar]) -> None:
        page = office.get("/dashboard", headers=EN)
        assert page.status_code == 200
        assert selected_period(page.text) == "2024"  # the latest ended period with data, by default
        with_data = page.text.index('<optgroup label="With data">')
        without = page.text.index('<optgroup label="No data yet">')
        assert with_data < page.text.index("2024 (KPI values and survey)") < without
        assert without < page.text.index("2022 (no data yet)")

    def test_a_period_without_data_gets_a_clear_page(self, leader: TestClient[Litestar]) -> None:
        # 2021-S1 lies inside the strategy (2020–2025); 2019, before it, is TestOutsideTheStrategy's
        for locale, words in (("en", "No KPI values or survey rounds for 2021-S1 yet"), ("nb", "Ingen KPI-verdier")):
            leader.cookies.set("maturity_locale", locale)
            page = leader.get("/dashboard", params={"period": "2021-S1"})
            assert page.status_code == 200
            assert words in page.text
            assert 'href="/dashboard?unit=FAC-A&amp;period=2024"' in page.text  # where the data is
            assert selected_period(page.text) == "2021-S1"
            fragment = leader.get("/dashboard", params={"period": "2021-S1"}, headers={"HX-Request": "true"})
            assert fragment.status_code == 200
            assert "<html" not in fragment.text
            assert words in fragment.text

    def test_the_overview_offers_the_same_periods(self, office: TestClient[Litestar]) -> None:
        page = office.get("/overview", params={"period": "2024"}, headers=EN)
        assert "2024 (KPI values and survey)" in page.text
        assert office.get("/overview", params={"period": "last year"}).status_code == 400


class TestRounds:
    def test_one_round_is_named_and_not_offered_as_a_choice(self, office: TestClient[Litestar]) -> None:
        page = office.get("/dashboard", params={"period": "2024"}, headers=EN)
        assert "Survey round: Round 2024" in page.text
        assert 'name="round"' not in page.text

    def test_the_newest_round_by_default_and_the_other_on_request(
        self, office: TestClient[Litestar], scored: SurveyRound, later_round: SurveyRound
    ) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/dashboard", params={"unit": "FAC-A", "period": "2024"})
        assert "Survey round: Autumn round 2024" in page.text
        assert '<select id="dashboard-round" name="round"' in page.text
        assert "2024 has 2 closed survey rounds" in page.text
        assert re.search(
            r'<form class="filters" method="get" action="/dashboard"[^>]*>\s*<input type="hidden" name="unit" value="FAC-A">',
            page.text,
        )

        chosen = office.get("/dashboard", params={"unit": "FAC-A", "period": "2024", "round": str(scored.id)})
        assert "Survey round: Round 2024" in chosen.text
        assert f'<option value="{scored.id}" selected>' in chosen.text
        assert (
            f'href="/dashboard?unit=DEP-A1&amp;period=2024&amp;round={scored.id}"' in chosen.text
        )  # drill-down keeps it
        fragment = office.get(
            "/dashboard",
            params={"unit": "FAC-A", "period": "2024", "round": str(scored.id)},
            headers={"HX-Request": "true"},
        )
        assert "<html" not in fragment.text
        assert "Survey round: Round 2024" in fragment.text

    def test_a_round_of_another_period_is_refused_naming_the_parameter(
        self, office: TestClient[Litestar], later_round: SurveyRound
    ) -> None:
        answer = office.get("/dashboard", params={"period": "2023", "round": str(later_round.id)}, headers=EN)
        assert answer.status_code == 400
        assert "The parameter &#39;round&#39; names no closed survey round of 2023." in answer.text
        assert office.get("/dashboard", params={"period": "2024", "round": "x"}).status_code == 400

    def test_scope_and_suppression_hold_for_a_chosen_round(
        self, leader: TestClient[Litestar], scored: SurveyRound, later_round: SurveyRound
    ) -> None:
        outside = leader.get("/dashboard", params={"unit": "DEP-B1", "period": "2024", "round": str(scored.id)})
        assert outside.status_code == 404
        page = leader.get("/dashboard", params={"unit": "SEC-A2X", "period": "2024", "round": str(scored.id)})
        assert page.status_code == 200
        assert not SEC_MEAN.search(page_text(page.text))


class TestTheExplanationOfExpectedProgress:
    def test_it_names_the_elapsed_share_or_the_milestone(
        self, office: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/dashboard", params={"period": "2024"})
        assert "Expected progress is the share of the strategy period" in page.text
        from sqlmodel import select

        from indicators.models import Strategy

        strategy = session.execute(select(Strategy)).scalars().one()
        session.add(StrategyMilestone(strategy_id=strategy.id, due=datetime(2023, 6, 30).date(), expected=40))
        session.commit()
        page = office.get("/dashboard", params={"period": "2024"})
        assert "Expected progress by 31 Dec 2024: 40 of 100." in page.text
        assert "Expected progress is that of the milestone of 30 Jun 2023 (40 of 100)" in page.text


class TestOutsideTheStrategy:
    """The test strategy runs 2020–2025: 2031 and 2015 lie outside it."""

    def test_the_dashboard_says_so_and_links_the_periods_with_data(self, leader: TestClient[Litestar]) -> None:
        for headers in (EN, {**EN, "HX-Request": "true"}):
            page = leader.get("/dashboard", params={"period": "2031"}, headers=headers)
            assert page.status_code == 404
            assert "2031 is outside this strategy" in page.text
            assert "Test strategy runs from" in page.text
            assert 'href="/dashboard?unit=FAC-A&amp;period=2024"' in page.text
            assert ("<html" in page.text) == ("HX-Request" not in headers)

    def test_the_overview_says_so(self, office: TestClient[Litestar]) -> None:
        page = office.get("/overview", params={"period": "2015"}, headers=EN)
        assert page.status_code == 404
        assert "2015 is outside this strategy" in page.text
        assert 'href="/overview?period=2024"' in page.text

    def test_the_reports_page_says_so(self, leader: TestClient[Litestar]) -> None:
        page = leader.get("/reports/view", params={"unit": "FAC-A", "period": "2031"}, headers=EN)
        assert page.status_code == 404
        assert "2031 is outside this strategy" in page.text
        assert 'href="/reports/view?unit=FAC-A&amp;period=2024"' in page.text

    def test_the_api_answers_json_with_the_periods(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        from tests.indicators.test_api import bearer, make_token

        token = make_token(session, "FAC-A")
        answer = client.get("/api/scores", params={"unit": "FAC-A", "period": "2031"}, headers=bearer(token))
        assert answer.status_code == 404
        body = answer.json()
        assert "2031 is outside the strategy 2020-01-01 – 2025-12-31" in body["detail"]
        assert "2024" in body["extra"]["periods"]
        assert "/api/scores?unit=FAC-A&period=2024" in body["extra"]["links"]

    def test_every_default_is_the_same_rule(
        self, client: TestClient[Litestar], session: Session, leader: TestClient[Litestar]
    ) -> None:
        from tests.indicators.test_api import bearer, make_token

        assert selected_period(leader.get("/dashboard").text) == "2024"
        assert 'value="2024"' in leader.get("/reports").text
        token = make_token(session, "FAC-A")
        leader.cookies.clear()
        assert client.get("/api/scores", params={"unit": "FAC-A"}, headers=bearer(token)).json()["period"] == "2024"
