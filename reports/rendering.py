"""The report object → HTML (the same templates on screen and in print) → PDF.

Outside a request the templates get the Jinja set-up the web pages share (``maturity.templating``:
filters, translations, StrictUndefined, autoescape), so a number looks the same on the page and
in the PDF, without importing the web app into the report workers.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment

from indicators.score_labels import STATUS, TREND
from maturity import charts as chart_module
from maturity import i18n, templating
from maturity.charts import BulletRow, Chart, ProfileValue
from maturity.errors import N_
from maturity.periods import Frequency, Period
from reports.content import DimensionProfile, KpiLine, ReportContent, Score
from reports.pdf import PdfMeta, RenderedPdf, StaticOnlyFetcher, render_pdf, static_url
from reports.shared_scoring import SERIES_LENGTH

PRINT_TEMPLATE = "reports/document/print.html"
# Status in words and a symbol (never colour alone), with symbols the shipped font has.
STATUS_SYMBOLS = {**{key: symbol for key, (_, symbol) in STATUS.items()}, "behind": "▽", "partly_achieved": "▽"}
# In the report's tables a trend is a symbol and a word; the method appendix says what each means.
TREND_SHORT = {
    "up": (N_("Up"), TREND["up"][1]),
    "down": (N_("Down"), TREND["down"][1]),
    "steady": (N_("Steady"), TREND["steady"][1]),
    "unknown": (N_("No comparison"), TREND["unknown"][1]),
}
LABELS = {
    "status_labels": {key: (label, STATUS_SYMBOLS[key]) for key, (label, _) in STATUS.items()},
    "trend_labels": TREND,
    "trend_short": TREND_SHORT,
}
MIN_TREND_POINTS = 2  # a trend needs two values; one value is shown in the table only
MIN_RANKED = 2  # strongest and weakest dimension need two to tell apart


@cache
def environment() -> Environment:
    env = templating.environment()
    env.globals["static_url"] = static_url
    return env


def report_charts(report: ReportContent) -> dict[str, Chart]:
    """The charts of a report, by KPI code, ``goals`` and ``goal-<code>`` (bullet charts of the
    goals and of each goal's indicators) and ``profile``: plain data in, SVG images out."""
    locale = report.language
    out: dict[str, Chart] = {}
    expected = report.method.expected
    if report.goals:
        rows = [bullet_row(f"{g.code} {g.title}", g.score, locale) for g in report.goals]
        out["goals"] = chart_module.bullet_chart(rows, expected, i18n.translate(locale, "the goals"), locale)
    for goal in report.goals:
        if goal.indicators:
            rows = [bullet_row(i.code, i.score, locale) for i in goal.indicators]
            what = i18n.translate(locale, "the indicators of %(goal)s", goal=goal.code)
            out[f"goal-{goal.code}"] = chart_module.bullet_chart(rows, expected, what, locale)
        for indicator in goal.indicators:
            for kpi in indicator.kpis:
                if len(kpi.series) >= MIN_TREND_POINTS:
                    points = [(p.period, p.value) for p in kpi.series]
                    out[kpi.code] = chart_module.kpi_trend_chart(
                        f"{kpi.code} {kpi.name}", points, kpi.target, kpi.unit_of_measure, locale
                    )
    if report.has_profile:
        out["profile"] = profile_chart(report)
    return out


def bullet_row(label: str, score: Score, locale: str) -> BulletRow:
    status = score.status or "insufficient_data"
    return BulletRow(label, score.value, status, i18n.translate(locale, STATUS[status][0]))


def profile_chart(report: ReportContent) -> Chart:
    """The dimensions' shown figures; the parent is left out where it is the institution."""
    locale = report.language
    labels = {
        "unit": report.unit.name,
        "parent": report.parent.name if report.parent else i18n.translate(locale, "Parent unit"),
        "institution": report.institution.name if report.institution else i18n.translate(locale, "Institution"),
        "previous": report.profile_previous_label or i18n.translate(locale, "Previous round"),
    }
    if report.parent is None or (report.institution is not None and report.parent.code == report.institution.code):
        del labels["parent"]
    values = [
        ProfileValue(d.name, labels[key], figure.value)
        for d in report.profile
        if not d.overall
        for key, figure in (
            ("unit", d.unit),
            ("parent", d.parent),
            ("institution", d.institution),
            ("previous", d.previous),
        )
        if key in labels and figure.value is not None and not figure.suppressed
    ]
    shown = [(key, label) for key, label in labels.items() if any(v.series == label for v in values)]
    series, roles = [label for _, label in shown], [key for key, _ in shown]
    return chart_module.profile_chart(values, series, report.unit.name, locale, roles=roles)


@dataclass(frozen=True, slots=True)
class SeriesTable:
    """The data of trend lines: KPIs measured as often as each other in one table, a row per
    KPI and a column per period (oldest first)."""

    periods: tuple[str, ...]
    rows: tuple[tuple[KpiLine, tuple[float | None, ...]], ...]


SERIES_COLUMNS = SERIES_LENGTH  # periods per table: one KPI series fits; mixed ones go on in another


def series_tables(kpis: Iterable[KpiLine]) -> list[SeriesTable]:
    """One table per frequency the KPIs are measured at (a yearly and a half-yearly KPI share
    no columns), split every ``SERIES_COLUMNS`` periods; KPIs without values have no row."""
    groups: dict[Frequency, list[KpiLine]] = {}
    for kpi in kpis:
        if kpi.series:
            groups.setdefault(Period.parse(kpi.series[0].period).frequency, []).append(kpi)
    tables = []
    for group in groups.values():
        periods = sorted({point.period for kpi in group for point in kpi.series}, key=Period.parse)
        values = [{point.period: point.value for point in kpi.series} for kpi in group]
        for start in range(0, len(periods), SERIES_COLUMNS):
            columns = tuple(periods[start : start + SERIES_COLUMNS])
            rows = tuple(
                (kpi, tuple(by_period.get(p) for p in columns))
                for kpi, by_period in zip(group, values, strict=True)
                if any(p in by_period for p in columns)
            )
            tables.append(SeriesTable(columns, rows))
    return tables


@dataclass(frozen=True, slots=True)
class HiddenGroup:
    """The figures disclosure hides for one unit's respondent group: every dimension
    (``dimensions`` empty) or the ones named."""

    unit_code: str
    unit_name: str
    group: str
    dimensions: tuple[str, ...]


def hidden_groups(report: ReportContent) -> list[HiddenGroup]:
    """The method's hidden figures a row per unit and group (a small group is usually hidden in
    every dimension: one row then, not one per dimension)."""
    every = {d.name for d in report.profile}
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for hidden in report.method.suppressed:
        grouped.setdefault((hidden.unit_code, hidden.unit_name, hidden.group), []).append(hidden.dimension)
    return [
        HiddenGroup(code, name, group, () if every and set(dimensions) >= every else tuple(dimensions))
        for (code, name, group), dimensions in grouped.items()
    ]


def status_counts(report: ReportContent) -> list[tuple[str, int]]:
    """How many goals have each status, in the order of the statuses (those with none left out)."""
    counts = dict.fromkeys(STATUS, 0)
    for goal in report.goals:
        if goal.score.status is not None:
            counts[goal.score.status] += 1
    return [(key, count) for key, count in counts.items() if count]


def profile_extremes(report: ReportContent) -> tuple[DimensionProfile | None, DimensionProfile | None]:
    """The unit's strongest and weakest dimension among those shown (none when fewer than two)."""
    shown = [d for d in report.profile if not d.overall and d.unit.value is not None]
    if len(shown) < MIN_RANKED:
        return None, None
    ranked = sorted(shown, key=lambda d: d.unit.value or 0.0)
    return ranked[-1], ranked[0]


def document_context(report: ReportContent, charts: Mapping[str, Chart], *, inline_charts: bool) -> dict[str, Any]:
    """What the body template needs, on screen (charts inline, in the page's font) and in print
    (charts as images with alt text, which WeasyPrint tags)."""
    return {
        "report": report,
        "charts": charts,
        "inline_charts": inline_charts,
        "locale": report.language,
        "series_tables": series_tables,
        "hidden_groups": hidden_groups,
        "status_counts": status_counts,
        "profile_extremes": profile_extremes,
        **LABELS,
    }


def report_author(report: ReportContent) -> str:
    """The PDF's author: the institution (the same for every rendering of one snapshot)."""
    return report.institution.name if report.institution else report.unit.name


def render_print_html(report: ReportContent) -> str:
    author = report_author(report)
    locale = report.language
    footer = i18n.translate(locale, "Page %(page)s of %(pages)s", page='" counter(page) "', pages='" counter(pages) "')
    context = document_context(report, report_charts(report), inline_charts=False)
    context.update(author=author, page_footer=footer)
    return environment().get_template(PRINT_TEMPLATE).render(context)


def render_report_pdf(report: ReportContent) -> RenderedPdf:
    html = render_print_html(report)
    return render_html_pdf(html, report)


def render_html_pdf(html: str, report: ReportContent, fetcher: StaticOnlyFetcher | None = None) -> RenderedPdf:
    """WeasyPrint alone on a finished HTML (benchmarks and the fetcher's tests)."""
    return render_pdf(html, PdfMeta(report.title, report.language, report_author(report)), fetcher=fetcher)


def warm_up() -> None:
    chart_module.warm_up()
    from reports.pdf import warm_up as pdf_warm_up

    pdf_warm_up()
