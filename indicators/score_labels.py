"""Words for scores: status, trend and formula explanations (message ids, translated when shown)."""

from indicators.scores import (
    FORMULA_BINARY,
    FORMULA_GOAL,
    FORMULA_INDICATOR,
    FORMULA_MAINTAIN,
    FORMULA_PACE,
    FORMULA_PROGRESS,
    FORMULA_SURVEY,
    PeriodScores,
)
from maturity import i18n
from maturity.errors import N_

# Status: text and a symbol, never colour alone.
STATUS = {
    "achieved": (N_("Achieved"), "★"),
    "on_track": (N_("On track"), "✓"),
    "behind": (N_("Behind"), "▽"),
    "at_risk": (N_("At risk"), "⚠"),
    "insufficient_data": (N_("Insufficient data"), "○"),
}
STATUS_CLASS = {
    "achieved": "achieved",
    "on_track": "on-track",
    "behind": "behind",
    "at_risk": "at-risk",
    "insufficient_data": "insufficient",
}
TREND = {
    "up": (N_("Up since the previous period"), "↑"),
    "down": (N_("Down since the previous period"), "↓"),
    "steady": (N_("No change beyond the noise"), "→"),
    "unknown": (N_("Nothing to compare with"), "–"),
}
FORMULA = {
    FORMULA_PROGRESS: N_(
        "Progress = 100 × (actual − baseline) / (target − baseline), kept within 0–100; "
        "when target = baseline, 100 if the actual is at or beyond the target, else 0."
    ),
    FORMULA_MAINTAIN: N_("100 inside the band, falling linearly to 0 at the tolerance beyond either bound."),
    FORMULA_BINARY: N_("100 when the target is reached, else 0."),
    FORMULA_SURVEY: N_(
        "Progress = 100 × (dimension score − baseline) / (target − baseline), kept within 0–100. "
        "The dimension score is the mean of the respondents' scores; each respondent's is the mean "
        "of their answers in the dimension on 0–100."
    ),
    FORMULA_INDICATOR: N_(
        "Weighted mean of the measures with data; coverage = weight with data / all weight. "
        "Below half the weight with data: insufficient data."
    ),
    FORMULA_GOAL: N_(
        "Weighted mean of the indicators with sufficient data; the weakest indicator is the lowest of them."
    ),
    FORMULA_PACE: N_(
        "Expected progress = the share of the strategy period elapsed, or, when the strategy has milestones, "
        "the value of the last milestone reached (0 before the first). Health = score / expected: "
        "on track from %(on_track)s, behind from %(behind)s, below that at risk; achieved at 100."
    ),
}


# Which rule gave the expected progress of a period (``PeriodScores.expected_basis``).
EXPECTED_ELAPSED = N_("Expected progress is the share of the strategy period (%(start)s – %(end)s) elapsed by %(day)s.")
EXPECTED_MILESTONE = N_(
    "Expected progress is that of the milestone of %(milestone)s (%(expected)s of 100), the last one reached by %(day)s."
)
EXPECTED_BEFORE_MILESTONES = N_(
    "No milestone is reached by %(day)s (the first is on %(milestone)s), so no progress is expected yet."
)


def expected_rule(scores: PeriodScores, locale: str) -> str:
    """The sentence that says which rule gave the period's expected progress, in ``locale``."""
    basis, strategy, milestones = scores.expected_basis, scores.strategy, scores.tree.milestones
    day = i18n.day(scores.on, locale)
    if basis.milestone is not None:
        return i18n.translate(
            locale,
            EXPECTED_MILESTONE,
            milestone=i18n.day(basis.milestone.on, locale),
            expected=i18n.number(basis.milestone.expected, locale),
            day=day,
        )
    if basis.stepped and milestones:
        return i18n.translate(
            locale, EXPECTED_BEFORE_MILESTONES, day=day, milestone=i18n.day(milestones[0].due, locale)
        )
    return i18n.translate(
        locale,
        EXPECTED_ELAPSED,
        start=i18n.day(strategy.period_start, locale),
        end=i18n.day(strategy.period_end, locale),
        day=day,
    )
