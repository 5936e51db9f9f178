"""Results for my unit: after a round closes, for its staff (logged in) and respondents (by
link), with the round's one disclosure decision."""

import re
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from maturity.auth.models import User
from maturity.db import utcnow
from maturity.settings import Settings
from surveys.answering import open_response, save_answer, submit
from surveys.figures import disclosed_round
from surveys.invitations import Invitee, invite
from surveys.models import SurveyRound
from surveys.results import closed_rounds_of, unit_results
from tests.factories import login, make_user
from tests.surveys.conftest import ACTOR
from tests.surveys.test_services import question

EN = {"accept-language": "en"}
# DEP-A1: six respondents, levels 1…5 and 3 in D1, all 4 in D2; DEP-A2: five; SEC-A2X (below
# DEP-A2): two, fewer than k = 5 (hidden, without giving away anything else).
A1_LEVELS = ["1", "2", "3", "4", "5", "3"]


def _answer(session: Session, token: str, settings: Settings, d1: str, d2: str) -> None:
    respondent = open_response(session, token, secret=settings.secret_key, now=utcnow())
    for code, value in (("D1-L", d1), ("D1-Q1", "4"), ("D2-L", d2)):
        save_answer(session, respondent, question(session, code), [value], now=utcnow())
    submit(session, respondent, now=utcnow())


@pytest.fixture
def links(session: Session, open_round: SurveyRound, settings: Settings) -> dict[str, list[str]]:
    """Submitted answers of six people in DEP-A1, five in DEP-A2 and two in SEC-A2X; one more
    DEP-A1 link never submitted. The round is still open."""
    people = [Invitee(f"a{i}@example.org", "DEP-A1", "academic") for i in range(7)]
    people += [Invitee(f"b{i}@example.org", "DEP-A2", "admin") for i in range(5)]
    people += [Invitee(f"x{i}@example.org", "SEC-A2X", "admin") for i in range(2)]
    tokens = [token for _, token in invite(session, open_round, people, actor=ACTOR)]
    for token, level in zip(tokens[:6], A1_LEVELS, strict=True):
        _answer(session, token, settings, level, "4")
    for token in tokens[7:]:
        _answer(session, token, settings, "2", "2")
    session.commit()
    return {"a1": tokens[:6], "unsubmitted": tokens[6:7], "a2": tokens[7:12], "a2x": tokens[12:]}


def close(session: Session, survey_round: SurveyRound) -> None:
    survey_round.closed_at = utcnow() - timedelta(seconds=1)
    session.add(survey_round)
    session.commit()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


class TestUnitResultsService:
    def test_the_figures_are_the_rounds_disclosed_figures(
        self, session: Session, open_round: SurveyRound, links: dict[str, list[str]], people: dict[str, User]
    ) -> None:
        close(session, open_round)
        a1 = people["staff"].home_unit_id
        assert a1 is not None
        results = unit_results(session, open_round, a1, now=utcnow())
        decided = disclosed_round(session, open_round)
        assert [r.unit for r in results.dimensions] == [decided.figure(a1, r.dimension.id) for r in results.dimensions]
        d1, _ = results.dimensions
        assert d1.unit.shown
        assert d1.unit.mean == pytest.approx(decided.figure(a1, d1.dimension.id).mean)
        assert results.rate.count == 6
        assert results.parent is not None
        assert results.parent.code == "FAC-A"
        assert results.institution is not None
        assert results.institution.code == "UNI"

    def test_a_unit_below_k_gets_no_figure_and_no_count(
        self, session: Session, open_round: SurveyRound, links: dict[str, list[str]], org: object
    ) -> None:
        close(session, open_round)
        from tests.factories import Org

        assert isinstance(org, Org)
        results = unit_results(session, open_round, org["SEC-A2X"].id or 0, now=utcnow())
        assert all(not r.unit.shown and r.unit.mean is None for r in results.dimensions)
        assert results.rate.count is None
        assert not results.rate.suppressed  # fewer than k, not hidden for a smaller group

    def test_nothing_while_the_round_is_open_or_for_a_unit_outside_it(
        self, session: Session, open_round: SurveyRound, links: dict[str, list[str]], org: object
    ) -> None:
        from maturity.errors import NotFound
        from tests.factories import Org

        assert isinstance(org, Org)
        a1 = org["DEP-A1"].id or 0
        with pytest.raises(NotFound):
            unit_results(session, open_round, a1, now=utcnow())
        assert closed_rounds_of(session, a1, now=utcnow()) == []
        close(session, open_round)
        with pytest.raises(NotFound):
            unit_results(session, open_round, org["DEP-B1"].id or 0, now=utcnow())
        assert [c.survey_round.id for c in closed_rounds_of(session, a1, now=utcnow())] == [open_round.id]
        assert closed_rounds_of(session, org["DEP-B1"].id or 0, now=utcnow()) == []


