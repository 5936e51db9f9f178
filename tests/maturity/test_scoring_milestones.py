"""Expected progress stepped by milestones (DESIGN.md §Scoring, pace): boundaries and properties."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.scoring import Expected, Milestone, expected_at, milestone_problems, stepped_progress

START, END = date(2024, 1, 1), date(2030, 12, 31)
MILESTONES = (Milestone(date(2025, 6, 30), 20), Milestone(date(2027, 12, 31), 50), Milestone(date(2030, 6, 30), 90))


@st.composite
def milestone_lists(draw: st.DrawFn) -> list[Milestone]:
    """Valid milestones: dates strictly increasing, expected strictly increasing within 0–100."""
    days = sorted(draw(st.sets(st.integers(0, 3000), min_size=1, max_size=8)))
    values = sorted(draw(st.sets(st.integers(0, 1000), min_size=len(days), max_size=len(days))))
    return [Milestone(START + timedelta(days=d), v / 10) for d, v in zip(days, values, strict=True)]


dates = st.integers(-400, 3400).map(lambda d: START + timedelta(days=d))


class TestSteppedProgress:
    @pytest.mark.parametrize(
        ("on", "value", "reached"),
        [
            pytest.param(date(2023, 6, 1), 0, None, id="before the strategy"),
            pytest.param(date(2025, 6, 29), 0, None, id="the day before the first milestone"),
            pytest.param(date(2025, 6, 30), 20, 0, id="on the first milestone's date"),
            pytest.param(date(2027, 12, 30), 20, 0, id="the day before the second: still the first"),
            pytest.param(date(2027, 12, 31), 50, 1, id="on the second"),
            pytest.param(date(2030, 6, 30), 90, 2, id="on the last"),
            pytest.param(date(2031, 6, 30), 90, 2, id="after the strategy: the last, not 100"),
        ],
    )
    def test_the_last_milestone_reached_gives_the_value(self, on: date, value: float, reached: int | None) -> None:
        found = expected_at(on, START, END, MILESTONES)
        assert found == Expected(value, True, MILESTONES[reached] if reached is not None else None)

    def test_without_milestones_the_elapsed_fraction(self) -> None:
        found = expected_at(date(2027, 7, 2), START, END)
        assert found.stepped is False
        assert found.milestone is None
        assert found.value == pytest.approx(100 * (date(2027, 7, 2) - START).days / (END - START).days)

    def test_order_given_does_not_matter(self) -> None:
        assert stepped_progress(date(2028, 1, 1), list(reversed(MILESTONES))) == MILESTONES[1]

    @given(milestone_lists(), dates, dates)
    def test_monotonic_in_time_and_within_0_to_100(self, milestones: list[Milestone], a: date, b: date) -> None:
        early, late = sorted((a, b))
        first, second = expected_at(early, START, END, milestones), expected_at(late, START, END, milestones)
        assert 0 <= first.value <= second.value <= 100

    @given(milestone_lists())
    def test_equals_the_milestone_value_on_its_date(self, milestones: list[Milestone]) -> None:
        for milestone in milestones:
            assert expected_at(milestone.on, START, END, milestones).value == milestone.expected

    @given(milestone_lists(), dates)
    def test_a_step_not_an_interpolation(self, milestones: list[Milestone], on: date) -> None:
        """Every value is 0 or one of the milestones' values, and stays so up to the next date."""
        value = expected_at(on, START, END, milestones).value
        assert value == 0 or value in {m.expected for m in milestones}
        later = [m.on for m in milestones if m.on > on]
        if later:
            assert expected_at(later[0] - timedelta(days=1), START, END, milestones).value == value


class TestMilestoneProblems:
    def test_valid_milestones_have_none(self) -> None:
        assert milestone_problems(MILESTONES) == []
        assert milestone_problems([]) == []
        assert milestone_problems([Milestone(START, 0), Milestone(END, 100)]) == []

    @pytest.mark.parametrize(
        ("milestones", "problems"),
        [
            pytest.param([Milestone(START, 10), Milestone(START, 20)], [(1, "date")], id="same date"),
            pytest.param([Milestone(END, 10), Milestone(START, 20)], [(1, "date")], id="earlier date"),
            pytest.param([Milestone(START, 20), Milestone(END, 20)], [(1, "order")], id="same value"),
            pytest.param([Milestone(START, 30), Milestone(END, 20)], [(1, "order")], id="lower value"),
            pytest.param([Milestone(START, 10), Milestone(END, 100.5)], [(1, "range")], id="above 100"),
            pytest.param([Milestone(START, -1)], [(0, "range")], id="below 0"),
        ],
    )
    def test_each_problem_names_its_position(
        self, milestones: list[Milestone], problems: list[tuple[int, str]]
    ) -> None:
        assert milestone_problems(milestones) == problems
