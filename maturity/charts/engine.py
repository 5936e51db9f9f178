"""The chart engine: Vega specifications compiled once, data put into a copy, rendered to SVG
by vl-convert, the SVG slimmed and kept per data.

A page or report draws many charts, so each must be cheap. Each chart kind's Altair
specification reads a named data set and is compiled to Vega once per process
(``compile_templates``; a batch compiles them once and its workers take them with
``install_templates``, so they never import Altair); each chart puts its values into a copy.
Every SVG is kept per process for its data (``cached``: an institution-wide KPI draws the same
chart in every unit's report). The charts carry few marks and labels, no label is cut short
(vl-convert measures a cut label again for every letter it drops), and the SVG loses what
neither a reader nor WeasyPrint uses (empty paths, ARIA attributes: the alt text is what
readers get), because WeasyPrint draws each node anew in every PDF.
"""

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, ParamSpec, TypeVar

import vl_convert as vlc

from maturity.charts.theme import CHART_FONT_DIR, FONT, FONT_STACK

VL_VERSION = "6.4"  # Altair 6.3 writes Vega-Lite 6.4
# d3 has no nb-NO number locale; this one matches Babel's: no-break space groups, decimal comma.
NUMBER_LOCALES: dict[str, dict[str, Any]] = {
    "nb": {"decimal": ",", "thousands": "\u00a0", "grouping": [3], "currency": ["", "\u00a0kr"], "minus": "-"},
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["£", ""], "minus": "-"},
}
TIME_LOCALES: dict[str, Any] = {"nb": "nb-NO", "en": "en-GB"}

SPECS: dict[str, Callable[[], dict[str, Any]]] = {}  # chart kind → its Vega-Lite specification
COMPILED: dict[str, Callable[[dict[str, Any]], None]] = {}  # chart kind → a change to its Vega
_templates: dict[str, str] = {}  # chart kind → its Vega specification without data (JSON)
_caches: list[Any] = []  # every kind's SVG cache, for ``clear_caches``

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Chart:
    """One rendered chart: the SVG (the same text on screen, inline, and in the PDF, as an
    image), its alt text and its size in CSS pixels."""

    svg: str
    alt: str
    width: int
    height: int

    @property
    def src(self) -> str:
        """The SVG as a ``data:`` URL, for an ``<img>`` (the PDF: WeasyPrint tags its alt text)."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


def chart_kind(
    name: str, compiled: Callable[[dict[str, Any]], None] | None = None
) -> Callable[[Callable[[], dict[str, Any]]], Callable[[], dict[str, Any]]]:
    """Register a chart kind's specification under ``name``, the name of the data set it reads;
    ``compiled`` changes the Vega it compiles to, where Vega-Lite cannot say something."""

    def register(spec: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        SPECS[name] = spec
        if compiled is not None:
            COMPILED[name] = compiled
        return spec

    return register


def cached(maxsize: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """An SVG cache per process (``lru_cache``), emptied by ``clear_caches``."""

    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        kept = lru_cache(maxsize=maxsize)(function)
        _caches.append(kept)
        return kept  # type: ignore[return-value]  # lru_cache keeps the signature

    return wrap


def clear_caches() -> None:
    """Forget every SVG made so far (benchmarks: a page whose charts are all new)."""
    for kept in _caches:
        kept.cache_clear()


@cache
def register_fonts() -> None:
    vlc.register_font_directory(str(CHART_FONT_DIR))


def compile_templates() -> dict[str, str]:
    """Every chart kind's Vega specification without data, as JSON (imports Altair)."""
    return {name: _compile(name) for name in SPECS}


def _compile(name: str) -> str:
    vega = vlc.vegalite_to_vega(SPECS[name](), vl_version=VL_VERSION)
    if name in COMPILED:
        COMPILED[name](vega)
    return json.dumps(vega)


def install_templates(templates: Mapping[str, str]) -> None:
    """Use templates compiled elsewhere (a batch's workers get them from the batch)."""
    _templates.update(templates)


def with_values(name: str, values: list[dict[str, Any]]) -> dict[str, Any]:
    """A fresh copy of a chart kind's Vega specification with ``values`` as its data set."""
    if name not in _templates:
        _templates[name] = _compile(name)
    spec = dict(json.loads(_templates[name]))
    for data in spec["data"]:
        if data["name"] == name:
            data["values"] = values
    return spec


def render(spec: dict[str, Any], locale: str | None = None) -> str:
    """Vega → slimmed SVG; the specification goes to vl-convert as JSON text (faster than a
    dict), and the number locale only where the chart writes numbers."""
    register_fonts()
    locales: dict[str, Any] = (
        {"format_locale": NUMBER_LOCALES[locale], "time_format_locale": TIME_LOCALES[locale]} if locale else {}
    )
    svg = vlc.vega_to_svg(json.dumps(spec), allowed_base_urls=[], **locales)  # inline data only: fetches nothing
    return slim_svg(str(svg))


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
# vl-convert measures with the one font it has; a page or PDF without it falls back to sans-serif.
_FONT_FAMILY = f'font-family="{FONT}"'
_FONT_STACK = f'font-family="{FONT_STACK}"'


def slim_svg(svg: str) -> str:
    """Without what Vega writes for browsers and WeasyPrint would walk for nothing: empty
    paths, ARIA attributes, groups that set nothing (half the nodes), coordinates to 1e-14."""
    svg = _UNPAINTED_SVG.sub("", _UNUSED_SVG.sub("", svg))
    return _COORDINATES.sub(_rounded, _without_empty_groups(svg)).replace(_FONT_FAMILY, _FONT_STACK)


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


def make_chart(svg: str, alt_text: str) -> Chart:
    width, height = _size(svg)
    return Chart(svg=svg, alt=alt_text, width=width, height=height)


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
