"""Response rates: per unit subtree and per group, only for the reader's units, never who."""

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from maturity.auth.models import User
from maturity.db import utcnow
from surveys.models import SurveyRound
from surveys.services import open_response, save_answer, submit
from tests.factories import login
from tests.surveys.test_services import question


@pytest.fixture
def answered(session: Session, tokens: list[str], settings: object) -> None:
    """DEP-A1 (academic) submitted; DEP-A2 (admin) started only."""
    secret = settings.secret_key  # type: ignore[attr-defined]  # the app's settings fixture
    first = open_response(session, tokens[0], secret=secret, now=utcnow())
    for code, value in (("D1-L", "3"), ("D1-Q1", "4"), ("D2-L", "2")):
        save_answer(session, first, question(session, code), [value], now=utcnow())
    submit(session, first, now=utcnow())
    open_response(session, tokens[1], secret=secret, now=utcnow())
    session.commit()


def rate_row(html: str, unit_name: str) -> str:
    start = html.index(unit_name)
    return html[start : html.index("</tr>", start)]


class TestResponseRates:
    def test_a_leader_sees_counts_and_rates_for_the_units_below_only(
        self,
        client: TestClient[Litestar],
        people: dict[str, User],
        open_round: SurveyRound,
        answered: None,
    ) -> None:
        login(client, "leader@example.org")
        page = client.get(f"/surveys/rounds/{open_round.id}", headers={"accept-language": "en"})
        assert page.status_code == 200
        faculty = rate_row(page.text, "Faculty A")
        # FAC-A's subtree: 1 submitted of 79 people (5 + 40 + 30 + 4), 1 started
        assert '<td class="num">1</td>' in faculty
        assert '<td class="num">79</td>' in faculty
        assert "1%" in faculty
        assert "Faculty B" not in page.text
        assert "a@example.org" not in page.text
        assert "b@example.org" not in page.text

    def test_htmx_polling_gets_the_table_only(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound, answered: None
    ) -> None:
        login(client, "office@example.org")
        fragment = client.get(f"/surveys/rounds/{open_round.id}", headers={"hx-request": "true"})
        assert fragment.headers["vary"] == "HX-Request"
        assert "<html" not in fragment.text
        assert "<table" in fragment.text

    def test_staff_cannot_see_rates(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound
    ) -> None:
        login(client, "staff@example.org")
        assert client.get(f"/surveys/rounds/{open_round.id}").status_code == 403
        assert client.get("/surveys").status_code == 403

    def test_the_rounds_list_shows_status_and_counts(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound, answered: None
    ) -> None:
        login(client, "office@example.org")
        page = client.get("/surveys", headers={"accept-language": "en"}).text
        assert "Round 1" in page
        assert "open" in page
