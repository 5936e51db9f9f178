"""The PDF as a reader and an auditor see it: its text, its tags, its charts, its pages; and a
renderer that reads nothing outside our static folder."""

import io
import re
from datetime import date
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlmodel import Session

from maturity.units.models import OrgUnit
from maturity.web import STATIC_DIR
from reports.assembly import build_content
from reports.content import ReportContent, canonical_json, from_snapshot
from reports.pdf import StaticOnlyFetcher
from reports.rendering import render_html_pdf, render_print_html, render_report_pdf
from tests.factories import Org


def unit(session: Session, code: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalars().one()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def content(session: Session, records: None) -> ReportContent:
    return build_content(session, unit(session, "DEP-A1"), "2024", "nb")


class TestReportObject:
    def test_it_holds_the_values_and_scores_of_the_scoring_service(self, content: ReportContent) -> None:
        kpis = {k.code: k for g in content.goals for i in g.indicators for k in i.kpis}
        assert kpis["KSUM"].actual == 23
        assert kpis["KSUM"].baseline == 10
        assert kpis["KSUM"].target == 30
        assert kpis["KSUM"].progress == 65  # (23 − 10) / (30 − 10)
        assert [p.period for p in kpis["KSUM"].series] == ["2022", "2023", "2024"]
        assert [s.source for s in kpis["KSUM"].sources] == ["Prosjektregisteret"]
        assert kpis["KRATIO"].actual == 82.5  # the latest semester inside 2024
        assert kpis["KRATIO"].actual_period == "2024-S2"
        assert kpis["KRATIO"].target == 90  # the target valid at the end of 2024
        assert kpis["KLOW"].progress == 0  # lower is better, and 1 234.5 hours is far behind the baseline
        assert kpis["KLOW"].progress_raw is not None
        assert kpis["KLOW"].progress_raw < 0
        assert kpis["KINST"].institution_wide  # only the institution has a value
        assert kpis["KINST"].actual is None
        assert all(g.score.value is not None and g.score.status is not None for g in content.goals)
        assert [d.code for d in content.profile] == ["D1", "D2"]  # no closed round: no figures
        assert not content.has_profile

    def test_the_snapshot_is_canonical_and_round_trips(self, session: Session, content: ReportContent) -> None:
        again = build_content(session, unit(session, "DEP-A1"), "2024", "nb")
        assert canonical_json(again) == canonical_json(content)
        assert from_snapshot(canonical_json(content)) == content


class TestPdf:
    def test_text_tags_metadata_charts_and_pages(self, content: ReportContent) -> None:
        html = render_print_html(content)
        data = render_report_pdf(content).data
        text = pdf_text(data)
        squeezed = re.sub(r"\s+", " ", text)
        assert "Institutt A1" in text
        assert "Mål en" in text  # every goal (the test strategy has one)
        assert "23,0" in squeezed  # the actual KPI values, in Norwegian
        assert "82,5" in squeezed
        assert "1\u00a0234,5" in text or "1 234,5" in squeezed  # thousands with a (no-break) space
        assert "Side 1 av" in squeezed  # page numbers

        reader = PdfReader(io.BytesIO(data))
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root
        assert root["/Lang"] == "nb"
        assert reader.metadata is not None
        assert reader.metadata.title == content.title
        assert reader.metadata.author == "Universitetet"
        assert "/Outlines" in root  # bookmarks per section

        images = re.findall(r"<img\b[^>]*>", html)
        assert len(images) >= 2  # the trend charts of KSUM and KLOW (two values or more)
        for image in images:
            alt = re.search(r'alt="([^"]+)"', image)
            assert alt, image
            assert len(alt.group(1)) > 20
            assert 'src="data:image/svg+xml;base64,' in image
        assert "Linjediagram" in html  # alt text in the report's language

        fonts = {
            str(font.get_object()["/BaseFont"]).partition("+")[2]
            for page in reader.pages
            for font in page["/Resources"].get("/Font", {}).values()
        }
        # The number columns' figures are Inter Tabular's (tabular without a font feature, which
        # WeasyPrint leaks); their text is still the figures (checked above: "23,0", "82,5").
        assert {"Inter", "Inter-Tabular"} <= fonts  # WeasyPrint names them by family and style

        document = pypdfium2.PdfDocument(data)
        try:
            assert len(document) >= 2
            for index in range(len(document)):
                bitmap = document[index].render(scale=0.5).to_pil().convert("L")
                low, high = bitmap.getextrema()
                assert low < 128 < high, f"page {index + 1} is blank"
        finally:
            document.close()

    def test_the_sources_say_where_baseline_and_target_come_from_in_few_words(self, content: ReportContent) -> None:
        dates = {  # (baseline from, target from) → the words in the list of sources
            (date(2018, 1, 1), date(2018, 1, 1)): "Utgangspunkt og mål fra 2018-01-01.",
            (date(2019, 1, 1), None): "Utgangspunkt fra 2019-01-01; ikke noe mål.",
            (None, date(2020, 1, 1)): "Mål fra 2020-01-01; ikke noe utgangspunkt.",
            (None, None): "",
        }
        goal = content.goals[0]
        indicators = list(goal.indicators)
        kpis = [k for i in indicators for k in i.kpis]
        assert len(kpis) >= len(dates)
        changed = {
            kpi.code: kpi.model_copy(
                update={
                    "baseline_from": baseline.isoformat() if baseline else None,
                    "target_from": target.isoformat() if target else None,
                }
            )
            for kpi, (baseline, target) in zip(kpis, dates, strict=False)
        }
        indicators = [i.model_copy(update={"kpis": tuple(changed.get(k.code, k) for k in i.kpis)}) for i in indicators]
        report = content.model_copy(update={"goals": (goal.model_copy(update={"indicators": tuple(indicators)}),)})
        html = render_print_html(report)
        sources = html[html.index('<section class="sources"') :]
        for code, words in zip(changed, dates.values(), strict=True):
            line = re.search(rf'<li><span class="code">{code}</span>(.*?)</li>', sources, re.S)
            assert line is not None, code
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line.group(1))).strip()
            assert text.startswith(words), (code, text)
            if not words:  # neither: nothing said of them
                assert "Utgangspunkt" not in text, text
                assert "Mål fra" not in text, text
            assert "fra –" not in text, text  # no missing date spelt as a dash

    def test_the_same_snapshot_renders_the_same_bytes(self, content: ReportContent) -> None:
        first = render_report_pdf(content).data
        assert render_report_pdf(from_snapshot(canonical_json(content))).data == first


