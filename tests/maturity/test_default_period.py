"""The one default-period rule (``maturity.periods.default_period``): properties over any periods
with data, any strategy dates and any day, and the cases a reader meets."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from maturity.periods import Frequency, Period, default_period, latest_first_key, within

_PARTS = {Frequency.YEAR: 1, Frequency.SEMESTER: 2, Frequency.TERTIAL: 3, Frequency.QUARTER: 4, Frequency.MONTH: 12}


@st.composite
def periods(draw: st.DrawFn) -> Period:
    frequency = draw(st.sampled_from(list(Frequency)))
    return Period(draw(st.integers(2010, 2035)), frequency, draw(st.integers(1, _PARTS[frequency])))


days = st.dates(date(2010, 1, 1), date(2036, 12, 31))


@st.composite
def strategy_dates(draw: st.DrawFn) -> tuple[date, date]:
    start = draw(days)
    return start, start + timedelta(days=draw(st.integers(1, 3000)))


class TestDefaultPeriodProperties:
    @given(st.lists(periods(), max_size=30), strategy_dates(), days)
    def test_never_after_the_end_never_without_data_never_in_the_future(
        self, with_data: list[Period], dates: tuple[date, date], today: date
    ) -> None:
        start, end = dates
        chosen = default_period(with_data, start, end, today)
        if chosen is None:
            assert not [p for p in with_data if p.end < today and within(p, start, end)]
            return
        assert chosen in with_data  # never a period without data
        assert chosen.end <= end  # never after the strategy's end
        assert chosen.start >= start  # nor before its start
        assert chosen.end < today  # never a period that has not ended, nor one in the future

    @given(st.lists(periods(), max_size=30), strategy_dates(), days)
    def test_it_is_the_latest_that_qualifies(
        self, with_data: list[Period], dates: tuple[date, date], today: date
    ) -> None:
        start, end = dates
        chosen = default_period(with_data, start, end, today)
        for other in with_data:
            if other.end < today and within(other, start, end):
                assert chosen is not None
                assert latest_first_key(other) <= latest_first_key(chosen)

    @given(st.lists(periods(), max_size=30), strategy_dates(), days)
    def test_the_order_of_the_periods_does_not_matter(
        self, with_data: list[Period], dates: tuple[date, date], today: date
    ) -> None:
        assert default_period(with_data, *dates, today) == default_period(list(reversed(with_data)), *dates, today)


class TestDefaultPeriodCases:
    strategy = (date(2018, 1, 1), date(2024, 12, 31))

    def test_a_concluded_strategy_opens_on_its_last_period_with_data(self) -> None:
        data = [Period.parse(p) for p in ("2022", "2023", "2024", "2025")]  # 2025 lies after the end
        assert default_period(data, *self.strategy, date(2026, 3, 1)) == Period.parse("2024")

    def test_the_running_year_is_not_chosen(self) -> None:
        data = [Period.parse(p) for p in ("2022", "2023")]
        assert default_period(data, *self.strategy, date(2023, 6, 1)) == Period.parse("2022")
        assert default_period(data, *self.strategy, date(2024, 1, 1)) == Period.parse("2023")

    def test_a_year_before_its_second_semester(self) -> None:
        data = [Period.parse(p) for p in ("2023-S2", "2023", "2023-S1")]
        assert default_period(data, *self.strategy, date(2024, 2, 1)) == Period.parse("2023")

    def test_a_gap_without_data_is_skipped(self) -> None:
        data = [Period.parse(p) for p in ("2020", "2021")]
        assert default_period(data, *self.strategy, date(2024, 2, 1)) == Period.parse("2021")

    def test_none_before_any_period_has_ended(self) -> None:
        assert default_period([Period.parse("2018")], *self.strategy, date(2018, 12, 31)) is None
