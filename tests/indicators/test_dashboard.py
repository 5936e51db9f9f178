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


SVG_GEOMETRY = re.compile(r'\s(?:d|transform|x|y|x1|x2|y1|y2|width|height|viewBox|dx|dy)="[^"]*"')


def page_text(body: str) -> str:
    """The body without CSRF tokens (long hex strings) and without the coordinates of charts
    (their words and alt text stay: a number written there is on the page)."""
    return re.sub(r"[0-9a-fA-F_-]{40,}", "", SVG_GEOMETRY.sub("", body))


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
        assert "Data freshness" in page.text
        # grouped by unit: DEP-A1's KSUM for 2025 is missing, its latest is 2024, a link to the grid cell
        group = re.search(
            r'<th scope="rowgroup"[^>]*>[^<]*<span class="code">DEP-A1</span>.*?</tbody>', page.text, re.S
        )
        assert group
        assert re.search(r"KSUM</span>.*?</th>\s*<td>2025</td><td>2024</td>", group.group(), re.S)
        assert "/kpis/KSUM#v-DEP-A1%7C2025" in group.group()
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


CHART = re.compile(r'<span class="chart ([a-z-]+)-chart chart-svg" role="img" aria-label="([^"]+)"><svg ')


class TestDashboardCharts:
    def test_each_goal_card_has_a_bullet_chart_with_alt_text_and_its_figures(
        self, office: TestClient[Litestar]
    ) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/dashboard", params={"unit": "FAC-A", "period": "2024"}).text
        cards = re.findall(
            r'<li class="goal-card goal-card--([a-z-]+)">(.*?)</li>\s*(?=<li class="goal-card|</ul>)', page, re.S
        )
        assert len(cards) == 1  # the test strategy has one goal
        status, card = cards[0]
        assert status == "at-risk"
        charts = CHART.findall(card)
        assert [kind for kind, _ in charts] == ["bullet"]
        alt = charts[0][1]
        assert "Bullet chart of goal G1 and its indicators" in alt
        assert "Goal: 59" in alt  # the goal's score with its status in words
        assert "At risk" in alt
        assert "At risk" in card  # beside the chart, in words and a symbol
        # the figures one click away, no script needed: a <details> with the table
        figures = re.search(
            r'<details class="chart-data"><summary>Figures behind the chart</summary>(.*?)</details>', card, re.S
        )
        assert figures
        assert re.search(
            r'<div class="table-wrap" role="region" aria-labelledby="goal-data-\d+" tabindex="0"><table',
            figures.group(1),
        )
        assert "G1.I1" in figures.group(1)
        assert '<td class="num">59</td>' in figures.group(1)

    def test_the_profile_chart_leaves_hidden_figures_out(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        fac_a = office.get("/dashboard", params={"unit": "FAC-A", "period": "2024"}).text
        profile = CHART.findall(fac_a)
        assert ("profile", next(alt for kind, alt in profile if kind == "profile")) in profile
        assert "Figures behind the chart" in fac_a.split('id="profile-heading"')[1]
        # SEC-A2X has two respondents (k = 3): its own bars are left out; its parent's and the
        # institution's are drawn
        section = office.get("/dashboard", params={"unit": "SEC-A2X", "period": "2024"}).text
        caption = re.search(r'<figure class="profile-figure">.*?<figcaption[^>]*>(.*?)</figcaption>', section, re.S)
        assert caption
        assert caption.group(1) == (
            "Dimension scores 0–100 of Department A2, The University. "
            "Figures hidden to protect small groups are left out."
        )

    def test_kpi_small_multiples_with_their_values(
        self, client: TestClient[Litestar], session: Session, scored: SurveyRound
    ) -> None:
        from indicators.records import RecordInput, check_records, record_values
        from indicators.scorecard import EVERYTHING
        from maturity.audit.services import Actor

        earlier = [RecordInput("KSUM", "DEP-A1", "2023", value=9), RecordInput("KSUM", "DEP-A1", "2022", value=4)]
        record_values(session, check_records(session, earlier, EVERYTHING), Actor(None, "test"), via="cli")
        session.commit()
        login(client, "office@example.org")
        client.cookies.set("maturity_locale", "en")
        page = client.get("/dashboard", params={"unit": "DEP-A1", "period": "2024"}).text
        tile = re.search(
            r'<li class="kpi-tile">\s*<h5 class="kpi-tile__name"><span class="code">KSUM</span>.*?</li>', page, re.S
        )
        assert tile
        charts = CHART.findall(tile.group())
        assert [kind for kind, _ in charts] == ["tile"]
        assert "Line chart of KSUM Projects: 4 count in 2022, 12 in 2024. Target: 30." in charts[0][1]
        values = re.search(r"<caption[^>]*>Values of KSUM per period</caption>.*?</table>", tile.group(), re.S)
        assert values
        assert re.findall(r'<th scope="row">(\d{4})</th><td class="num">([\d.]+)</td>', values.group()) == [
            ("2022", "4.0"),
            ("2023", "9.0"),
            ("2024", "12.0"),
        ]
        # one value so far: said in words, no line
        kratio = re.search(
            r'<li class="kpi-tile">\s*<h5 class="kpi-tile__name"><span class="code">KLOW</span>.*?</li>', page, re.S
        )
        assert kratio
        assert "chart-svg" not in kratio.group()
        assert "One value so far: a line needs two." in kratio.group()

    def test_indicator_details_fold_without_script(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/dashboard", params={"unit": "FAC-A", "period": "2024"}).text
        details = re.findall(
            r'<details class="indicator-details">\s*<summary><span class="code">(G1\.I\d)</span>', page
        )
        assert details == ["G1.I1", "G1.I2"]
        assert 'role="region" aria-labelledby="measures-' in page

    def test_units_below_as_a_heatmap_with_words(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/dashboard", params={"unit": "FAC-A", "period": "2024"}).text
        below = page.split('id="below-heading"')[1]
        cells = re.findall(
            r'<td class="heat heat--([a-z-]+)"><span class="heat__score">([^<]+)</span> <span class="heat__status"><span aria-hidden="true">.</span> ([A-Za-z ]+)</span></td>',
            below,
        )
        assert cells
        words = {
            "at-risk": "At risk",
            "behind": "Behind",
            "on-track": "On track",
            "achieved": "Achieved",
            "insufficient": "Insufficient data",
        }
        assert all(words[kind] == word for kind, _, word in cells)  # the colour class never without its word


class TestOverviewHeatmap:
    def test_the_tree_top_level_then_branches_that_fold(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/overview", params={"period": "2024"}).text
        top = page.split('id="heat-top-caption"')[1].split("</table>")[0]
        assert re.findall(
            r'<tr class="depth-(\d)">\s*<th scope="row" class="heat-unit"><a href="[^"]*unit=([A-Z0-9-]+)', top
        ) == [("0", "UNI"), ("1", "FAC-A"), ("1", "FAC-B")]
        branches = re.findall(r'<details class="heat-branch">.*?</details>', page, re.S)
        assert len(branches) == 2
        fac_a = branches[0]
        assert re.findall(
            r'<tr class="depth-(\d)">\s*<th scope="row" class="heat-unit"><a href="[^"]*unit=([A-Z0-9-]+)', fac_a
        ) == [("0", "DEP-A1"), ("0", "DEP-A2"), ("1", "SEC-A2X")]
        assert 'G1 <span aria-hidden="true">⚠</span> At risk' in fac_a  # the branch's head in words in its summary

    def test_sorting_by_a_goal_orders_siblings_and_says_so(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/overview", params={"period": "2024", "sort": "G1"}).text
        assert 'aria-sort="ascending"' in page
        assert "Back to the order of the unit tree" in page
        assert "sort=G1&amp;order=desc" in page  # the heading's link now sorts the other way
        rows = re.findall(
            r'<tr class="depth-1">\s*<th scope="row" class="heat-unit"><a href="[^"]*unit=([A-Z0-9-]+)".*?heat__score">([^<]+)<',
            page.split("</table>")[0],
            re.S,
        )
        scores = [float(s) if s != "–" else None for _, s in rows]
        shown = [s for s in scores if s is not None]
        assert shown == sorted(shown)
        assert scores[len(shown) :] == [None] * (len(scores) - len(shown))  # no score: last
        strongest = office.get("/overview", params={"period": "2024", "sort": "G1", "order": "desc"}).text
        assert 'aria-sort="descending"' in strongest
        assert office.get("/overview", params={"period": "2024", "sort": "NOPE"}).status_code == 200  # ignored

    def test_overdue_values_by_kpi(self, office: TestClient[Litestar]) -> None:
        office.cookies.set("maturity_locale", "en")
        page = office.get("/overview", params={"period": "2024", "overdue": "kpi"}).text
        assert "Overdue KPI values by KPI" in page
        group = re.search(r'<th scope="rowgroup" colspan="4"><span class="code">KSUM</span>.*?</tbody>', page, re.S)
        assert group
        assert "DEP-A1" in group.group()
        assert "/kpis/KSUM#v-DEP-A1%7C2025" in group.group()
