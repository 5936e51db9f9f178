"""The composition of scores on a small fixed dataset (tests/indicators/scored.py): every value
below is worked out by hand, with the arithmetic written out."""

from datetime import date

import pytest
from sqlmodel import Session

from indicators.models import Strategy
from indicators.scorecard import unit_scorecard
from indicators.scores import PeriodScores, UnitScores, kpi_periods, score_period
from maturity.disclosure import Visibility
from maturity.periods import Period
from maturity.scoring import Change, PaceStatus
from surveys.models import Survey
from tests.factories import Org
from tests.indicators.scored import add_scored_data

TODAY = date(2026, 11, 22)


@pytest.fixture
def scores(session: Session, org: Org, strategy: Strategy, survey: Survey) -> PeriodScores:
    add_scored_data(session, survey)
    assert strategy.id is not None
    return score_period(session, strategy.id, "2024", today=TODAY)


def measures(unit: UnitScores) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for indicator in unit.indicators():
        out.update({k.kpi.code: k.score for k in indicator.kpis})
        out.update({f"survey:{s.measure.dimension_id}": s.score for s in indicator.surveys})
        out[indicator.indicator.code] = indicator.combined.score
    return out


class TestGolden:
    # The strategy runs 2020-01-01 … 2025-12-31; pace is judged at the end of 2024.
    EXPECTED = 100 * (date(2024, 12, 31) - date(2020, 1, 1)).days / (date(2025, 12, 31) - date(2020, 1, 1)).days

    def test_dep_a1(self, scores: PeriodScores, org: Org) -> None:
        unit = scores.unit(org["DEP-A1"].id or 0)
        got = measures(unit)
        ksum = 100 * (12 - 10) / (30 - 10)  # own record 12; baseline 10, target 30 → 10
        kratio = 100 * (100 * 30 / 60 - 20) / (90 - 20)  # 2024-S2 (the later semester): 50 %; target 90 from 2023
        d1 = 100.0  # mean of 50, 75, 100 = 75, beyond the target 70 (from 40): clamped to 100
        i1 = (ksum + kratio + d1) / 3
        klow = 100 * (12 - 20) / (4 - 20)  # lower is better: 20 → 4; 12 is half-way → 50
        i2 = klow  # KINST has no value below the institution: coverage 1/2, not below the 50 % limit
        goal = (i1 + i2) / 2
        assert got["KSUM"] == pytest.approx(ksum)
        assert got["KRATIO"] == pytest.approx(kratio)
        assert got["KINST"] is None
        assert got["KLOW"] == pytest.approx(klow)
        assert got["G1.I1"] == pytest.approx(i1)
        assert got["G1.I2"] == pytest.approx(i2)
        g1 = unit.goals[0]
        assert g1.combined.score == pytest.approx(goal)  # 50.476…
        assert unit.indicators()[1].combined.coverage == pytest.approx(0.5)
        assert g1.weakest is not None
        assert g1.weakest.indicator.code == "G1.I2"
        assert scores.expected == pytest.approx(self.EXPECTED)
        assert g1.pace.status == PaceStatus.AT_RISK  # 50.5 / 83.3 = 0.61 < 0.85

    def test_fac_a(self, scores: PeriodScores, org: Org) -> None:
        unit = scores.unit(org["FAC-A"].id or 0)
        got = measures(unit)
        ksum = 100 * ((12 + 8) - 10) / (30 - 10)  # SEC-A2X's 5 is inside DEP-A2's own 8 → 50
        kratio = 100 * (100 * (30 + 10) / (60 + 40) - 20) / (90 - 20)  # ratio of sums: 40 %, not mean(50, 25)
        d1_mean = (50 + 75 + 100 + 25 + 50 + 50 + 75 + 75 + 100) / 9  # FAC-A's whole subtree: 66.67
        d1 = 100 * (d1_mean - 40) / (70 - 40)
        i1 = (ksum + kratio + d1) / 3
        klow_value = (12 * 40 + 8 * (30 + 4)) / (40 + 30 + 4)  # weighted by each record's subtree headcount
        klow = 100 * (klow_value - 20) / (4 - 20)
        goal = (i1 + klow) / 2
        assert got["KSUM"] == pytest.approx(ksum)
        assert got["KRATIO"] == pytest.approx(kratio)
        assert got["KLOW"] == pytest.approx(klow)
        assert got["G1.I1"] == pytest.approx(i1)
        assert unit.goals[0].combined.score == pytest.approx(goal)  # 58.65…
        assert unit.goals[0].weakest is not None
        assert unit.goals[0].weakest.indicator.code == "G1.I1"

    def test_a_hidden_survey_figure_counts_as_no_data(self, scores: PeriodScores, org: Org) -> None:
        sec = scores.unit(org["SEC-A2X"].id or 0).indicators()[0]
        assert sec.surveys[0].figure.visibility == Visibility.TOO_FEW
        assert sec.surveys[0].figure.mean is None
        assert sec.surveys[0].score is None
        assert sec.combined.coverage == pytest.approx(1 / 3)  # KSUM only
        dep_b1 = scores.unit(org["DEP-B1"].id or 0).indicators()[0]
        assert dep_b1.surveys[0].figure.visibility == Visibility.TOO_FEW  # hidden to protect FAC-B's own: not said
        assert dep_b1.surveys[0].figure.stats is None
        assert dep_b1.combined.score is None


class TestPeriods:
    def test_a_finer_kpi_is_read_in_the_latest_of_its_periods(self) -> None:
        assert kpi_periods(Period.parse("2024"), "semester") == ["2024-S2", "2024-S1"]
        assert kpi_periods(Period.parse("2024"), "year") == ["2024"]
        assert kpi_periods(Period.parse("2024-S2"), "quarter") == ["2024-Q4", "2024-Q3"]
        assert kpi_periods(Period.parse("2024-Q3"), "semester") == ["2024-S2"]


class TestScorecard:
    def test_profile_trend_records_and_hidden_figures(
        self, session: Session, org: Org, strategy: Strategy, survey: Survey
    ) -> None:
        add_scored_data(session, survey, label="2023", year=2023)
        add_scored_data(session, survey)
        card = unit_scorecard(session, org["FAC-A"], "2024", strategy_id=strategy.id, today=TODAY)
        overall, d1, _d2 = card.profile
        assert d1.unit.mean == pytest.approx(600 / 9)
        assert d1.unit.n == 9
        assert d1.parent.mean == pytest.approx((600 + 0 + 325) / 16)  # UNI: FAC-A, FAC-B's own two, DEP-B1
        assert d1.institution.mean == d1.parent.mean
        assert d1.previous.mean == pytest.approx(600 / 9)  # 2023 had the same answers
        assert d1.trend.change == Change.STEADY
        assert overall.unit.n == 9
        assert card.submitted == 9
        assert card.response_rate == pytest.approx(9 / (40 + 30 + 4))
        ksum = card.unit_scores.indicators()[0].kpis[0]
        assert [r.unit_code for r in card.records_of(ksum)] == ["DEP-A1", "DEP-A2"]  # not SEC-A2X
        assert ksum.trend.change == Change.STEADY  # 20 in 2023
        assert 2024
        hidden = {(h.unit_code, h.visibility) for h in card.hidden}
        assert ("SEC-A2X", Visibility.TOO_FEW) in hidden
        assert [code for code, _ in ((c.code, s) for c, s in card.children)] == ["DEP-A1", "DEP-A2"]
