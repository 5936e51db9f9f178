"""The maturity profile: dimension scores 0–100 as bars, a group per dimension and a bar per
series (the unit, its parent, the institution, the previous round), every label whole."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from maturity import i18n
from maturity.charts.engine import Chart, cached, chart_kind, make_chart, render, with_values
from maturity.charts.theme import INSTITUTION, PARENT, PREVIOUS, SERIES_COLOURS, UNIT, themed

PROFILE = "profile"
# The colour of each role a series can have; the series of a chart take them in order otherwise.
ROLE_COLOURS = {"unit": UNIT, "parent": PARENT, "institution": INSTITUTION, "previous": PREVIOUS}


@dataclass(frozen=True, slots=True)
class ProfileValue:
    """One bar of the profile chart: a dimension's score for one series (unit, parent …)."""

    dimension: str
    series: str
    score: float


def _colours_in_series_order(vega: dict[str, Any]) -> None:
    """Vega-Lite sorts a range read from a field by the series' names; the colours must follow
    the series' order, as the domain does."""
    for scale in vega["scales"]:
        if scale["name"] == "color":
            scale["range"]["sort"] = {"op": "min", "field": "series_index"}


@chart_kind(PROFILE, compiled=_colours_in_series_order)
def profile_spec() -> dict[str, Any]:
    """Data set ``profile``: dimension, dimension_index, series, series_index, colour, score; in
    the order of the indexes, each series in its colour."""
    import altair as alt

    def in_order(index: str) -> Any:
        return alt.EncodingSortField(field=index, op="min")

    chart = (
        alt.Chart(alt.NamedData(name=PROFILE))
        .mark_bar(height=7)
        .encode(
            y=alt.Y("dimension:N", title=None, sort=in_order("dimension_index"), axis=alt.Axis(labelLimit=0)),
            yOffset=alt.YOffset("series:N", sort=in_order("series_index")),
            x=alt.X(
                "score:Q", title=None, scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(values=[0, 25, 50, 75, 100])
            ),
            color=alt.Color(
                "series:N",
                sort=in_order("series_index"),
                scale=alt.Scale(range=alt.FieldRange(field="colour")),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=0),
            ),
        )
        .properties(width=380, height=alt.Step(9))
    )
    return themed(chart)


@cached(maxsize=64)
def profile_svg(
    values: tuple[ProfileValue, ...], series_order: tuple[str, ...], colours: tuple[str, ...], locale: str
) -> str:
    dimensions = list(dict.fromkeys(v.dimension for v in values))
    rows = [
        {
            "dimension": v.dimension,
            "dimension_index": dimensions.index(v.dimension),
            "series": v.series,
            "series_index": series_order.index(v.series),
            "colour": colours[series_order.index(v.series)],
            "score": v.score,
        }
        for v in values
    ]
    return render(with_values(PROFILE, rows), locale)


def profile_chart(
    values: Sequence[ProfileValue],
    series_order: Sequence[str],
    unit_name: str,
    locale: str,
    roles: Sequence[str] | None = None,
) -> Chart:
    """Dimension scores (0–100) of the unit against its parent, the institution and the previous
    round. ``roles`` names each series' role (``ROLE_COLOURS``), so a series keeps its colour when
    another is missing; without them the series take ``SERIES_COLOURS`` in order. Hidden
    (disclosure-controlled) figures must not be passed in."""
    colours = tuple(ROLE_COLOURS[r] for r in roles) if roles is not None else tuple(SERIES_COLOURS)
    dimensions = list(dict.fromkeys(v.dimension for v in values))
    alt_text = i18n.translate(
        locale,
        "Bar chart of the maturity profile of %(unit)s: scores 0–100 for %(count)s dimensions, compared with %(series)s. The table below gives the figures.",
        unit=unit_name,
        count=len(dimensions),
        series=", ".join(series_order[1:]) or "–",
    )
    return make_chart(profile_svg(tuple(values), tuple(series_order), colours[: len(series_order)], locale), alt_text)
