"""Dimension figures per unit subtree, by hand on a small round (the suite runs on both backends).

The survey of tests/surveys/conftest.py: D1 has D1-L (level), D1-Q1 (likert), D1-Q2 (likert,
reverse); D2 has D2-L (level). Scores: level L → (L − 1) · 25; likert v → (v − 1) · 25; reverse
→ 100 − that. The round is for FAC-A (DEP-A1, DEP-A2 → SEC-A2X).

    R1  DEP-A1   academic  submitted  D1-L 4 (75), D1-Q1 5 (100), D1-Q2 2 (100 − 25 = 75); D2-L 2 (25)
                                      D1 = (75 + 100 + 75) / 3 = 250/3; D2 = 25; overall = (250/3 + 25) / 2 = 325/6
    R2  DEP-A1   admin     submitted  D1-L 2 (25), D1-Q1 n/a, D1-Q2 n/a; D2-L n/a
                                      D1 = 25 (n/a left out, not zero); no D2; overall = 25
    R3  SEC-A2X  academic  submitted  D1-L 5 (100), D1-Q1 3 (50); D2-L 3 (50)
                                      D1 = 75; D2 = 50; overall = (75 + 50) / 2 = 62.5
    R4  DEP-A2   no group  submitted  D2-L n/a only: counted as submitted, in no dimension
    R5  DEP-A1   academic  draft      D1-L 1, D2-L 1: left out everywhere
    R6  DEP-A1   academic  submitted, another round: D1-L 1: left out
"""

import math
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.db import utcnow
from maturity.maturity_model.models import Dimension
from surveys.aggregates import NO_RESPONSES, RoundAggregates, ScoreStats, round_aggregates
from surveys.answering import NOT_APPLICABLE, answer_values
from surveys.models import Answer, Question, RespondentGroup, Response, Survey, SurveyRound
from surveys.rounds import create_round
from tests.factories import Org

NA = NOT_APPLICABLE


def respond(
    session: Session,
    survey_round: SurveyRound,
    unit_id: int,
    group_id: int | None,
    status: str,
    answers: dict[str, str],
) -> None:
    response = Response(
        round_id=survey_round.id,
        unit_id=unit_id,
        group_id=group_id,
        status=status,
        resume_hash=secrets.token_hex(32),
    )
    session.add(response)
    session.flush()
    questions = {q.code: q for q in session.execute(select(Question)).scalars()}
    for code, raw in answers.items():
        question = questions[code]
        session.add(Answer(response_id=response.id, question_id=question.id, **answer_values(session, question, [raw])))


@pytest.fixture
def figures(session: Session, org: Org, survey: Survey, open_round: SurveyRound) -> RoundAggregates:
    groups = {g.code: g.id for g in session.execute(select(RespondentGroup)).scalars()}
    academic, admin = groups["academic"], groups["admin"]
    respond(session, open_round, org["DEP-A1"].id, academic, "submitted",
            {"D1-L": "4", "D1-Q1": "5", "D1-Q2": "2", "D2-L": "2", "B-HOURS": "10", "B-TEXT": "Mer"})  # fmt: skip
    respond(
        session, open_round, org["DEP-A1"].id, admin, "submitted", {"D1-L": "2", "D1-Q1": NA, "D1-Q2": NA, "D2-L": NA}
    )
    respond(session, open_round, org["SEC-A2X"].id, academic, "submitted", {"D1-L": "5", "D1-Q1": "3", "D2-L": "3"})
    respond(session, open_round, org["DEP-A2"].id, None, "submitted", {"D2-L": NA})
    respond(session, open_round, org["DEP-A1"].id, academic, "draft", {"D1-L": "1", "D2-L": "1"})
    other = create_round(
        session, survey, name_nb="Runde 2", name_en="Round 2", period_label="2025", opens_at=utcnow(),
        closes_at=utcnow() + timedelta(days=1), unit_codes=["FAC-A"], actor=Actor.system("test"),
    )  # fmt: skip
    respond(session, other, org["DEP-A1"].id, academic, "submitted", {"D1-L": "1"})
    session.commit()
    return round_aggregates(session, open_round)


@pytest.fixture
def dims(session: Session, survey: Survey) -> dict[str, int]:
    return {d.code: d.id for d in session.execute(select(Dimension)).scalars() if d.id is not None}


@pytest.fixture
def groups(session: Session, survey: Survey) -> dict[str, int]:
    return {g.code: g.id for g in session.execute(select(RespondentGroup)).scalars() if g.id is not None}


def assert_stats(stats: ScoreStats, scores: list[float], levels: tuple[int, int, int, int, int]) -> None:
    assert stats.n == len(scores)
    assert stats.total == pytest.approx(sum(scores))
    assert stats.total_squares == pytest.approx(sum(s * s for s in scores))
    assert stats.levels == levels


