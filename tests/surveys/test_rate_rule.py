"""The one rule for response counts on pages (``surveys.rates.shown_rate``) and the words of a
rate bar."""

from maturity.disclosure import Visibility
from surveys.rates import rate_words, shown_rate


class TestShownRate:
    def test_the_strategy_office_sees_every_count(self) -> None:
        shown = shown_rate(2, 40, Visibility.TOO_FEW, k=5, exact=True)
        assert shown.count == 2
        assert shown.rate == 0.05
        assert not shown.suppressed

    def test_others_see_no_count_and_no_bar_below_k_or_when_suppressed(self) -> None:
        below_k = shown_rate(3, 40, Visibility.TOO_FEW, k=5, exact=False)
        assert (below_k.count, below_k.rate, below_k.suppressed) == (None, None, False)
        assert below_k.label("en") == "fewer than 5"
        for why in (Visibility.TOO_FEW,):  # 7 ≥ k: hidden because it would give a smaller count away
            shown = shown_rate(7, 40, why, k=5, exact=False)
            assert (shown.count, shown.rate, shown.suppressed) == (None, None, True)
            assert shown.label("en") == "not shown"

    def test_a_shown_count_and_nobody_at_all_are_shown(self) -> None:
        assert shown_rate(12, 40, Visibility.SHOWN, k=5, exact=False).count == 12
        assert shown_rate(0, 40, Visibility.EMPTY, k=5, exact=False).rate == 0.0

    def test_the_words_say_why(self) -> None:
        assert rate_words(shown_rate(2, 40, Visibility.TOO_FEW, k=5, exact=False), 40, "en") == "fewer than 5 responses"
        assert rate_words(shown_rate(2, 40, Visibility.TOO_FEW, k=5, exact=False), 40, "nb") == "færre enn 5 svar"
        assert rate_words(shown_rate(9, 40, Visibility.TOO_FEW, k=5, exact=False), 40, "en") == "not shown"
        assert rate_words(shown_rate(21, 50, Visibility.SHOWN, k=5, exact=False), 50, "en") == "42% (21 of 50)"
        assert rate_words(shown_rate(0, 0, Visibility.EMPTY, k=5, exact=False), 0, "en") == "no headcount"
