"""Response-rate bars: a row per unit, the share of its headcount that has answered as a bar
from 0 to 100 %, with the figure written after it in words. A unit whose count may not be
shown to the reader has no bar and says so in its words (the caller decides, never the chart)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from maturity import i18n
from maturity.charts.engine import Chart, cached, chart_kind, make_chart, render, with_values
from maturity.charts.theme import ACCENT, BAND_COLOURS, INK, LABEL_SIZE, themed

RATES = "rates"


@dataclass(frozen=True, slots=True)
class RateRow:
    """One unit: its name (``label``), indented ``depth`` steps, its rate on 0–100 (None: no
    bar) and the words written after the bar ("42 % (21 of 50)", "fewer than 5 responses")."""

    label: str
    rate: float | None
    words: str
    depth: int = 0


@chart_kind(RATES)
def rates_spec() -> dict[str, Any]:
    """Data set ``rates``: label, index, rate (may be null), full (100), text. Labels and words
    are text marks (cheaper than axes, see bullet.py)."""
    import altair as alt

    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField(field="index", op="min"), axis=None)
    rows = alt.Chart(alt.NamedData(name=RATES))
    band = rows.mark_bar(color=BAND_COLOURS[0], size=12).encode(
        y=y, x=alt.X("full:Q", scale=alt.Scale(domain=[0, 100]), axis=None)
    )
    bar = rows.mark_bar(color=ACCENT, size=12).encode(y=y, x="rate:Q").transform_filter("isValid(datum.rate)")
    labels = rows.mark_text(align="right", dx=-6, color=INK, fontSize=LABEL_SIZE).encode(
        y=y, x=alt.datum(0), text="label:N"
    )
    words = rows.mark_text(align="left", dx=6, color=INK, fontSize=LABEL_SIZE).encode(y=y, x="full:Q", text="text:N")
    return themed(alt.layer(band, bar, labels, words).properties(width=280, height=alt.Step(22)))


@cached(maxsize=256)
def rates_svg(rows: tuple[RateRow, ...], locale: str) -> str:
    values = [
        {
            "label": "\u2002" * min(row.depth, 4) + row.label,
            "index": index,
            "rate": None if row.rate is None else max(0.0, min(100.0, row.rate)),
            "full": 100,
            "text": row.words,
        }
        for index, row in enumerate(rows)
    ]
    return render(with_values(RATES, values), locale)


def rates_chart(rows: Sequence[RateRow], locale: str) -> Chart:
    """Response rates of ``rows`` as bars on 0–100 %, each with its words."""
    listed = "; ".join(f"{row.label}: {row.words}" for row in rows)
    alt_text = (
        i18n.translate(locale, "Bar chart of response rates: the share of each unit's headcount that has answered")
        + ". "
        + listed
        + "."
    )
    return make_chart(rates_svg(tuple(rows), locale), alt_text)
