"""Charts: Altair specifications rendered to SVG on the server by vl-convert, embedded as
``data:`` images with alt text. Each chart function takes plain data, so the scoring side can
feed the profile chart as soon as it has figures.

The one shipped font (Inter, ``maturity/static/fonts``) is named in every chart, as the print
stylesheet names it for WeasyPrint, which draws the charts' text: it looks the same
everywhere. vl-convert only measures the labels, with ``fonts/charts/Inter-Regular.otf``: the
same font cut to the characters of Norwegian and English text (``reports.chart_font``), which
it measures twice as fast as the whole font, to the same widths.

A report draws a trend chart per KPI and a profile chart, so they must be cheap. Each chart's
Altair specification reads a named data set and is compiled to Vega once per process
(``compile_templates``; a batch compiles them once and its workers take them with
``install_templates``, so they never import Altair); each chart puts its values into a copy. Every SVG is kept per process for its
data (an institution-wide KPI draws the same chart in every unit's report). The charts carry
few marks and labels, no label is cut short (vl-convert measures a cut label again for every
letter it drops), and the SVG loses what neither a reader nor WeasyPrint uses (empty paths,
ARIA attributes: the ``<img alt>`` is what readers get), because WeasyPrint draws each node
anew in every PDF.
"""

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import vl_convert as vlc

from maturity import i18n
from maturity.templating import STATIC_DIR

if TYPE_CHECKING:
    import altair as alt

FONT_DIR = STATIC_DIR / "fonts"
CHART_FONT_DIR = FONT_DIR / "charts"  # what vl-convert measures labels with (see above)
FONT = "Inter"
VL_VERSION = "6.4"  # Altair 6.3 writes Vega-Lite 6.4
# d3 has no nb-NO number locale; this one matches Babel's: no-break space groups, decimal comma.
NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "nb": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0kr"], "minus": "-"},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["£", ""], "minus": "-"},
}
TIME_LOCALES: dict[str, Any] = {"nb": "nb-NO", "en": "en-GB"}
INK, MUTED, ACCENT = "#1f2933", "#52606d", "#0b5fa5"
SERIES_COLOURS = ["#0b5fa5", "#7b8794", "#c05621", "#2f855a"]
TARGET_COLOUR = "#c05621"
TREND, PROFILE = "trend", "profile"  # the charts, and the names of their data sets
_templates: dict[str, str] = {}  # chart → its Vega specification without data (JSON)


@dataclass(frozen=True, slots=True)
class Chart:
    src: str  # data:image/svg+xml;base64,…
    alt: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class ProfileValue:
    """One bar of the profile chart: a dimension's score for one series (unit, parent …)."""

    dimension: str
    series: str
    score: float


@cache
def register_fonts() -> None:
    vlc.register_font_directory(str(CHART_FONT_DIR))


def compile_templates() -> dict[str, str]:
    """Every chart's Vega specification without data, as JSON (imports Altair)."""
    return {
        name: json.dumps(vlc.vegalite_to_vega(spec(), vl_version=VL_VERSION))
        for name, spec in ((TREND, trend_spec), (PROFILE, profile_spec))
    }


def install_templates(templates: Mapping[str, str]) -> None:
    """Use templates compiled elsewhere (a batch's workers get them from the batch)."""
    _templates.update(templates)


def _template(name: str) -> dict[str, Any]:
    """A fresh copy of a chart's Vega specification, to put data into."""
    if name not in _templates:
        _templates.update(compile_templates())
    return dict(json.loads(_templates[name]))


