"""A KPI's trend: a word-sized line of its values over periods ending in a dot, with its target,
where it has one, as a dashed line across. No axes: beside it stand baseline, target and actual,
and the table of values; axis labels are most of what a chart costs (vl-convert measures each
label, WeasyPrint lays each out), and every mark is a node WeasyPrint draws in every PDF."""

from collections.abc import Sequence
from typing import Any

from maturity import i18n
from maturity.charts.engine import Chart, cached, chart_kind, make_chart, render, with_values
from maturity.charts.theme import ACCENT, TARGET_COLOUR, themed

TREND = "trend"
TILE = "trend_tile"  # the same line at the size of a dashboard's small multiple


def _line_spec(name: str, width: int, height: int, dot: int) -> dict[str, Any]:
    """Data set ``name``: period, value, target, last. The target shares the value's scale, so
    the line shows how far it is from it."""
    import altair as alt

    x = alt.X("period:O", axis=None, scale=alt.Scale(padding=0.4))
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False, padding=3))
    points = alt.Chart(alt.NamedData(name=name))
    line = points.mark_line(color=ACCENT, strokeWidth=1.5).encode(x=x, y=y)
    end = points.mark_circle(color=ACCENT, size=dot, opacity=1).encode(x=x, y=y).transform_filter("datum.last")
    target = points.mark_line(color=TARGET_COLOUR, strokeWidth=1, strokeDash=[3, 2]).encode(x=x, y="target:Q")
    spec = themed(alt.layer(line, end, target).properties(width=width, height=height))
    spec["padding"] = 2
    return spec


@chart_kind(TREND)
def trend_spec() -> dict[str, Any]:
    """Data set ``trend``: period, value, target, last; word-sized (a report's table cell)."""
    return _line_spec(TREND, 104, 26, 16)


@chart_kind(TILE)
def tile_spec() -> dict[str, Any]:
    """Data set ``trend_tile``: as ``trend``, at the size of a dashboard tile."""
    return _line_spec(TILE, 200, 56, 30)


@cached(maxsize=1024)
def trend_svg(points: tuple[tuple[str, float], ...], target: float | None, kind: str = TREND) -> str:
    """The trend chart of ``points``; it writes no number or word, so one SVG serves every language."""
    last = len(points) - 1
    values = [
        {"period": period, "value": value, "target": target, "last": i == last}
        for i, (period, value) in enumerate(points)
    ]
    return render(with_values(kind, values))


def kpi_trend_chart(
    name: str,
    points: Sequence[tuple[str, float]],
    target: float | None,
    unit_of_measure: str,
    locale: str,
    *,
    tile: bool = False,
) -> Chart:
    """A KPI's values over periods, with its target as a dashed line (``tile``: the dashboard's size)."""
    first, last = points[0], points[-1]
    numbers = {
        "name": name,
        "first_period": first[0],
        "first": i18n.number(first[1], locale),
        "last_period": last[0],
        "last": i18n.number(last[1], locale),
        "unit": unit_of_measure,
    }
    alt_text = i18n.translate(
        locale,
        "Line chart of %(name)s: %(first)s %(unit)s in %(first_period)s, %(last)s in %(last_period)s.",
        **numbers,
    )
    if target is not None:
        alt_text += " " + i18n.translate(locale, "Target: %(target)s.", target=i18n.number(target, locale))
    return make_chart(trend_svg(tuple(points), target, TILE if tile else TREND), alt_text)
