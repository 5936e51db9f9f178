"""The scoring arithmetic (DESIGN.md §Scoring): worked examples, every boundary, and properties."""

import math
import statistics
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from maturity.periods import Period
from maturity.scoring import (
    Aggregation,
    Band,
    Change,
    Direction,
    PaceStatus,
    PaceThresholds,
    Progress,
    ScoringMode,
    UnitValue,
    Weighted,
    binary_score,
    expected_progress,
    goal_score,
    group_stats,
    group_stats_from_sums,
    indicator_score,
    kpi_progress,
    maintain_score,
    pace,
    progress_towards,
    question_score,
    roll_up,
    survey_trend,
    t_critical,
    valid_row,
    value_trend,
    weighted_score,
)

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
scores = st.floats(min_value=0, max_value=100, allow_nan=False)
weights = st.floats(min_value=0.01, max_value=1000, allow_nan=False)

HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


class TestQuestionScore:
    def test_levels_and_likert_map_onto_0_to_100(self) -> None:
        assert [question_score("level", v) for v in range(1, 6)] == [0, 25, 50, 75, 100]
        assert question_score("likert", 4, points=7) == 50
        assert question_score("likert", 2, reverse=True) == 75


class TestProgressTowards:
    @pytest.mark.parametrize(
        ("actual", "baseline", "target", "direction", "score", "raw"),
        [
            # higher is better: b = 20, t = 80
            pytest.param(50, 20, 80, HIGHER, 50, 50, id="higher halfway: (50−20)/(80−20)"),
            pytest.param(20, 20, 80, HIGHER, 0, 0, id="higher a = b"),
            pytest.param(80, 20, 80, HIGHER, 100, 100, id="higher a = t"),
            pytest.param(110, 20, 80, HIGHER, 100, 150, id="higher beyond t: raw 150"),
            pytest.param(14, 20, 80, HIGHER, 0, -10, id="higher a < b: raw −10"),
            # lower is better: b = 20, t = 10
            pytest.param(15, 20, 10, LOWER, 50, 50, id="lower halfway: (15−20)/(10−20)"),
            pytest.param(20, 20, 10, LOWER, 0, 0, id="lower a = b"),
            pytest.param(10, 20, 10, LOWER, 100, 100, id="lower a = t"),
            pytest.param(5, 20, 10, LOWER, 100, 150, id="lower beyond t: raw 150"),
            pytest.param(25, 20, 10, LOWER, 0, -50, id="lower worse than b: raw −50"),
            # t = b: reached or not, in the good direction only
            pytest.param(30, 30, 30, HIGHER, 100, 100, id="t=b higher a = t"),
            pytest.param(31, 30, 30, HIGHER, 100, 100, id="t=b higher a > t"),
            pytest.param(29, 30, 30, HIGHER, 0, 0, id="t=b higher a < t"),
            pytest.param(30, 30, 30, LOWER, 100, 100, id="t=b lower a = t"),
            pytest.param(29, 30, 30, LOWER, 100, 100, id="t=b lower a < t"),
            pytest.param(31, 30, 30, LOWER, 0, 0, id="t=b lower a > t"),
        ],
    )
    def test_worked_examples_and_boundaries(
        self, actual: float, baseline: float, target: float, direction: Direction, score: float, raw: float
    ) -> None:
        progress = progress_towards(actual, baseline, target, direction)
        assert progress.score == pytest.approx(score)
        assert progress.raw == pytest.approx(raw)

    def test_the_target_sets_the_way_when_direction_disagrees(self) -> None:
        # A KPI marked "higher" with t < b still counts movement towards t as progress.
        assert progress_towards(15, 20, 10, HIGHER).score == 50

    @given(values, values, values, st.sampled_from(Direction))
    def test_score_stays_in_0_to_100_and_is_the_clamped_raw(
        self, actual: float, baseline: float, target: float, direction: Direction
    ) -> None:
        progress = progress_towards(actual, baseline, target, direction)
        assert 0 <= progress.score <= 100
        assert progress.score == min(100, max(0, progress.raw))

    @given(values, values, values, values)
    def test_higher_is_better_is_monotonic_upwards(self, a1: float, a2: float, b: float, t: float) -> None:
        assume(t >= b)
        low, high = sorted((a1, a2))
        assert progress_towards(low, b, t, HIGHER).score <= progress_towards(high, b, t, HIGHER).score
        assert progress_towards(low, b, t, HIGHER).raw <= progress_towards(high, b, t, HIGHER).raw

    @given(values, values, values, values)
    def test_lower_is_better_is_monotonic_downwards(self, a1: float, a2: float, b: float, t: float) -> None:
        assume(t <= b)
        low, high = sorted((a1, a2))
        assert progress_towards(low, b, t, LOWER).score >= progress_towards(high, b, t, LOWER).score
        assert progress_towards(low, b, t, LOWER).raw >= progress_towards(high, b, t, LOWER).raw

    @given(values, values, st.sampled_from(Direction))
    def test_the_target_scores_100_and_the_baseline_0(self, b: float, t: float, direction: Direction) -> None:
        assume(t != b)
        assert progress_towards(t, b, t, direction).score == 100
        assert progress_towards(b, b, t, direction).score == 0


