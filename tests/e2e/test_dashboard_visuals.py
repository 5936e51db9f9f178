"""The dashboard and the overview as a leader and the strategy office see them: charts with
alt text and their figures one click away (without JavaScript too), the heatmap sorted by a
goal, the chart font present, axe at a phone's width and reflow at 320 CSS px (WCAG 1.4.10)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.e2e.conftest import World, log_in

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
# The status words in either language (the reader's own language setting wins over the browser's).
STATUS_WORDS = (
    "On track",
    "Behind",
    "At risk",
    "Achieved",
    "Insufficient data",
    "I rute",
    "Etter skjema",
    "I fare",
    "Nådd",
    "For lite data",
)
DASHBOARD = "/dashboard?unit=FAC-A&period=2024"
OVERVIEW = "/overview?period=2024"
PAGES = [
    ("leader@example.org", DASHBOARD),
    ("office@example.org", "/dashboard?unit=UNI&period=2024"),
    ("office@example.org", OVERVIEW),
]


def _context(browser: Browser, world: World, width: int, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(
        base_url=world.base_url,
        locale="en-GB",
        viewport={"width": width, "height": 800},
        java_script_enabled=javascript,
        bypass_csp=True,  # axe is injected
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def readers(browser: Browser, world: World) -> Iterator[dict[tuple[str, int], Page]]:
    contexts: list[BrowserContext] = []
    pages: dict[tuple[str, int], Page] = {}
    for who in ("leader@example.org", "office@example.org"):
        for width in (1366, 390, 320):
            context = _context(browser, world, width)
            contexts.append(context)
            page = context.new_page()
            log_in(page, who)
            pages[who, width] = page
    yield pages
    for context in contexts:
        context.close()


def _page_scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth"))


def test_dashboard_and_overview_at_desktop_phone_and_320_px(readers: dict[tuple[str, int], Page]) -> None:
    problems = []
    for who, address in PAGES:
        for width in (1366, 390, 320):
            page = readers[who, width]
            assert page.goto(address).status == 200  # type: ignore[union-attr]
            if _page_scrolls_sideways(page):
                wide = page.evaluate(
                    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
                    "document.documentElement.clientWidth + 1 && !e.closest('.table-wrap')).slice(0, 3)"
                    ".map(e => e.tagName + '.' + e.className)"
                )
                problems.append(f"{address} at {width} px scrolls sideways: {wide}")
            if width in (1366, 390):
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
                for v in result["violations"]:
                    if v["impact"] in BLOCKING:
                        problems.append(f"{address} at {width} px: {v['id']} at {v['nodes'][0]['target']}")
    assert not problems, "\n".join(problems)


def test_every_chart_has_alt_text_and_draws_its_words_in_inter(readers: dict[tuple[str, int], Page]) -> None:
    page = readers["leader@example.org", 1366]
    page.goto(DASHBOARD)
    charts = page.locator(".chart-svg")
    assert charts.count() >= 3  # a goal's bullet chart, KPI lines
    for n in range(charts.count()):
        chart = charts.nth(n)
        assert chart.get_attribute("role") == "img"
        assert len(chart.get_attribute("aria-label") or "") > 20
    page.evaluate("async () => await document.fonts.ready")
    family = page.evaluate("getComputedStyle(document.querySelector('.bullet-chart svg text')).fontFamily")
    assert family.startswith("Inter")
    assert page.evaluate(
        "[...document.fonts].some(f => f.family.replace(/\"/g, '') === 'Inter' && f.status === 'loaded')"
    )
    assert page.evaluate("document.fonts.check('11px Inter')")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_figures_open_and_the_heatmap_sorts(browser: Browser, world: World, javascript: bool) -> None:
    context = _context(browser, world, 1366, javascript=javascript)
    try:
        page = context.new_page()
        log_in(page, "office@example.org")
        page.goto(DASHBOARD)
        card = page.locator(".goal-card").first
        table = card.locator(".chart-data table")
        assert not table.is_visible()
        card.locator(".chart-data summary").click()
        assert table.is_visible()
        assert "G1" in table.inner_text()
        page.locator(".indicator-details summary").first.click()
        assert page.locator(".indicator-details table").first.is_visible()

        page.goto(OVERVIEW)
        cells = page.locator("table.heatmap td.heat")
        assert cells.count() > 0
        for text in cells.all_inner_texts()[:10]:
            assert any(word in text for word in STATUS_WORDS), text
        page.locator("table.heatmap").first.locator("thead a.sort-link").first.click()
        page.wait_for_url("**sort=G1**")
        assert page.locator("table.heatmap").first.locator("th[aria-sort=ascending]").count() == 1
        branch = page.locator("details.heat-branch").first
        assert not branch.locator("table").is_visible()
        branch.locator("summary").click()
        assert branch.locator("table").is_visible()
    finally:
        context.close()
