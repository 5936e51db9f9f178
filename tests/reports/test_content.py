"""The report's scored content against the scoring service: the PDF says what the service
computed for the unit (in nb and en), and no hidden survey figure reaches the PDF, the HTML, the
charts or the snapshot. The data is the small fixed dataset of the dashboard's tests."""

import base64
import io
import re
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.demo import load_demo_strategy
from indicators.demo_actions import load_demo_actions
from indicators.models import Strategy
from indicators.score_labels import STATUS
from indicators.scorecard import Scorecard, unit_scorecard
from maturity import i18n
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor, event_row
from maturity.auth.models import User
from maturity.demo import DEMO_LOGO, load_demo
from maturity.units.models import OrgUnit
from reports.assembly import build_content
from reports.branding import load_branding
from reports.content import ReportContent, canonical_json
from reports.demo import DEMO_UNIT
from reports.rendering import render_print_html, render_report_pdf
from reports.shared_scoring import SharedScoring
from surveys.aggregates import round_aggregates
from surveys.demo import load_demo_surveys
from surveys.models import RespondentGroup, Response, Survey, SurveyRound
from tests.factories import Org
from tests.indicators.scored import add_scored_data
from tests.reports.layout import MAX_PAGES, assert_layout
from tests.surveys.conftest import survey

__all__ = ["survey"]

PERIOD = "2024"


@pytest.fixture
def scored(session: Session, org: Org, people: dict[str, User], strategy: Strategy, survey: Survey) -> SurveyRound:
    return add_scored_data(session, survey)


def unit(session: Session, code: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(col(OrgUnit.code) == code)).scalars().one()