class TestMaintainScore:
    band = Band(lower=15, upper=20, tolerance=5)

    @pytest.mark.parametrize(
        ("actual", "score"),
        [
            pytest.param(15, 100, id="at L"),
            pytest.param(17.5, 100, id="inside"),
            pytest.param(20, 100, id="at U"),
            pytest.param(21, 80, id="1 above U: 100·(1 − 1/5)"),
            pytest.param(12.5, 50, id="2.5 below L: 100·(1 − 2.5/5)"),
            pytest.param(10, 0, id="at L − τ"),
            pytest.param(25, 0, id="at U + τ"),
            pytest.param(40, 0, id="far above"),
        ],
    )
    def test_falls_linearly_to_zero_at_the_tolerance(self, actual: float, score: float) -> None:
        assert maintain_score(actual, self.band).score == pytest.approx(score)
        assert maintain_score(actual, self.band).raw == maintain_score(actual, self.band).score

    def test_without_tolerance_outside_is_zero(self) -> None:
        band = Band(15, 20)
        assert [maintain_score(a, band).score for a in (14.999, 15, 20, 20.001)] == [0, 100, 100, 0]

    def test_a_band_is_ordered_and_its_tolerance_not_negative(self) -> None:
        with pytest.raises(ValueError, match="above upper"):
            Band(20, 15)
        with pytest.raises(ValueError, match="negative tolerance"):
            Band(15, 20, -1)

    @given(values, values, values, st.floats(min_value=0, max_value=1e6), values)
    def test_in_range_and_never_better_further_away(
        self, lower: float, upper: float, actual: float, tolerance: float, step: float
    ) -> None:
        lower, upper = sorted((lower, upper))
        band = Band(lower, upper, tolerance)
        score = maintain_score(actual, band).score
        assert 0 <= score <= 100
        further = actual + abs(step) if actual > upper else actual - abs(step) if actual < lower else None
        if further is not None:
            assert maintain_score(further, band).score <= score


class TestBinaryScore:
    @pytest.mark.parametrize(
        ("actual", "direction", "target", "score"),
        [
            pytest.param(1, HIGHER, None, 100, id="higher yes"),
            pytest.param(0, HIGHER, None, 0, id="higher no"),
            pytest.param(0, LOWER, None, 100, id="lower: 0 is the good answer"),
            pytest.param(1, LOWER, None, 0, id="lower: 1 is the bad answer"),
            pytest.param(1, HIGHER, 1, 100, id="higher with target 1"),
            pytest.param(0, LOWER, 0, 100, id="lower with target 0"),
        ],
    )
    def test_yes_or_no(self, actual: float, direction: Direction, target: float | None, score: float) -> None:
        assert binary_score(actual, direction, target).score == score


class TestKpiProgress:
    def test_dispatches_on_the_scoring_mode(self) -> None:
        assert kpi_progress("progress", 110, direction="higher", baseline=20, target=80) == Progress(100, 150)
        assert kpi_progress(ScoringMode.MAINTAIN, 21, direction=HIGHER, band=Band(15, 20, 5)) == Progress(80, 80)
        assert kpi_progress("binary", 1, direction="higher") == Progress(100, 100)

    def test_a_kpi_without_its_reference_has_no_progress(self) -> None:
        assert kpi_progress("progress", 50, direction="higher", baseline=20) is None
        assert kpi_progress("progress", 50, direction="higher", target=80) is None
        assert kpi_progress("maintain", 50, direction="higher") is None


