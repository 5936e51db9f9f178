"""One look for every chart: the font, its sizes and the colours, as an Altair theme.

Inter (``maturity/static/fonts``, SIL OFL 1.1) is the one font of charts, on screen (the
stylesheet's ``@font-face``) and in the PDF (WeasyPrint draws the text); vl-convert only
measures the labels, with ``fonts/charts/Inter-Regular.otf`` (``maturity.charts.font``).

Colours: every mark that carries meaning has at least 3:1 against white (WCAG 1.4.11) and text
at least 4.5:1; the series and the status colours stay apart for readers with red-green or
blue-yellow colour blindness (simulated, Machado et al. 2009: every pair ΔE ≥ 24). Status is
never colour alone: a chart writes its symbol and word beside it (``STATUS_SYMBOLS`` are glyphs
Inter has), and pages and reports do the same in text.
"""

from typing import TYPE_CHECKING, Any

from maturity.templating import STATIC_DIR

if TYPE_CHECKING:
    import altair as alt

FONT_DIR = STATIC_DIR / "fonts"
CHART_FONT_DIR = FONT_DIR / "charts"  # what vl-convert measures labels with
FONT = "Inter"
FONT_STACK = "Inter, sans-serif"
THEME = "maturity"

# Sizes in CSS pixels (a report's 10 pt text is 13.3 px; chart labels sit a step below it).
LABEL_SIZE = 11
SMALL_SIZE = 10
TITLE_SIZE = 12

INK = "#1f2933"  # text: 14.9:1
MUTED = "#52606d"  # secondary text: 6.7:1
GRID = "#e4e7eb"  # decoration only
DOMAIN = "#6b7685"  # axis lines: 4.6:1
BACKGROUND = "white"

# Profile series in their fixed order: the unit, its parent, the institution, the previous round.
UNIT, PARENT, INSTITUTION, PREVIOUS = "#0b4f8a", "#c0501a", "#7b8794", "#3d8fd1"
SERIES_COLOURS = [UNIT, PARENT, INSTITUTION, PREVIOUS]
ACCENT = UNIT  # a single series: a KPI's line
TARGET_COLOUR = PARENT  # a target line or mark

# Status of a goal or indicator: colour, symbol (a glyph Inter has) — the word comes from the caller.
STATUS_COLOURS = {
    "achieved": "#0f3560",
    "on_track": "#2f7fc1",
    "behind": "#c77800",
    "at_risk": "#b3261e",
    "insufficient_data": "#7b8794",
    "partly_achieved": "#c77800",  # a concluded strategy's final status: as behind
    "not_achieved": "#b3261e",  # as at risk
}
STATUS_SYMBOLS = {
    "achieved": "★",
    "on_track": "✓",
    "behind": "▽",
    "at_risk": "⚠",
    "insufficient_data": "○",
    "partly_achieved": "▽",
    "not_achieved": "⚠",
}
# The bands of a bullet chart behind the bar (light to dark: the qualitative ranges).
BAND_COLOURS = ["#eef1f5", "#dde2e9", "#c9d0da"]


def config() -> dict[str, Any]:
    """The Vega-Lite ``config`` every chart gets."""
    text = {"font": FONT, "color": INK}
    return {
        "font": FONT,
        "background": BACKGROUND,
        "padding": 4,
        "view": {"stroke": None},
        "axis": {
            "labelColor": INK,
            "titleColor": INK,
            "labelFontSize": SMALL_SIZE,
            "titleFontSize": LABEL_SIZE,
            "titleFontWeight": "normal",
            "labelPadding": 6,
            "gridColor": GRID,
            "domainColor": DOMAIN,
            "ticks": False,
        },
        "legend": {
            "labelColor": INK,
            "titleColor": INK,
            "labelFontSize": SMALL_SIZE,
            "titleFontSize": LABEL_SIZE,
            "symbolType": "square",
        },
        "title": {"color": INK, "fontSize": TITLE_SIZE, "fontWeight": 600, "anchor": "start"},
        "text": {**text, "fontSize": LABEL_SIZE},
        "range": {"category": SERIES_COLOURS},
        "line": {"color": ACCENT, "strokeWidth": 1.5},
        "point": {"color": ACCENT, "filled": True},
        "bar": {"color": ACCENT},
    }


def _theme() -> "alt.theme.ThemeConfig":
    return {"config": config()}  # type: ignore[typeddict-item]  # plain dict, as Vega-Lite reads it


def themed(chart: "alt.TopLevelMixin") -> dict[str, Any]:
    """The chart's Vega-Lite specification under the theme (imports Altair)."""
    import altair as alt

    if THEME not in alt.theme.names():
        alt.theme.register(THEME, enable=False)(_theme)
    with alt.theme.enable(THEME):
        return dict(chart.to_dict())
