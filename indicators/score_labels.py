"""Words for scores: status, trend and formula explanations (message ids, translated when shown)."""

from indicators.scores import (
    FORMULA_BINARY,
    FORMULA_GOAL,
    FORMULA_INDICATOR,
    FORMULA_MAINTAIN,
    FORMULA_PACE,
    FORMULA_PROGRESS,
    FORMULA_SURVEY,
)
from maturity.errors import N_

# Status: text and a symbol, never colour alone.
STATUS = {
    "achieved": (N_("Achieved"), "★"),
    "on_track": (N_("On track"), "✓"),
    "behind": (N_("Behind"), "◐"),
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
        "Expected progress = the share of the strategy period elapsed. Health = score / expected: "
        "on track from %(on_track)s, behind from %(behind)s, below that at risk; achieved at 100."
    ),
}
