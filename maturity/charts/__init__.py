"""Charts for every package: Altair specifications under one theme, rendered on the server to
SVG by vl-convert (no browser, no script, nothing fetched).

The API (plain data in, ``Chart`` out):

- ``Chart``: ``svg`` (the slimmed SVG text), ``alt`` (its alt text, in the reader's language),
  ``width``/``height`` (CSS px) and ``src`` (the same SVG as a ``data:`` URL). Pages put ``svg``
  inline, so the page's ``@font-face`` gives it Inter; a PDF takes ``src`` in an ``<img alt>``,
  which WeasyPrint tags. The macros of ``charts/macros.html`` do either.
- Chart kinds: ``kpi_trend_chart`` (a KPI's word-sized line), ``profile_chart`` (dimension
  bars per series, ``ProfileValue``), ``bullet_chart`` (scores against expected progress and
  the target, a ``BulletRow`` each, status in colour, symbol and word), ``rates_chart``
  (response rates as bars, a ``RateRow`` each with its words).
- ``theme``: font, sizes and colours (``STATUS_COLOURS``, ``STATUS_SYMBOLS``, ``SERIES_COLOURS``)
  for anything that should look like the charts.
- Speed: ``compile_templates`` (every kind's Vega, imports Altair) and ``install_templates``
  (a worker takes them: it never imports Altair), ``warm_up`` (the first conversion of a process
  costs half a second), ``clear_caches`` (SVGs are kept per data in each process).

A hidden survey figure must never be passed to a chart: no chart, alt text or table of data can
then show it. Adding a kind: a module with a ``@chart_kind(NAME)`` specification built with
``theme.themed`` that reads the named data set ``NAME``, an ``@cached`` SVG function and a
function that returns ``Chart``; import it here so batches compile it.
"""

from maturity.charts.bullet import BulletRow, bullet_chart
from maturity.charts.engine import Chart, clear_caches, compile_templates, install_templates
from maturity.charts.profile import ROLE_COLOURS, ProfileValue, profile_chart
from maturity.charts.rates import RateRow, rates_chart
from maturity.charts.trend import kpi_trend_chart, trend_svg

__all__ = [
    "ROLE_COLOURS",
    "BulletRow",
    "Chart",
    "ProfileValue",
    "RateRow",
    "bullet_chart",
    "clear_caches",
    "compile_templates",
    "install_templates",
    "kpi_trend_chart",
    "profile_chart",
    "rates_chart",
    "warm_up",
]


def warm_up() -> None:
    """The first conversion of a process costs about half a second; pay it once."""
    trend_svg((("2020", 1.0), ("2021", 2.0)), None)
