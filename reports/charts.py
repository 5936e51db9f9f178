"""Charts: Altair specifications rendered to SVG on the server by vl-convert, embedded as
``data:`` images with alt text. Each chart function takes plain data, so the scoring side can
feed the profile chart as soon as it has figures.

The one shipped font (Inter, ``maturity/static/fonts``) is registered with vl-convert and named
in every chart, as the print stylesheet names it for WeasyPrint: text looks the same everywhere.

A report has a trend chart per KPI, so they must be cheap. The trend chart's Altair
specification reads named data sets; it is compiled to Vega once per process and language, and
each chart only puts its values into a copy. Every SVG is kept per process for its data (an
institution-wide KPI draws the same chart in every unit's report). The charts carry few marks
and labels, and the SVG loses what neither a reader nor WeasyPrint uses (empty paths, ARIA
attributes: the ``<img alt>`` is what readers get), because WeasyPrint draws each node anew
in every PDF.
"""

import base64
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import altair as alt
import vl_convert as vlc

from maturity import i18n
from maturity.templating import STATIC_DIR

FONT_DIR = STATIC_DIR / "fonts"
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
POINTS, TARGET = "points", "target"  # the trend chart's data sets
# A long trend labels its first and last period only (the table under the chart has them all):
# each label costs vl-convert about 1 ms to measure and WeasyPrint a text layout.
PERIOD_LABELS = "length(domain('x')) > 4 ? [domain('x')[0], peek(domain('x'))] : domain('x')"


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
    vlc.register_font_directory(str(FONT_DIR))


def warm_up() -> None:
    """The first conversion of a process costs about half a second; pay it once."""
    register_fonts()
    _trend_vega(with_target=True)
    _trend_vega(with_target=False)
    _trend_svg((("2020", 1.0), ("2021", 2.0)), None, "nb")


def _render_vega(spec: dict[str, Any], locale: str) -> str:
    register_fonts()
    svg = vlc.vega_to_svg(
        spec,
        format_locale=NUMBER_LOCALES[locale],
        time_format_locale=TIME_LOCALES[locale],
        allowed_base_urls=[],  # inline data only: vl-convert fetches nothing
    )
    return slim_svg(str(svg))


@lru_cache(maxsize=64)
def _svg(spec_json: str, locale: str) -> str:
    """A Vega-Lite specification (canonical JSON) as SVG."""
    register_fonts()
    vega = vlc.vegalite_to_vega(json.loads(spec_json), vl_version=VL_VERSION)
    return _render_vega(vega, locale)


_UNUSED_SVG = re.compile(
    r'<path class="(?:background|foreground)" aria-hidden="true" d="(?:M0,0h0v0h0Z)?"[^>]*/>'
    r'|\s(?:aria-[a-z]+|role|class|pointer-events)="[^"]*"'
)
# After the above: a group's background path without paint (the root group says fill="none"),
# and opacity 1, which is what nothing says.
_UNPAINTED_SVG = re.compile(r'<path d="[^"]*"/>|\sopacity="1"')
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


def _configured(chart: alt.TopLevelMixin) -> dict[str, Any]:
    configured = chart.configure(font=FONT, background="white").configure_view(stroke=None)
    configured = configured.configure_axis(
        labelColor=INK, titleColor=INK, gridColor="#e4e7eb", labelFontSize=10, labelPadding=6, ticks=False
    )
    return dict(configured.to_dict())


def trend_spec(with_target: bool) -> dict[str, Any]:
    """A KPI's values over periods (data set ``points``: period, value) and, if given, its
    target (data set ``target``: target) as a dashed line."""
    base = alt.Chart(alt.NamedData(name=POINTS))
    line = base.mark_line(color=ACCENT, point=alt.OverlayMarkDef(color=ACCENT, size=30)).encode(
        x=alt.X("period:O", title=None, axis=alt.Axis(labelAngle=0, values=alt.ExprRef(expr=PERIOD_LABELS))),
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",~f", tickCount=3, domain=False)),
    )
    layers: list[Any] = [line]
    if with_target:
        rule = alt.Chart(alt.NamedData(name=TARGET)).mark_rule(color="#c05621", strokeDash=[4, 3])
        layers.append(rule.encode(y="target:Q"))
    return _configured(alt.layer(*layers).properties(width=360, height=100))


@cache
def _trend_vega(with_target: bool) -> str:
    """The trend chart compiled to Vega, without data (JSON, so every chart gets a fresh copy)."""
    return json.dumps(vlc.vegalite_to_vega(trend_spec(with_target), vl_version=VL_VERSION))


@lru_cache(maxsize=1024)
def _trend_svg(points: tuple[tuple[str, float], ...], target: float | None, locale: str) -> str:
    spec = json.loads(_trend_vega(target is not None))
    values = {
        POINTS: [{"period": period, "value": value} for period, value in points],
        TARGET: [{"target": target}],
    }
    for data in spec["data"]:
        if data["name"] in values:
            data["values"] = values[data["name"]]
    return _render_vega(spec, locale)


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
    return _chart(_trend_svg(tuple(points), target, locale), alt_text)


def profile_spec(values: Sequence[ProfileValue], series_order: Sequence[str]) -> dict[str, Any]:
    rows = [{"dimension": v.dimension, "series": v.series, "score": v.score} for v in values]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(height=7)
        .encode(
            y=alt.Y("dimension:N", title=None, sort=None, axis=alt.Axis(labelLimit=200)),
            yOffset=alt.YOffset("series:N", sort=list(series_order)),
            x=alt.X("score:Q", title=None, scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "series:N",
                sort=list(series_order),
                scale=alt.Scale(domain=list(series_order), range=SERIES_COLOURS[: len(series_order)]),
                legend=alt.Legend(title=None, orient="bottom"),
            ),
        )
        .properties(width=380, height=alt.Step(9))
    )
    return _configured(chart)


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
    return _chart(_svg(json.dumps(profile_spec(values, series_order), sort_keys=True), locale), alt_text)


def clear_caches() -> None:
    """Forget every SVG made so far (benchmarks: a report whose charts are all new)."""
    _trend_svg.cache_clear()
    _svg.cache_clear()
