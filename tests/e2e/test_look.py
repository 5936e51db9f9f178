"""What axe cannot check, in Chromium, on the home page of each role, the results and feedback
pages and the survey pages, at desktop and phone widths: reflow at 320 CSS px without sideways
scrolling of the page (WCAG 1.4.10), text spacing overrides without clipping (1.4.12), status
messages in live regions (4.1.3), ``autocomplete`` on personal fields (1.3.5), and tap targets of
at least 44 px on the survey pages.

``MATURITY_E2E_SCREENSHOTS=<dir>`` also saves a full-page picture of each page at each width.
"""

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import World, log_in

WIDTHS = {"desktop": 1366, "phone": 390, "reflow": 320}
SCREENSHOTS = os.environ.get("MATURITY_E2E_SCREENSHOTS", "")

# (who, address): "{link}" a fresh survey link, "{closed_link}" a submitted link of the closed
# round, "{closed_round}" its id.
LOOKED_AT = [
    ("staff@example.org", "/"),
    ("leader@example.org", "/"),
    ("office@example.org", "/"),
    ("staff@example.org", "/my-surveys"),
    ("staff@example.org", "/results"),
    ("staff@example.org", "/results/{closed_round}"),
    ("", "{closed_link}"),
    ("", "{link}"),
    ("", "{link}/p/1"),
    ("", "{link}/p/3"),
    ("", "{link}/review"),
    ("", "/accessibility"),
    ("", "/login"),
    ("office@example.org", "/surveys/rounds/1"),
    ("leader@example.org", "/kpis/KSUM"),
]