def _with_values(name: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    spec = _template(name)
    for data in spec["data"]:
        if data["name"] == name:
            data["values"] = values
    return spec


def _render(spec: dict[str, Any], locale: str | None = None) -> str:
    """Vega → slimmed SVG; the specification goes to vl-convert as JSON text (faster than a
    dict), and the number locale only where the chart writes numbers."""
    register_fonts()
    locales: dict[str, Any] = (
        {"format_locale": NUMBER_LOCALES[locale], "time_format_locale": TIME_LOCALES[locale]} if locale else {}
    )
    svg = vlc.vega_to_svg(json.dumps(spec), allowed_base_urls=[], **locales)  # inline data only: fetches nothing
    return slim_svg(str(svg))


def warm_up() -> None:
    """The first conversion of a process costs about half a second; pay it once."""
    _trend_svg((("2020", 1.0), ("2021", 2.0)), None)


_UNUSED_SVG = re.compile(
    r'<path class="(?:background|foreground)" aria-hidden="true" d="(?:M0,0h0v0h0Z)?"[^>]*/>'
    r'|\s(?:aria-[a-z]+|role|class|pointer-events)="[^"]*"'
)
# After the above: a group's background path without paint (the root group says fill="none"), a
# line without points (a trend without a target), and opacity 1, which is what nothing says.
_UNPAINTED_SVG = re.compile(r'<path d="[^"]*"/>|<path(?![^>]*\sd=)[^>]*/>|\sopacity="1"')
_GROUP_TAG = re.compile(r"<g(?:\s[^>]*)?>|</g>")
_EMPTY_GROUPS = frozenset(("<g>", '<g transform="translate(0,0)">'))
_COORDINATES = re.compile(r'\s(?:transform|d|x|y|x1|x2|y1|y2|width|height)="[^"]*"')
_LONG_DECIMAL = re.compile(r"\d+\.\d{3,}")


def slim_svg(svg: str) -> str:
    """Without what Vega writes for browsers and WeasyPrint would walk for nothing: empty
    paths, ARIA attributes, groups that set nothing (half the nodes), coordinates to 1e-14."""
    svg = _UNPAINTED_SVG.sub("", _UNUSED_SVG.sub("", svg))
    return _COORDINATES.sub(_rounded, _without_empty_groups(svg))


def _without_empty_groups(svg: str) -> str:
    """``<g>…</g>`` without attributes (or with an identity transform) → its children."""
    out: list[str] = []
    kept: list[bool] = []  # per open <g>: written or dropped
    position = 0
    for match in _GROUP_TAG.finditer(svg):
        out.append(svg[position : match.start()])
        tag = match.group()
        if tag == "</g>":
            keep = kept.pop()
        else:
            keep = tag not in _EMPTY_GROUPS
            kept.append(keep)
        if keep:
            out.append(tag)
        position = match.end()
    out.append(svg[position:])
    return "".join(out)


def _rounded(attribute: re.Match[str]) -> str:
    return _LONG_DECIMAL.sub(lambda number: f"{float(number.group()):.2f}", attribute.group())


def _chart(svg: str, alt_text: str) -> Chart:
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    width, height = _size(svg)
    return Chart(src=f"data:image/svg+xml;base64,{encoded}", alt=alt_text, width=width, height=height)


def _size(svg: str) -> tuple[int, int]:
    head = svg[: svg.find(">")]
    values = {}
    for name in ("width", "height"):
        marker = f' {name}="'
        start = head.find(marker)
        if start >= 0:
            end = head.find('"', start + len(marker))
            values[name] = int(float(head[start + len(marker) : end]))
    return values.get("width", 0), values.get("height", 0)


def _configured(chart: "alt.TopLevelMixin") -> dict[str, Any]:
    configured = chart.configure(font=FONT, background="white").configure_view(stroke=None)
    configured = configured.configure_axis(
        labelColor=INK, titleColor=INK, gridColor="#e4e7eb", labelFontSize=10, labelPadding=6, ticks=False
    )
    return dict(configured.to_dict())


def trend_spec() -> dict[str, Any]:
    """A KPI's values over periods as a word-sized line ending in a dot (data set ``trend``:
    period, value, target, last), with its target, where it has one, as a dashed line across.
    No axes: the KPI's row gives baseline, target and actual, and the table under it every
    value; axis labels are most of what a chart costs (vl-convert measures each label,
    WeasyPrint lays each out), and every mark is a node WeasyPrint draws in every PDF."""
    import altair as alt

    x = alt.X("period:O", axis=None, scale=alt.Scale(padding=0.4))
    y = alt.Y("value:Q", axis=None, scale=alt.Scale(zero=False, padding=3))
    points = alt.Chart(alt.NamedData(name=TREND))
    line = points.mark_line(color=ACCENT, strokeWidth=1.5).encode(x=x, y=y)
    end = points.mark_circle(color=ACCENT, size=16, opacity=1).encode(x=x, y=y).transform_filter("datum.last")
    target = points.mark_line(color=TARGET_COLOUR, strokeWidth=1, strokeDash=[3, 2]).encode(x=x, y="target:Q")
    spec = _configured(alt.layer(line, end, target).properties(width=104, height=26))
    spec["padding"] = 2
    return spec


@lru_cache(maxsize=1024)
def _trend_svg(points: tuple[tuple[str, float], ...], target: float | None) -> str:
    """The trend chart of ``points``; it writes no number or word, so one SVG serves every language."""
    last = len(points) - 1
    values = [
        {"period": period, "value": value, "target": target, "last": i == last}
        for i, (period, value) in enumerate(points)
    ]
    return _render(_with_values(TREND, values))


def kpi_trend_chart(
    name: str, points: Sequence[tuple[str, float]], target: float | None, unit_of_measure: str, locale: str
) -> Chart:
    """A KPI's values over periods, with its target as a dashed line."""
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
    return _chart(_trend_svg(tuple(points), target), alt_text)


def profile_spec() -> dict[str, Any]:
    """Dimension scores 0–100 as bars, a group per dimension and a bar per series (data set
    ``profile``: dimension, dimension_index, series, series_index, score), in the order of the
    indexes, the series' colours in that order."""
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
                scale=alt.Scale(range=SERIES_COLOURS),
                legend=alt.Legend(title=None, orient="bottom", labelLimit=0),
            ),
        )
        .properties(width=380, height=alt.Step(9))
    )
    return _configured(chart)


@lru_cache(maxsize=64)
def _profile_svg(values: tuple[ProfileValue, ...], series_order: tuple[str, ...], locale: str) -> str:
    dimensions = list(dict.fromkeys(v.dimension for v in values))
    rows = [
        {
            "dimension": v.dimension,
            "dimension_index": dimensions.index(v.dimension),
            "series": v.series,
            "series_index": series_order.index(v.series),
            "score": v.score,
        }
        for v in values
    ]
    return _render(_with_values(PROFILE, rows), locale)


def profile_chart(values: Sequence[ProfileValue], series_order: Sequence[str], unit_name: str, locale: str) -> Chart:
    """Dimension scores (0–100) of the unit against its parent, the institution and the previous
    round. Suppressed figures must not be passed in."""
    dimensions = list(dict.fromkeys(v.dimension for v in values))
    alt_text = i18n.translate(
        locale,
        "Bar chart of the maturity profile of %(unit)s: scores 0–100 for %(count)s dimensions, compared with %(series)s. The table below gives the figures.",
        unit=unit_name,
        count=len(dimensions),
        series=", ".join(series_order[1:]) or "–",
    )
    return _chart(_profile_svg(tuple(values), tuple(series_order), locale), alt_text)


def clear_caches() -> None:
    """Forget every SVG made so far (benchmarks: a report whose charts are all new)."""
    _trend_svg.cache_clear()
    _profile_svg.cache_clear()
