"""The report's layout: a table of measures per goal, each KPI's trend line with the table of its
values, hidden figures a row per group (the charts themselves: tests/maturity/test_charts.py)."""

import re

from sqlalchemy import select
from sqlmodel import Session

from maturity import i18n
from maturity.units.models import OrgUnit
from reports.assembly import build_content
from reports.content import (
    DimensionProfile,
    HiddenFigure,
    KpiLine,
    Method,
    ReportContent,
    SeriesPoint,
    UnitRef,
)
from reports.rendering import SERIES_COLUMNS, hidden_groups, render_print_html, series_tables


def kpi(code: str, periods: list[str]) -> KpiLine:
    return KpiLine(
        code=code, name=code, series=tuple(SeriesPoint(period=p, value=i + 0.5) for i, p in enumerate(periods))
    )


class TestSeriesTables:
    def test_kpis_measured_as_often_share_a_table_and_others_get_their_own(self) -> None:
        yearly, other_yearly = kpi("KY", ["2023", "2024"]), kpi("KZ", ["2022", "2024"])
        half = kpi("KS", ["2023-S2", "2024-S1", "2024-S2"])
        tables = series_tables([yearly, half, other_yearly, kpi("KNONE", [])])
        assert [t.periods for t in tables] == [("2022", "2023", "2024"), ("2023-S2", "2024-S1", "2024-S2")]
        years, halves = tables
        assert [(k.code, values) for k, values in years.rows] == [
            ("KY", (None, 0.5, 1.5)),  # a period a KPI has no value for stays empty
            ("KZ", (0.5, None, 1.5)),
        ]
        assert [(k.code, values) for k, values in halves.rows] == [("KS", (0.5, 1.5, 2.5))]

    def test_a_series_longer_than_a_table_goes_on_in_the_next(self) -> None:
        months = [f"2024-{m:02d}" for m in range(1, SERIES_COLUMNS + 3)]
        tables = series_tables([kpi("KM", months)])
        assert [len(t.periods) for t in tables] == [SERIES_COLUMNS, 2]
        assert [p for t in tables for p in t.periods] == months
        assert [v for t in tables for _, values in t.rows for v in values] == [i + 0.5 for i in range(len(months))]


def hidden(unit: str, dimension: str, group: str) -> HiddenFigure:
    return HiddenFigure(unit_code=unit, unit_name=f"Unit {unit}", dimension=dimension, group=group)


def test_hidden_figures_are_a_row_per_unit_and_group_without_a_reason() -> None:
    report = ReportContent(
        unit=UnitRef(code="A", name="A", kind="department"),
        period="2024",
        language="nb",
        title="t",
        profile=(
            DimensionProfile(code="", name="Alle dimensjoner", overall=True),
            DimensionProfile(code="D1", name="En"),
            DimensionProfile(code="D2", name="To"),
        ),
        method=Method(
            suppressed=(
                *(hidden("A1", d, "Ledere") for d in ("Alle dimensjoner", "En", "To")),
                hidden("A2", "To", "Alle respondenter"),
                hidden("A2", "En", "Ledere"),
            )
        ),
    )
    rows = [(h.unit_code, h.group, h.dimensions) for h in hidden_groups(report)]
    assert rows == [
        ("A1", "Ledere", ()),  # every dimension: one row that says so
        ("A2", "Alle respondenter", ("To",)),
        ("A2", "Ledere", ("En",)),
    ]
    html = render_print_html(report)
    assert "reveal" not in html
    assert "avsløre" not in html
    assert html.count("Unit A1 (A1)") == 1
    assert i18n.translate("nb", "All dimensions") in html


def test_every_kpi_has_its_row_trend_line_and_values(session: Session, records: None) -> None:
    unit = session.execute(select(OrgUnit).where(OrgUnit.code == "DEP-A1")).scalars().one()
    content = build_content(session, unit, "2024", "nb")
    html = render_print_html(content)
    kpis = [k for g in content.goals for i in g.indicators for k in i.kpis]
    for line in kpis:
        row = re.search(rf'<tr id="kpi-{line.code}">(.*?)</tr>', html, re.S)
        assert row, line.code
        assert (len(line.series) >= 2) == ("<img" in row.group(1)), line.code  # a line from two values
    tables = re.findall(r'<table class="series">(.*?)</table>', html, re.S)
    assert tables
    for line in kpis:
        for point in line.series:
            shown = i18n.number(point.value, "nb", line.decimals)
            assert any(point.period in t and shown in t for t in tables), (line.code, point)
    sources = re.search(r'<section class="sources".*?</section>', html, re.S)
    assert sources
    assert all(s.source in sources.group() for line in kpis for s in line.sources)