@dataclass(frozen=True)
class Row:
    unit_id: int | None
    valid_from: date
    value: float


class TestValidRow:
    rows = (
        Row(None, date(2020, 1, 1), 50),
        Row(None, date(2022, 1, 1), 60),
        Row(None, date(2024, 7, 1), 70),
        Row(7, date(2021, 1, 1), 40),
        Row(7, date(2023, 1, 1), 45),
    )

    def value(self, on: date, unit_id: int | None = None) -> float | None:
        row = valid_row(self.rows, on, unit_id)
        return None if row is None else row.value

    def test_the_latest_organisation_row_on_or_before_the_date(self) -> None:
        assert self.value(date(2019, 12, 31)) is None
        assert self.value(date(2020, 1, 1)) == 50  # valid_from = the date counts
        assert self.value(date(2021, 12, 31)) == 50
        assert self.value(date(2022, 1, 1)) == 60
        assert self.value(date(2030, 1, 1)) == 70

    def test_a_units_own_rows_come_before_organisation_rows(self) -> None:
        assert self.value(date(2020, 6, 1), unit_id=7) == 50  # no own row yet: the organisation's
        assert self.value(date(2022, 6, 1), unit_id=7) == 40  # its own, though the organisation's is newer
        assert self.value(date(2023, 1, 1), unit_id=7) == 45
        assert self.value(date(2022, 6, 1), unit_id=8) == 60  # a unit without rows

    def test_a_period_takes_the_row_valid_on_its_last_day(self) -> None:
        # The target of 2024-07-01 governs 2024 (and its second half), not 2024's first half or 2023.
        assert self.value(Period.parse("2024").end) == 70
        assert self.value(Period.parse("2024-S2").end) == 70
        assert self.value(Period.parse("2024-S1").end) == 60
        assert self.value(Period.parse("2023").end) == 60


class TestRollUp:
    def test_ratio_is_the_ratio_of_sums_not_the_mean_of_ratios(self) -> None:
        # Unit A: 1 of 2 courses digital (50 %); unit B: 30 of 100 (30 %).
        # Ratio of sums: (1 + 30) / (2 + 100) = 31/102 = 30.392 %: the institution's real share.
        # Mean of ratios: (50 % + 30 %) / 2 = 40 %: the two-course unit counts as much as the big one.
        units = [UnitValue(numerator=1, denominator=2), UnitValue(numerator=30, denominator=100)]
        assert roll_up(Aggregation.RATIO, units) == pytest.approx(100 * 31 / 102)
        assert roll_up(Aggregation.RATIO, units) == pytest.approx(30.392, abs=1e-3)
        assert statistics.mean(100 * u.numerator / u.denominator for u in units if u.numerator and u.denominator) == 40

    def test_mean_is_weighted_by_headcount(self) -> None:
        # (10·80 + 30·50) / (10 + 30) = 2300/40 = 57.5, not (80 + 50)/2 = 65.
        units = [UnitValue(value=80, headcount=10), UnitValue(value=50, headcount=30), UnitValue(value=99, headcount=0)]
        assert roll_up("mean", units) == 57.5

    def test_sum_adds_what_was_reported(self) -> None:
        assert roll_up("sum", [UnitValue(value=3), UnitValue(), UnitValue(value=4.5)]) == 7.5

    def test_nothing_to_roll_up(self) -> None:
        assert roll_up("sum", [UnitValue()]) is None
        assert roll_up("ratio", [UnitValue(numerator=0, denominator=0)]) is None
        assert roll_up("mean", [UnitValue(value=5)]) is None  # no headcount, no weight
        assert roll_up("institution_only", [UnitValue(value=5)]) is None

    @given(st.lists(st.tuples(st.integers(0, 1000), st.integers(1, 1000)).map(lambda p: (min(p), p[1])), min_size=1))
    def test_the_rolled_up_share_lies_between_the_units_shares(self, pairs: list[tuple[int, int]]) -> None:
        share = roll_up("ratio", [UnitValue(numerator=n, denominator=d) for n, d in pairs])
        rates = [100 * n / d for n, d in pairs]
        assert share is not None
        assert min(rates) - 1e-9 <= share <= max(rates) + 1e-9


