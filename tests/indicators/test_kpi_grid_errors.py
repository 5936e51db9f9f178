"""The KPI entry grid's answers to a value it cannot take: with HTMX, a message for the grid's
live region and nothing else (never a second grid); without, the grid again with the message."""

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from indicators.models import KpiRecord, Strategy
from maturity.auth.models import User
from tests.factories import csrf_token, login
from tests.indicators.test_pages import count

EN = {"accept-language": "en"}


@pytest.fixture
def leader(client: TestClient[Litestar], people: dict[str, User], strategy: Strategy) -> TestClient[Litestar]:
    login(client, "leader@example.org")
    return client


class TestAnInvalidValue:
    @pytest.mark.parametrize("value", ["tre", "12x"])
    def test_htmx_autosave_answers_with_the_message_only(
        self, leader: TestClient[Litestar], session: Session, value: str
    ) -> None:
        response = leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2023": value},
            headers={"hx-request": "true", "x-csrftoken": csrf_token(leader, "/kpis/KSUM"), **EN},
        )
        assert response.status_code == 422
        assert 'id="kpi-grid"' not in response.text
        assert "<table" not in response.text
        assert "FAC-A 2023: Not a number." in response.text
        assert count(session, KpiRecord) == 0

    def test_a_rule_broken_answers_the_same_way(self, leader: TestClient[Litestar], session: Session) -> None:
        response = leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2023": "-4"},
            headers={"hx-request": "true", "x-csrftoken": csrf_token(leader, "/kpis/KSUM"), **EN},
        )
        assert response.status_code == 422
        assert "<table" not in response.text
        assert "FAC-A 2023" in response.text
        assert count(session, KpiRecord) == 0

    def test_without_javascript_the_one_grid_comes_back_with_the_value_typed(
        self, leader: TestClient[Litestar], session: Session
    ) -> None:
        response = leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2023": "tre", "_csrf_token": csrf_token(leader, "/kpis/KSUM")},
            headers=EN,
        )
        assert response.status_code == 422
        assert response.text.count('id="kpi-grid"') == 1
        assert 'value="tre"' in response.text
        assert "Not a number." in response.text

    def test_a_boosted_form_gets_the_whole_page_once(self, leader: TestClient[Litestar]) -> None:
        response = leader.post(
            "/kpis/KSUM",
            data={"value|FAC-A|2023": "tre"},
            headers={"hx-request": "true", "hx-boosted": "true", "x-csrftoken": csrf_token(leader, "/kpis/KSUM"), **EN},
        )
        assert response.status_code == 422
        assert response.text.count('id="kpi-grid"') == 1
        assert response.text.count("<html") == 1