class TestDimensionFigures:
    def test_a_department_has_its_own_respondents(
        self, figures: RoundAggregates, org: Org, dims: dict[str, int]
    ) -> None:
        unit = org["DEP-A1"].id
        # D1: R1 250/3 and R2 25 → mean (250/3 + 25) / 2 = 325/6; level answers 4 (R1) and 2 (R2).
        d1 = figures.dimension(unit, dims["D1"])
        assert_stats(d1, [250 / 3, 25], (0, 1, 0, 1, 0))
        assert d1.mean == pytest.approx(325 / 6)
        # D2: only R1 (R2 said "not applicable", which is no respondent, not a zero).
        assert_stats(figures.dimension(unit, dims["D2"]), [25], (0, 1, 0, 0, 0))
        assert figures.dimension(unit, dims["D2"]).sd is None  # one respondent has no spread

    def test_a_parent_covers_its_whole_subtree(self, figures: RoundAggregates, org: Org, dims: dict[str, int]) -> None:
        # DEP-A2 has R4 (nothing scored) itself and R3 in SEC-A2X below it.
        assert_stats(figures.dimension(org["DEP-A2"].id, dims["D1"]), [75], (0, 0, 0, 0, 1))
        for code in ("FAC-A", "UNI"):
            d1 = figures.dimension(org[code].id, dims["D1"])
            assert_stats(d1, [250 / 3, 25, 75], (0, 1, 0, 1, 1))
            # mean = (250/3 + 25 + 75) / 3 = 550/9; deviations 200/9, −325/9, 125/9;
            # Σ squares = (40000 + 105625 + 15625) / 81 = 161250/81; variance = that / 2 = 80625/81.
            assert d1.mean == pytest.approx(550 / 9)
            assert d1.variance == pytest.approx(80625 / 81)
            assert d1.sd == pytest.approx(math.sqrt(80625) / 9)
            assert_stats(figures.dimension(org[code].id, dims["D2"]), [25, 50], (0, 1, 1, 0, 0))

    def test_overall_is_the_mean_of_each_respondents_dimension_scores(self, figures: RoundAggregates, org: Org) -> None:
        # R1 (250/3 + 25) / 2 = 325/6; R2 25 (D1 only); R3 (75 + 50) / 2 = 62.5; R4 none.
        overall = figures.overall(org["FAC-A"].id)
        assert_stats(overall, [325 / 6, 25, 62.5], (0, 2, 1, 1, 1))
        assert overall.mean == pytest.approx((325 / 6 + 87.5) / 3)

    def test_units_without_respondents_have_none(
        self, figures: RoundAggregates, org: Org, dims: dict[str, int]
    ) -> None:
        assert figures.dimension(org["FAC-B"].id, dims["D1"]) is NO_RESPONSES
        assert NO_RESPONSES.n == 0
        assert NO_RESPONSES.mean is None
        assert NO_RESPONSES.sd is None
        assert figures.submitted.get(org["DEP-B1"].id, 0) == 0

    def test_drafts_and_other_rounds_are_left_out(
        self, figures: RoundAggregates, org: Org, dims: dict[str, int]
    ) -> None:
        # R5 (draft) and R6 (other round) chose level 1: no level-1 count anywhere.
        assert figures.dimension(org["DEP-A1"].id, dims["D1"]).levels[0] == 0
        assert figures.dimension(org["UNI"].id, dims["D2"]).levels[0] == 0
        assert figures.submitted[org["DEP-A1"].id] == 2


class TestGroups:
    def test_figures_per_group(
        self, figures: RoundAggregates, org: Org, dims: dict[str, int], groups: dict[str, int]
    ) -> None:
        unit = org["FAC-A"].id
        assert_stats(figures.group(unit, dims["D1"], groups["academic"]), [250 / 3, 75], (0, 0, 0, 1, 1))
        assert_stats(figures.group(unit, dims["D1"], groups["admin"]), [25], (0, 1, 0, 0, 0))
        assert figures.group(unit, dims["D2"], groups["admin"]) is NO_RESPONSES
        assert figures.group(unit, dims["D1"], None) is NO_RESPONSES  # R4 scored nothing
        assert_stats(figures.group(unit, None, groups["academic"]), [325 / 6, 62.5], (0, 1, 1, 1, 1))

    def test_groups_add_up_to_the_unit(self, figures: RoundAggregates) -> None:
        for (unit, dimension), stats in figures.dimensions.items():
            parts = [s for (u, d, _), s in figures.dimensions_by_group.items() if (u, d) == (unit, dimension)]
            assert stats.n == sum(p.n for p in parts)
            assert stats.total == pytest.approx(sum(p.total for p in parts))

    def test_submitted_responses_per_subtree_and_group(
        self, figures: RoundAggregates, org: Org, groups: dict[str, int]
    ) -> None:
        # R1–R4 are submitted in this round; R4 has no group and no scored answer but counts.
        assert figures.submitted[org["FAC-A"].id] == 4
        assert figures.submitted[org["UNI"].id] == 4
        assert figures.submitted[org["DEP-A2"].id] == 2
        assert figures.submitted_by_group[(org["FAC-A"].id, groups["academic"])] == 2
        assert figures.submitted_by_group[(org["FAC-A"].id, groups["admin"])] == 1
        assert figures.submitted_by_group[(org["FAC-A"].id, None)] == 1
        assert (org["DEP-A2"].id, groups["admin"]) not in figures.submitted_by_group