class TestFetcher:
    def test_only_files_inside_the_static_folder_are_served(self, tmp_path: Path) -> None:
        fetcher = StaticOnlyFetcher()
        served = fetcher.fetch((STATIC_DIR / "css" / "report.css").as_uri())
        assert b"@font-face" in served.read()
        secret = tmp_path / "secret.txt"
        secret.write_text("top secret")
        outside = [
            secret.as_uri(),
            "file:///etc/passwd",
            (STATIC_DIR / ".." / "app.py").resolve().as_uri(),
            STATIC_DIR.as_uri() + "/../app.py",
            "http://127.0.0.1:9/internal",
            "https://example.org/logo.png",
            "ftp://example.org/x",
            "file://example.org/etc/passwd",
        ]
        for url in outside:
            with pytest.raises(ValueError, match="refused"):
                fetcher.fetch(url)
        assert fetcher.refused == outside

    def test_a_template_that_tries_gets_nothing(self, tmp_path: Path, content: ReportContent) -> None:
        secret = tmp_path / "secret.css"
        secret.write_text("body { background: url(data:image/png;base64,AAAA); }")
        hostile = (
            '<!doctype html><html lang="nb"><head><title>t</title>'
            f'<link rel="stylesheet" href="{secret.as_uri()}">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"></head><body>'
            f'<img src="{secret.as_uri()}" alt="a"><img src="https://example.org/x.png" alt="b">'
            '<img src="file:///etc/hostname" alt="c"><p>Hei</p></body></html>'
        )
        fetcher = StaticOnlyFetcher()
        data = render_html_pdf(hostile, content, fetcher=fetcher).data
        assert "Hei" in pdf_text(data)
        assert set(fetcher.refused) == {
            secret.as_uri(),
            "http://127.0.0.1:9/x.css",
            "https://example.org/x.png",
            "file:///etc/hostname",
        }


def test_without_a_strategy_the_report_has_no_goals_but_still_renders_its_object(session: Session, org: Org) -> None:
    content = build_content(session, unit(session, "FAC-B"), "2024", "en")
    assert content.goals == ()
    assert content.parent is not None
    assert content.parent.code == "UNI"