def squeeze(text: str) -> str:
    """Whitespace (no-break spaces included) as single spaces, as the PDF's text and Babel differ."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


def pdf_text(data: bytes) -> str:
    return squeeze("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def chart_svgs(html: str) -> str:
    return "\n".join(
        base64.b64decode(src).decode() for src in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    )


def scored_strategy_id(session: Session) -> int | None:
    return session.execute(select(Strategy.id)).scalar_one()


def card_of(session: Session, code: str) -> Scorecard:
    return unit_scorecard(session, unit(session, code), PERIOD)


def expected_figures(card: Scorecard, locale: str) -> list[str]:
    """What the scoring service computed for the unit, formatted as the report formats it."""

    def n(value: float | None, decimals: int) -> list[str]:
        return [squeeze(i18n.number(value, locale, decimals))] if value is not None else []

    out = []
    for goal in card.unit_scores.goals:
        out += n(goal.combined.score, 0)
        for indicator in goal.indicators:
            out += n(indicator.combined.score, 0)
            for kpi in indicator.kpis:
                out += n(kpi.actual, kpi.kpi.decimals) + n(kpi.score, 0)
            for measure in indicator.surveys:
                out += n(measure.figure.mean, 1) + n(measure.score, 0)
    for row in card.profile:
        for figure in (row.unit, row.institution) + ((row.parent,) if card.parent else ()):
            out += n(figure.mean, 1)
    if card.response_rate is not None:
        out.append(squeeze(i18n.percent(card.response_rate, locale)))
    return out


def hidden_means(session: Session, card: Scorecard) -> set[float]:
    """The undisclosed means of every figure the disclosure service hides (straight from the
    aggregates), less those that equal a figure the report may show."""
    survey = card.scores.survey
    assert survey is not None
    raw = round_aggregates(session, survey.survey_round)
    hidden, shown = set(), set()
    for (unit_id, dimension_id), stats in raw.dimensions.items():
        figure = survey.figure(unit_id, dimension_id)
        (shown if figure.shown else hidden).add(round(stats.mean, 1)) if stats.n else None
    for (unit_id, dimension_id, group_id), stats in raw.dimensions_by_group.items():
        figure = survey.figure(unit_id, dimension_id, group_id)
        (shown if figure.shown else hidden).add(round(stats.mean, 1)) if stats.n else None
    return hidden - shown


def assert_nowhere(values: set[float], content: ReportContent, html: str, text: str) -> None:
    locale = content.language
    snapshot = canonical_json(content)
    svgs = squeeze(chart_svgs(html))
    page = squeeze(re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))
    for value in values:
        shown = squeeze(i18n.number(value, locale, 1))
        assert not re.search(rf"(?<![\d,.]){re.escape(shown)}(?![\d])", text), (value, "PDF")
        assert not re.search(rf"(?<![\d,.]){re.escape(shown)}(?![\d])", page), (value, "HTML")
        assert not re.search(rf"(?<![\d.]){value}(?![\d])", svgs), (value, "chart")
        assert not re.search(rf"[:\[,]{value!r}[,\]}}]", snapshot), (value, "snapshot")


@pytest.mark.parametrize("locale", ["nb", "en"])
def test_the_pdf_says_what_the_scoring_service_computed(session: Session, scored: SurveyRound, locale: str) -> None:
    for code in ("FAC-A", "DEP-A1"):
        card = card_of(session, code)
        content = build_content(session, unit(session, code), PERIOD, locale)
        text = pdf_text(render_report_pdf(content).data)
        assert squeeze(card.unit.name(locale)) in text
        for goal in card.unit_scores.goals:
            assert squeeze(goal.goal.tr("title", locale)) in text
            status = i18n.translate(locale, STATUS[goal.pace.status.value][0])
            assert status in text
            if goal.weakest is not None:
                assert goal.weakest.indicator.code in text
        for figure in expected_figures(card, locale):
            assert figure in text, (code, figure)
        assert i18n.translate(locale, "Progress report %(period)s", period=PERIOD) in text


def test_the_report_object_is_a_copy_of_the_scorecard(session: Session, scored: SurveyRound) -> None:
    card = card_of(session, "FAC-A")
    content = build_content(session, unit(session, "FAC-A"), PERIOD, "en")
    for goal, result in zip(content.goals, card.unit_scores.goals, strict=True):
        assert (goal.score.value, goal.score.coverage, goal.score.status) == (
            result.combined.score,
            result.combined.coverage,
            result.pace.status.value,
        )
        assert goal.weakest_code == (result.weakest.indicator.code if result.weakest else None)
        for indicator, scored_indicator in zip(goal.indicators, result.indicators, strict=True):
            assert indicator.score.value == scored_indicator.combined.score
            for kpi, scored_kpi in zip(indicator.kpis, scored_indicator.kpis, strict=True):
                assert (kpi.actual, kpi.progress) == (scored_kpi.actual, scored_kpi.score)
                assert [s.unit_code for s in kpi.sources] == [r.unit_code for r in card.records_of(scored_kpi)]
    ksum = next(k for g in content.goals for i in g.indicators for k in i.kpis if k.code == "KSUM")
    assert ksum.actual == 20  # DEP-A1 12 + DEP-A2 8 (SEC-A2X's 5 is in DEP-A2's own value)
    assert [s.unit_code for s in ksum.sources] == ["DEP-A1", "DEP-A2"]
    assert ksum.series[-1].value == 20
    rows = {row.code: row for row in content.profile}
    assert rows[""].overall
    assert rows[""].unit.value == card.profile[0].unit.mean
    assert rows["D1"].unit.n == 9  # FAC-A's 3 + 4 + 2 respondents
    assert content.response_rate.responses == card.submitted
    assert content.response_rate.rate == card.response_rate
    assert content.method.k == 3
    assert content.method.expected == card.scores.expected
    assert content.method.expected_rule.startswith("Expected progress is the share of the strategy period")


def test_the_same_inputs_give_the_same_snapshot(session: Session, scored: SurveyRound) -> None:
    first = canonical_json(build_content(session, unit(session, "FAC-A"), PERIOD, "nb"))
    assert canonical_json(build_content(session, unit(session, "FAC-A"), PERIOD, "nb")) == first


def test_reports_sharing_the_period_scored_once_have_the_snapshots_of_reports_built_alone(
    session: Session, scored: SurveyRound
) -> None:
    shared = SharedScoring()
    for code in ("UNI", "FAC-A", "DEP-A1", "SEC-A2X", "DEP-B1"):
        for locale in ("nb", "en"):
            alone = canonical_json(build_content(session, unit(session, code), PERIOD, locale))
            assert canonical_json(build_content(session, unit(session, code), PERIOD, locale, shared)) == alone
    assert list(shared.scores) == [(scored_strategy_id(session), PERIOD)]  # scored once for all ten
    assert len(shared.series) == 1


@pytest.mark.parametrize("locale", ["nb", "en"])
@pytest.mark.parametrize("code", ["SEC-A2X", "DEP-B1", "FAC-B"])
def test_hidden_figures_appear_nowhere(session: Session, scored: SurveyRound, code: str, locale: str) -> None:
    card = card_of(session, code)
    hidden = hidden_means(session, card)
    assert {87.5, 65.0} <= hidden  # SEC-A2X's two respondents; DEP-B1, which would give FAC-B's away
    content = build_content(session, unit(session, code), PERIOD, locale)
    html = render_print_html(content)
    text = pdf_text(render_report_pdf(content).data)
    assert_nowhere(hidden, content, html, text)
    for row in content.profile:
        for figure in (row.unit, row.parent, row.institution, row.previous):
            assert not figure.suppressed or (figure.value is None and figure.n is None)
    if code in ("SEC-A2X", "DEP-B1"):
        assert content.profile[1].unit.suppressed  # D1 of the unit itself
        assert i18n.translate(locale, "Too few responses") in text


def test_the_method_appendix_lists_hidden_figures_formulas_and_changed_definitions(
    session: Session, scored: SurveyRound
) -> None:
    actor = Actor.system("test")
    changes = [
        ("update", "kpi", "KSUM", datetime(2024, 5, 2, 10, tzinfo=UTC)),  # in the period
        ("create", "goal", "G9", datetime(2023, 12, 31, 22, tzinfo=UTC)),  # before it
        ("record", "kpi_record", "KSUM", datetime(2024, 6, 1, tzinfo=UTC)),  # a value, not a definition
    ]
    for action, kind, code, at in changes:
        row = event_row(actor, action, object_type=kind, object_id=1, label=code, after={"code": code}, at=at)
        session.add(AuditEvent(**row))
    session.commit()
    for locale in ("nb", "en"):
        content = build_content(session, unit(session, "FAC-A"), PERIOD, locale)
        method = content.method
        assert [(c.code, c.kind, c.action) for c in method.definitions_changed] == [
            ("KSUM", i18n.translate(locale, "KPI"), i18n.translate(locale, "changed"))
        ]
        hidden = {(h.unit_code, h.dimension) for h in method.suppressed}
        assert ("SEC-A2X", {"nb": "Dimensjon en", "en": "Dimension one"}[locale]) in hidden
        assert all(h.unit_code in {"FAC-A", "DEP-A1", "DEP-A2", "SEC-A2X"} for h in method.suppressed)
        # the seven formulas, then one sentence per rule FAC-A's targets came from: its own (KSUM),
        # the institution's (KRATIO and KLOW, a share and a mean), the institution's only (KINST)
        assert len(method.formulas) == 7 + 3
        assert [f.split(":")[0] for f in method.formulas[7:]] == [
            i18n.translate(locale, "Targets of %(kpis)s: %(rule)s", kpis=kpis, rule="").split(":")[0]
            for kpis in ("KSUM", "KRATIO, KLOW", "KINST")
        ]
        text = pdf_text(render_report_pdf(content).data)
        assert "KSUM" in text
        assert "G9" not in text
        assert "k = 3" in text
        assert squeeze(method.formulas[0])[:40] in text


@pytest.mark.parametrize("locale", ["nb", "en"])
def test_perspectives_show_only_the_groups_disclosure_shows(session: Session, scored: SurveyRound, locale: str) -> None:
    groups = {g.code: g for g in session.execute(select(RespondentGroup)).scalars()}
    units = {u.id: u.code for u in session.execute(select(OrgUnit)).scalars()}
    responses = session.execute(select(Response).order_by(col(Response.id))).scalars().all()
    # DEP-A1's 3 respondents administrative, everyone else academic.
    seen: dict[str, int] = {}
    for response in responses:
        code = units[response.unit_id]
        seen[code] = seen.get(code, 0) + 1
        academic = code != "DEP-A1"
        response.group_id = groups["academic" if academic else "admin"].id
    session.commit()
    for code in ("FAC-A", "DEP-A2"):
        card = card_of(session, code)
        content = build_content(session, unit(session, code), PERIOD, locale)
        shown = [
            g.tr("name", locale)
            for index, g in enumerate(card.groups)
            if any(row.groups[index].shown for row in card.perspectives)
        ]
        assert [p.group for p in content.perspectives] == shown
        for perspective in content.perspectives:
            index = [g.tr("name", locale) for g in card.groups].index(perspective.group)
            for figure, row in zip(perspective.scores, card.perspectives, strict=True):
                assert figure.value == row.groups[index].mean
        text = pdf_text(render_report_pdf(content).data)
        html = render_print_html(content)
        for perspective in content.perspectives:
            for figure in perspective.scores:
                if figure.value is not None:
                    assert squeeze(i18n.number(figure.value, locale, 1)) in text
        assert_nowhere(hidden_means(session, card), content, html, text)
    fac_a = build_content(session, unit(session, "FAC-A"), PERIOD, locale)
    assert [p.group for p in fac_a.perspectives] == [
        groups["academic"].tr("name", locale),
        groups["admin"].tr("name", locale),
    ]


def test_the_demo_organisations_report_builds(session: Session) -> None:
    """TKD 2024, the demo's faculty, and the institution's report: every figure the scoring
    service computed, in at most ten well-filled pages that open with the cover and its logo."""
    load_demo(session)
    load_demo_strategy(session, "http://demo")
    load_demo_actions(session, "http://demo")  # the action plans count towards the pages too
    load_demo_surveys(session, "http://demo")
    session.commit()
    branding = load_branding("", str(DEMO_LOGO))
    tkd = unit(session, DEMO_UNIT)
    card = unit_scorecard(session, tkd, PERIOD)
    assert card.scores.survey_round is not None
    shown = {f.mean for row in card.profile for f in (row.unit, row.parent, row.institution, row.previous) if f.shown}
    shown |= {f.mean for row in card.perspectives for f in row.groups if f.shown}
    for locale in ("nb", "en"):
        content = build_content(session, tkd, PERIOD, locale, branding=branding)
        assert content.has_scores
        assert content.has_profile
        assert content.method.suppressed  # the demo has units below k
        figures = [f for d in content.profile for f in (d.unit, d.parent, d.institution, d.previous)]
        figures += [f for g in content.perspectives for f in g.scores]
        assert {f.value for f in figures if f.value is not None} <= shown
        followed = {a.code for g in content.goals for a in g.actions}
        assert {"TKD.1", "G2.A1"} <= followed  # the faculty's own plan and the institution's
        assert not any(code.startswith("HV.") for code in followed)  # another faculty's plan
        rendered = render_report_pdf(content)
        text = pdf_text(rendered.data)
        assert squeeze(tkd.name(locale)) in text
        for goal in card.unit_scores.goals:
            assert squeeze(goal.goal.tr("title", locale))[:30] in text
        for figure in expected_figures(card, locale):
            assert figure in text, figure
        assert rendered.pages <= MAX_PAGES, (locale, rendered.pages)
        assert_layout(rendered.data, content)
    institution = build_content(session, unit(session, "OSLOMET"), PERIOD, "nb", branding=branding)
    assert_layout(render_report_pdf(institution).data, institution)