class TestIndicatorScore:
    def test_weights_renormalise_over_measures_with_data(self) -> None:
        # Weights 1, 1, 2; the second has no data: (1·60 + 2·30) / (1 + 2) = 120/3 = 40; coverage 3/4.
        result = indicator_score([Weighted(1, 60), Weighted(1, None), Weighted(2, 30)])
        assert result.score == pytest.approx(40)
        assert result.coverage == 0.75
        assert not result.insufficient

    @pytest.mark.parametrize(
        ("items", "insufficient"),
        [
            pytest.param([Weighted(1, 50), Weighted(1, None)], False, id="coverage exactly 50 %"),
            pytest.param([Weighted(1, 50), Weighted(1.01, None)], True, id="coverage just below 50 %"),
            pytest.param([Weighted(1, None)], True, id="no data"),
            pytest.param([], True, id="no measures"),
        ],
    )
    def test_insufficient_data_below_half_the_weight(self, items: list[Weighted], insufficient: bool) -> None:
        assert weighted_score(items).insufficient is insufficient

    def test_no_data_is_no_score(self) -> None:
        assert weighted_score([Weighted(1, None)]).score is None
        assert weighted_score([]).coverage == 0

    def test_a_weight_is_positive(self) -> None:
        with pytest.raises(ValueError, match="positive"):
            Weighted(0, 50)

    @given(st.lists(st.tuples(weights, st.none() | scores), min_size=1))
    def test_score_within_the_measures_and_coverage_within_0_to_1(
        self, items: list[tuple[float, float | None]]
    ) -> None:
        result = weighted_score([Weighted(w, s) for w, s in items])
        present = [s for _, s in items if s is not None]
        assert 0 <= result.coverage <= 1
        if present:
            assert result.score is not None
            assert 0 <= result.score <= 100
            assert min(present) - 1e-9 <= result.score <= max(present) + 1e-9
        else:
            assert result.score is None

    @given(st.lists(st.tuples(weights, scores), min_size=1), st.lists(weights, min_size=1))
    def test_measures_without_data_change_the_coverage_only(
        self, scored: list[tuple[float, float]], empty: list[float]
    ) -> None:
        alone = weighted_score([Weighted(w, s) for w, s in scored])
        padded = weighted_score([Weighted(w, s) for w, s in scored] + [Weighted(w, None) for w in empty])
        assert padded.score == pytest.approx(alone.score)
        assert padded.coverage <= alone.coverage == 1


class TestGoalScore:
    def test_weighted_mean_of_indicators_and_the_weakest(self) -> None:
        # (1·80 + 3·40) / 4 = 50; the weakest is the second.
        result = goal_score([(1, weighted_score([Weighted(1, 80)])), (3, weighted_score([Weighted(1, 40)]))])
        assert result.score == 50
        assert result.weakest == 1

    def test_an_indicator_with_insufficient_data_counts_as_no_data(self) -> None:
        # The second indicator has a score (10) from a third of its weight: it is left out, so the goal
        # is 80 with coverage 1/2, and the weakest is the first.
        thin = weighted_score([Weighted(1, 10), Weighted(2, None)])
        assert thin.insufficient
        result = goal_score([(1, weighted_score([Weighted(1, 80)])), (1, thin)])
        assert (result.score, result.coverage, result.insufficient, result.weakest) == (80, 0.5, False, 0)

    def test_ties_name_the_first_weakest(self) -> None:
        same = weighted_score([Weighted(1, 30)])
        assert goal_score([(1, same), (1, same)]).weakest == 0
        assert goal_score([]).weakest is None