# WCAG 1.4.12's overrides, all at once.
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p { margin-bottom: 2em !important; }
"""

# Elements whose content is cut off: overflow hidden or clipped with more content than room. The
# visually hidden words (1 px boxes on purpose) and the inside of charts are not text a reader
# is meant to see there.
CLIPPED = """
() => [...document.querySelectorAll('body *')].filter(el => {
  if (el.closest('svg') || el.closest('.visually-hidden') || el.classList.contains('skip-link')) return false;
  const s = getComputedStyle(el);
  const hides = v => v === 'hidden' || v === 'clip';
  if (!hides(s.overflowX) && !hides(s.overflowY)) return false;
  if (el.clientWidth <= 1 || el.clientHeight <= 1) return false;
  return (hides(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
      || (hides(s.overflowY) && el.scrollHeight > el.clientHeight + 1);
}).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + [...el.classList].join('.'))
"""

PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

PERSONAL = (
    "input[type=email], input[type=password], input[type=tel], "
    "input[name=email], input[name=name], input[name=phone], input[name=given_name], input[name=family_name]"
)


class Reader:
    """A logged-in (or anonymous) browser context per person, reused across pages."""

    def __init__(self, browser: Browser, world: World) -> None:
        self.browser, self.world = browser, world
        self.contexts: dict[str, BrowserContext] = {}

    def page(self, who: str, width: int) -> Page:
        if who not in self.contexts:
            # bypass_csp: the text-spacing overrides are an injected style, which the CSP forbids.
            context = self.browser.new_context(base_url=self.world.base_url, locale="en-GB", bypass_csp=True)
            context.set_default_timeout(10_000)
            self.contexts[who] = context
            if who:
                log_in(context.new_page(), who)
        page = self.contexts[who].new_page()
        page.set_viewport_size({"width": width, "height": 900})
        return page

    def address(self, address: str) -> str:
        if "{closed_link}" in address:
            address = address.replace("{closed_link}", "/s/" + self.world.closed_links[0])
        if "{link}" in address:
            address = address.replace("{link}", self.world.link().removeprefix(self.world.base_url))
        for name, value in self.world.ids.items():
            address = address.replace("{" + name + "}", str(value))
        return address

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


@pytest.fixture
def reader(browser: Browser, world: World) -> Iterator[Reader]:
    reader = Reader(browser, world)
    yield reader
    reader.close()


def _shot(page: Page, who: str, address: str, width: str) -> None:
    if not SCREENSHOTS:
        return
    name = re.sub(r"[^a-z0-9]+", "-", f"{who.split('@')[0] or 'anon'}-{address}-{width}".lower()).strip("-")
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", list(WIDTHS), ids=list(WIDTHS))
def test_pages_reflow_and_keep_text_spacing_without_clipping(reader: Reader, width: str) -> None:
    problems = []
    for who, raw in LOOKED_AT:
        page = reader.page(who, WIDTHS[width])
        address = reader.address(raw)
        response = page.goto(address)
        assert response is not None
        if response.status >= 400:
            problems.append(f"{address} ({who or 'anonymous'}): HTTP {response.status}")
        _shot(page, who, raw, width)
        scroll, client = page.evaluate(PAGE_WIDTH)
        if scroll > client:
            problems.append(f"{address} ({who or 'anonymous'}) at {WIDTHS[width]} px: the page is {scroll} px wide")
        if width != "reflow":
            page.add_style_tag(content=TEXT_SPACING)
            clipped = page.evaluate(CLIPPED)
            if clipped:
                problems.append(f"{address} at {WIDTHS[width]} px with text spacing: clipped {clipped[:5]}")
            scroll, client = page.evaluate(PAGE_WIDTH)
            if scroll > client:
                problems.append(f"{address} at {WIDTHS[width]} px with text spacing: {scroll} px wide")
        missing = page.eval_on_selector_all(
            PERSONAL, "els => els.filter(e => !e.getAttribute('autocomplete')).map(e => e.name || e.id)"
        )
        if missing:
            problems.append(f"{address}: personal fields without autocomplete: {missing}")
        page.close()
    assert not problems, "\n".join(problems)


def test_survey_choices_are_44_px_tap_targets_and_titles_stay_in_their_cards(reader: Reader) -> None:
    page = reader.page("", WIDTHS["phone"])
    page.goto(reader.address("{link}/p/1"))
    small = page.eval_on_selector_all(
        ".survey-form .choice label, .survey-form .level-card label, .survey-form button",
        "els => els.map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])"
        ".filter(([, r]) => r.height < 44 || r.width < 44).map(([t, r]) => t + ': ' + Math.round(r.width) + '×' + Math.round(r.height))",
    )
    assert not small, f"tap targets under 44 px: {small}"
    outside = page.eval_on_selector_all(
        ".question",
        "els => els.filter(f => { const l = f.querySelector('legend').getBoundingClientRect();"
        " const b = f.getBoundingClientRect(); return l.top < b.top || l.right > b.right + 0.5 || l.left < b.left - 0.5; })"
        ".map(f => f.id)",
    )
    assert not outside, f"question titles across their card's border: {outside}"


def test_status_messages_are_in_live_regions(reader: Reader) -> None:
    # A survey answer saves itself and says so in the live region beside it.
    page = reader.page("", WIDTHS["desktop"])
    link = reader.address("{link}")
    page.goto(link + "/p/1")
    page.locator("label[for='a-D1-L-3']").click()
    status = page.locator("#status-D1-L")
    expect(status).to_have_text("Saved")
    assert status.get_attribute("role") == "status"
    # Save and continue later: the confirmation is a status message, and the way back is offered.
    page.get_by_role("button", name="Save and continue later").click()
    expect(page.get_by_role("status").filter(has_text="you will continue on page 1 of 3")).to_be_visible()
    page.goto(link)
    expect(page.get_by_role("link", name="Continue on page 1 of 3: Dimension one")).to_be_visible()
    page.close()


def test_an_invalid_kpi_value_gives_a_message_and_exactly_one_grid(reader: Reader) -> None:
    page = reader.page("leader@example.org", WIDTHS["desktop"])
    page.goto("/kpis/KSUM")
    cell = page.locator(".grid-table .cell-input").first
    cell.fill("tre")
    cell.dispatch_event("change")
    status = page.locator("#grid-status")
    expect(status).to_contain_text("Not a number.")
    assert status.get_attribute("role") == "status"
    expect(page.locator("#kpi-grid")).to_have_count(1)
    expect(page.locator(".grid-table")).to_have_count(1)
    expect(cell).to_be_focused()  # the reader's place is kept
    # an opened history does not widen the grid's columns
    summary = page.locator(".cell-history summary").first
    if summary.count():
        before = page.locator(".grid-table").bounding_box()
        summary.click()
        after = page.locator(".grid-table").bounding_box()
        assert before is not None
        assert after is not None
        assert after["width"] <= before["width"] + 1
    page.close()


def test_results_and_feedback_after_closing(reader: Reader) -> None:
    page = reader.page("staff@example.org", WIDTHS["phone"])
    page.goto("/my-surveys")
    page.get_by_role("link", name="Results for my unit").click()
    page.get_by_role("link", name=re.compile("Round 0")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for Department A1")
    expect(page.get_by_role("img", name=re.compile("maturity profile of Department A1"))).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Dimension one")
    page.close()
    anonymous = reader.page("", WIDTHS["phone"])
    anonymous.goto(reader.address("{closed_link}"))
    expect(anonymous.get_by_role("img", name=re.compile("your answers.*compared with Department A1"))).to_be_visible()
    anonymous.close()
