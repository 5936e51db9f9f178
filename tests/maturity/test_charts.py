"""The chart engine every package uses: its kinds, its theme, its font, its cost for a batch,
and the one way pages and PDFs put a chart in."""

import json
import re
import subprocess
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

from maturity import charts, templating
from maturity.charts import font as chart_font
from maturity.charts import profile, theme, trend


def contrast(colour: str, background: str = "#ffffff") -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours."""

    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(colour), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


class TestTrend:
    def test_a_trend_line_writes_no_text_and_draws_its_target(self) -> None:
        with_target = charts.kpi_trend_chart("K1 Name", [("2023", 1.0), ("2024", 2.5)], 4.0, "%", "nb")
        without = charts.kpi_trend_chart("K1 Name", [("2023", 1.0), ("2024", 2.5)], None, "%", "nb")
        svgs = [trend.trend_svg((("2023", 1.0), ("2024", 2.5)), t) for t in (4.0, None)]
        assert all("<text" not in svg for svg in svgs)
        assert theme.TARGET_COLOUR in svgs[0]
        assert theme.TARGET_COLOUR not in svgs[1]
        assert "Mål: 4." in with_target.alt
        assert "Mål" not in without.alt
        assert with_target.svg == svgs[0]
        assert (with_target.width, with_target.height) == (108, 30)


class TestProfile:
    def test_the_profile_chart_writes_every_label_whole_in_the_theme_font(self) -> None:
        long = "Verdiskaping gjennom deling og gjenbruk av data"
        faculty = "Fakultet for teknologi, kunst og design"
        values = [
            charts.ProfileValue(dimension, series, score)
            for dimension in ("Pedagogisk innovasjon", long)
            for series, score in ((faculty, 55.0), ("OsloMet", 52.5))
        ]
        chart = charts.profile_chart(values, [faculty, "OsloMet"], "F", "nb")
        assert long in chart.svg
        assert faculty in chart.svg
        assert "…" not in chart.svg
        assert chart.width > 380
        assert theme.SERIES_COLOURS[0] in chart.svg
        assert theme.SERIES_COLOURS[1] in chart.svg
        assert 'font-family="Inter, sans-serif"' in chart.svg
        assert 'font-family="Inter"' not in chart.svg

    def test_each_series_keeps_the_colour_of_its_role(self) -> None:
        values = [
            charts.ProfileValue(d, s, score)
            for d in ("A", "B")
            for s, score in (("Unit", 40.0), ("Institution", 60.0), ("2023", 30.0))
        ]
        chart = charts.profile_chart(
            values, ["Unit", "Institution", "2023"], "Unit", "en", roles=["unit", "institution", "previous"]
        )
        bars = re.findall(r'<path d="M0,[^"]*h([\d.]+)v[\d.]+h-[\d.]+Z" fill="(#[0-9a-f]{6})"', chart.svg)
        colour_of_width = {round(float(w)): c for w, c in bars}
        # 380 px for 0–100: 40 → 152, 60 → 228, 30 → 114
        assert colour_of_width == {152: theme.UNIT, 228: theme.INSTITUTION, 114: theme.PREVIOUS}
        assert theme.PARENT not in chart.svg

    def test_text_from_users_is_escaped(self) -> None:
        chart = charts.profile_chart(
            [charts.ProfileValue("<script>x</script>", "U & <b>", 50.0)], ["U & <b>"], "U", "en", roles=["unit"]
        )
        assert "<script>" not in chart.svg
        assert "<b>" not in chart.svg
        assert "&lt;script&gt;x&lt;/script&gt;" in chart.svg


class TestTheme:
    def test_every_meaningful_colour_stands_out_against_white(self) -> None:
        marks = [*theme.SERIES_COLOURS, *theme.STATUS_COLOURS.values(), theme.DOMAIN]
        assert all(contrast(c) >= 3 for c in marks), [(c, round(contrast(c), 2)) for c in marks]
        assert contrast(theme.INK) >= 4.5
        assert contrast(theme.MUTED) >= 4.5

    def test_every_status_has_a_colour_and_a_symbol_the_chart_font_draws(self) -> None:
        assert theme.STATUS_COLOURS.keys() == theme.STATUS_SYMBOLS.keys()
        assert all(ord(symbol) in chart_font.CHARACTERS for symbol in theme.STATUS_SYMBOLS.values())

    def test_every_chart_kind_compiles_under_the_theme(self) -> None:
        templates = charts.compile_templates()
        assert {trend.TREND, profile.PROFILE} <= templates.keys()
        for name, vega in templates.items():
            spec = json.loads(vega)
            assert any(d["name"] == name for d in spec["data"]), name
            assert '"Inter"' in vega, name


class TestMacro:
    def test_a_page_gets_the_svg_inline_and_a_pdf_an_image_with_alt_text(self) -> None:
        chart = charts.kpi_trend_chart("K1 <Name>", [("2023", 1.0), ("2024", 2.5)], None, "", "en")
        macro = templating.environment().get_template("charts/macros.html").module.chart  # type: ignore[attr-defined]
        inline, image = str(macro(chart)), str(macro(chart, False))
        assert inline.startswith('<span class="chart chart-svg" role="img" aria-label="Line chart of K1 &lt;Name&gt;:')
        assert chart.svg in inline
        assert "<img" not in inline
        assert image.startswith('<img class="chart" src="data:image/svg+xml;base64,')
        assert 'alt="Line chart of K1 &lt;Name&gt;:' in image
        assert "<svg" not in image


def test_a_worker_given_the_templates_never_imports_altair() -> None:
    templates = json.dumps(charts.compile_templates())
    code = (
        "import json, sys\n"
        "from maturity import charts\n"
        "from reports import rendering\n"
        f"charts.install_templates(json.loads({templates!r}))\n"
        "rendering.warm_up()\n"
        "charts.kpi_trend_chart('K', [('2023', 1.0), ('2024', 2.0)], 3.0, '', 'nb')\n"
        "charts.profile_chart([charts.ProfileValue('D', 'U', 50.0)], ['U'], 'U', 'en')\n"
        "print('altair' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603  # our own code
    assert result.stdout.strip() == "False"


def test_the_chart_font_is_inter_cut_to_norwegian_and_english_with_the_same_widths(tmp_path: Path) -> None:
    with TTFont(chart_font.TARGET) as committed, TTFont(chart_font.SOURCE) as whole:
        assert committed["name"].getDebugName(1) == whole["name"].getDebugName(1) == "Inter"
        cmap, whole_cmap = committed.getBestCmap(), whole.getBestCmap()
        assert set(cmap) == set(chart_font.CHARACTERS) & set(whole_cmap)
        for code in cmap:
            assert committed["hmtx"][cmap[code]][0] == whole["hmtx"][whole_cmap[code]][0], chr(code)
        features = {record.FeatureTag for record in committed["GPOS"].table.FeatureList.FeatureRecord}
        assert features == {"kern"}  # pairs like "To" and "AV" measure as WeasyPrint sets them
    with TTFont(chart_font.make_chart_font(target=tmp_path / "Inter-Regular.otf")) as again:
        assert again.getBestCmap() == cmap  # the committed file is what the command makes now