class TestPace:
    start, end = date(2021, 1, 1), date(2025, 1, 1)  # 1461 days

    @pytest.mark.parametrize(
        ("on", "expected"),
        [
            pytest.param(date(2020, 6, 1), 0, id="before the start"),
            pytest.param(date(2021, 1, 1), 0, id="at the start"),
            pytest.param(date(2023, 1, 1), 100 * 730 / 1461, id="730 of 1461 days"),
            pytest.param(date(2025, 1, 1), 100, id="at the end"),
            pytest.param(date(2026, 1, 1), 100, id="after the end"),
        ],
    )
    def test_expected_progress_is_the_elapsed_fraction(self, on: date, expected: float) -> None:
        assert expected_progress(on, self.start, self.end) == pytest.approx(expected)

    @pytest.mark.parametrize(
        ("score", "expected", "status"),
        [
            pytest.param(95, 100, PaceStatus.ON_TRACK, id="health 0.95 exactly: on track"),
            pytest.param(94.9, 100, PaceStatus.BEHIND, id="health 0.949: behind"),
            pytest.param(85, 100, PaceStatus.BEHIND, id="health 0.85 exactly: behind"),
            pytest.param(84.9, 100, PaceStatus.AT_RISK, id="health 0.849: at risk"),
            pytest.param(0, 50, PaceStatus.AT_RISK, id="nothing done half way"),
            pytest.param(60, 50, PaceStatus.ON_TRACK, id="ahead"),
            pytest.param(100, 50, PaceStatus.ACHIEVED, id="achieved early"),
            pytest.param(100, 0, PaceStatus.ACHIEVED, id="achieved at the start"),
            pytest.param(0, 0, PaceStatus.ON_TRACK, id="at the start nothing is expected"),
        ],
    )
    def test_status_at_the_thresholds(self, score: float, expected: float, status: PaceStatus) -> None:
        assert pace(score, expected).status == status

    def test_thresholds_per_strategy(self) -> None:
        lenient = PaceThresholds(on_track=0.9, behind=0.7)
        assert pace(90, 100, lenient).status == PaceStatus.ON_TRACK
        assert pace(70, 100, lenient).status == PaceStatus.BEHIND
        assert pace(69, 100, lenient).status == PaceStatus.AT_RISK
        with pytest.raises(ValueError, match="below on track"):
            PaceThresholds(on_track=0.8, behind=0.8)

    def test_health_and_insufficient_data(self) -> None:
        assert pace(40, 50).health == 0.8
        assert pace(0, 0).health is None
        assert pace(None, 50).status == PaceStatus.INSUFFICIENT_DATA
        assert pace(90, 50, insufficient=True).status == PaceStatus.INSUFFICIENT_DATA

    @given(scores, scores)
    def test_a_higher_score_never_has_a_worse_status(self, s1: float, expected: float) -> None:
        order = [PaceStatus.AT_RISK, PaceStatus.BEHIND, PaceStatus.ON_TRACK, PaceStatus.ACHIEVED]
        for s2 in (s1, min(100, s1 + 1), 100):
            assert order.index(pace(s1, expected).status) <= order.index(pace(s2, expected).status)


class TestStatistics:
    @pytest.mark.parametrize(
        ("df", "t"),  # published two-sided 95 % values
        [
            (1, 12.7062),
            (2, 4.3027),
            (3, 3.1824),
            (5, 2.5706),
            (10, 2.2281),
            (30, 2.0423),
            (100, 1.9840),
            (1000, 1.9623),
        ],
    )
    def test_t_quantile_matches_the_table(self, df: int, t: float) -> None:
        assert t_critical(df) == pytest.approx(t, abs=5e-5)

    def test_t_quantile_is_continuous_where_the_method_changes_and_tends_to_1_96(self) -> None:
        assert t_critical(200) > t_critical(201) > t_critical(202)
        assert t_critical(201) == pytest.approx(t_critical(200) - (t_critical(199) - t_critical(200)), abs=1e-6)
        assert t_critical(10**9) == pytest.approx(1.959964, abs=1e-6)

    def test_a_worked_example(self) -> None:
        # Scores 60, 70, 80: mean 70, sd √((100 + 0 + 100)/2) = 10,
        # half-width t(2) · 10/√3 = 4.302653 · 5.773503 = 24.841; interval [45.159, 94.841].
        stats = group_stats_from_sums(3, 210, 60**2 + 70**2 + 80**2)
        assert (stats.mean, stats.sd) == (70, 10)
        assert stats.ci_low == pytest.approx(45.159, abs=1e-3)
        assert stats.ci_high == pytest.approx(94.841, abs=1e-3)

    def test_small_groups(self) -> None:
        assert group_stats(0, None).mean is None
        one = group_stats_from_sums(1, 40, 1600)
        assert (one.mean, one.sd, one.ci_low) == (40, None, None)

    def test_the_interval_is_clamped_to_0_to_100(self) -> None:
        stats = group_stats(3, 75, 25)  # 75 ± 62.1
        assert (stats.ci_low, stats.ci_high) == (pytest.approx(12.9, abs=0.05), 100)

    @given(st.lists(scores, min_size=2, max_size=60))
    def test_sums_and_moments_agree(self, sample: list[float]) -> None:
        from_sums = group_stats_from_sums(len(sample), math.fsum(sample), math.fsum(x * x for x in sample))
        from_moments = group_stats(len(sample), statistics.fmean(sample), statistics.stdev(sample))
        assert from_sums.mean == pytest.approx(from_moments.mean)
        assert from_sums.sd == pytest.approx(from_moments.sd, abs=1e-5)
        assert from_sums.ci_low is not None
        assert from_sums.ci_high is not None
        assert from_sums.mean is not None
        assert from_sums.ci_low <= from_sums.mean <= from_sums.ci_high