class TestResultsPages:
    def test_staff_of_the_unit_see_its_results_after_the_round_closes(
        self,
        client: TestClient[Litestar],
        session: Session,
        open_round: SurveyRound,
        links: dict[str, list[str]],
        people: dict[str, User],
    ) -> None:
        login(client, "staff@example.org")
        assert client.get(f"/results/{open_round.id}").status_code == 404  # still open
        assert "Round 1" not in client.get("/results", headers=EN).text
        close(session, open_round)

        index = client.get("/results", headers=EN)
        assert index.status_code == 200
        assert f'href="/results/{open_round.id}"' in index.text
        page = client.get(f"/results/{open_round.id}", headers=EN)
        assert page.status_code == 200
        text = text_of(page.text)
        assert "Results for Department A1" in text
        assert "Response rate: 15% (6 of 40)." in text
        # D2: everyone in DEP-A1 chose level 4 → 75; the chart and its table
        assert re.search(r"Dimension two 75 ", text)
        assert 'role="img" aria-label="Bar chart of the maturity profile of Department A1' in page.text
        assert "Faculty A" in text
        assert "The University" in text

    def test_staff_of_a_unit_with_too_few_answers_see_no_figures(
        self,
        client: TestClient[Litestar],
        session: Session,
        open_round: SurveyRound,
        links: dict[str, list[str]],
    ) -> None:
        make_user(session, "x-staff@example.org", home="SEC-A2X")
        session.commit()
        close(session, open_round)
        login(client, "x-staff@example.org")
        text = text_of(client.get(f"/results/{open_round.id}", headers=EN).text)
        assert "Fewer than 5 people in the unit answered, so its figures are not shown." in text
        assert "(2 of" not in text
        assert re.search(r"Dimension one Too few responses ", text)

    def test_staff_outside_the_round_and_visitors_get_nothing(
        self,
        client: TestClient[Litestar],
        session: Session,
        open_round: SurveyRound,
        links: dict[str, list[str]],
    ) -> None:
        close(session, open_round)
        assert client.get(f"/results/{open_round.id}", follow_redirects=False).status_code in (302, 303, 401)
        make_user(session, "fac-b@example.org", home="DEP-B1")
        session.commit()
        login(client, "fac-b@example.org")
        assert client.get(f"/results/{open_round.id}").status_code == 404
        assert "No survey round of your unit has closed yet." in client.get("/results", headers=EN).text

    def test_my_surveys_links_to_the_results(self, client: TestClient[Litestar], people: dict[str, User]) -> None:
        login(client, "staff@example.org")
        assert 'href="/results"' in client.get("/my-surveys", headers=EN).text


class TestFeedbackByLink:
    def test_while_open_the_own_profile_is_a_chart_and_the_results_are_announced(
        self, client: TestClient[Litestar], open_round: SurveyRound, links: dict[str, list[str]]
    ) -> None:
        page = client.get(f"/s/{links['a1'][0]}", headers=EN)
        assert page.status_code == 200
        assert "Your own profile" in page.text
        assert 'aria-label="Bar chart of the maturity profile of your answers' in page.text
        assert "Your unit's results are published when the survey closes" in page.text
        assert 'href="/results"' in page.text

    def test_after_closing_the_link_shows_the_own_profile_beside_the_units(
        self,
        client: TestClient[Litestar],
        session: Session,
        open_round: SurveyRound,
        links: dict[str, list[str]],
    ) -> None:
        close(session, open_round)
        page = client.get(f"/s/{links['a1'][0]}", headers=EN)
        assert page.status_code == 200
        text = text_of(page.text)
        assert "The survey has closed and your answers are counted." in text
        assert "Results for Department A1" in text
        own = re.search(r'aria-label="(Bar chart of the maturity profile of your answers[^"]*)"', page.text)
        assert own is not None
        assert "compared with Department A1" in own.group(1)
        # a link that never submitted still finds only the closed page
        assert client.get(f"/s/{links['unsubmitted'][0]}").status_code == 410

    def test_after_closing_a_respondent_of_a_small_unit_sees_no_unit_figures(
        self,
        client: TestClient[Litestar],
        session: Session,
        open_round: SurveyRound,
        links: dict[str, list[str]],
    ) -> None:
        close(session, open_round)
        page = client.get(f"/s/{links['a2x'][0]}", headers=EN)
        text = text_of(page.text)
        assert "Fewer than 5 people in the unit answered" in text
        own = re.search(r'aria-label="(Bar chart of the maturity profile of your answers[^"]*)"', page.text)
        assert own is not None
        assert "Section A2X" not in own.group(1)