class TestSurveyTrend:
    previous = group_stats(30, 60, 10)

    def test_a_change_when_the_difference_interval_excludes_zero(self) -> None:
        # d = 70 − 60 = 10; se = √(100/30 + 100/30) = 2.582; Welch ν = 58; t(58) = 2.0017;
        # interval 10 ± 5.168 = [4.83, 15.17]: excludes 0 → up.
        trend = survey_trend(group_stats(30, 70, 10), self.previous)
        assert trend.change == Change.UP
        assert (trend.low, trend.high) == (pytest.approx(4.832, abs=1e-3), pytest.approx(15.168, abs=1e-3))
        assert trend.improved() is True

    def test_the_previous_mean_outside_the_current_interval_is_not_enough(self) -> None:
        # Current 65 ± t(29)·10/√30 = 65 ± 3.73 = [61.27, 68.73] leaves out the previous 60, but the
        # difference 5 ± 5.168 = [−0.17, 10.17] includes 0: both rounds are samples, so steady.
        current = group_stats(30, 65, 10)
        assert current.ci_low is not None
        assert current.ci_low > 60
        assert survey_trend(current, self.previous).change == Change.STEADY

    def test_down_and_unknown(self) -> None:
        assert survey_trend(group_stats(30, 50, 10), self.previous).change == Change.DOWN
        assert survey_trend(group_stats(1, 90), self.previous).change == Change.UNKNOWN
        assert survey_trend(group_stats(0, None), self.previous).difference is None

    def test_without_spread_any_difference_is_a_change(self) -> None:
        assert survey_trend(group_stats(5, 61, 0), group_stats(5, 60, 0)).change == Change.UP
        assert survey_trend(group_stats(5, 60, 0), group_stats(5, 60, 0)).change == Change.STEADY

    @given(st.integers(2, 500), scores, st.floats(0, 50), st.integers(2, 500), scores, st.floats(0, 50))
    def test_symmetric_and_consistent(self, n1: int, m1: float, s1: float, n0: int, m0: float, s0: float) -> None:
        forward = survey_trend(group_stats(n1, m1, s1), group_stats(n0, m0, s0))
        backward = survey_trend(group_stats(n0, m0, s0), group_stats(n1, m1, s1))
        flipped = {Change.UP: Change.DOWN, Change.DOWN: Change.UP, Change.STEADY: Change.STEADY}
        assert backward.change == flipped[forward.change]
        assert forward.low is not None
        assert forward.high is not None
        assert forward.low <= m1 - m0 <= forward.high
        assert (forward.change == Change.UP) == (forward.low > 0)


class TestValueTrend:
    @pytest.mark.parametrize(
        ("current", "previous", "decimals", "change"),
        [
            pytest.param(12.3, 12.2, 1, Change.UP, id="one step of 0.1"),
            pytest.param(0.3, 0.2, 1, Change.UP, id="one step despite 0.3 − 0.2 = 0.0999…"),
            pytest.param(12.34, 12.26, 1, Change.STEADY, id="less than a step"),
            pytest.param(40, 41, 0, Change.DOWN, id="one whole step down"),
            pytest.param(40.6, 40, 0, Change.STEADY, id="0.6 of a whole step"),
            pytest.param(None, 40, 0, Change.UNKNOWN, id="no current value"),
        ],
    )
    def test_a_change_is_at_least_one_shown_step(
        self, current: float | None, previous: float | None, decimals: int, change: Change
    ) -> None:
        assert value_trend(current, previous, decimals).change == change

    def test_improvement_follows_the_direction(self) -> None:
        fewer = value_trend(90, 100)
        assert fewer.improved(LOWER) is True
        assert fewer.improved(HIGHER) is False
        assert value_trend(100, 100).improved(LOWER) is None
