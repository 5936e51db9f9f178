"""A survey completed with the keyboard only: Tab, Space, Enter and the arrow keys."""

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import World, log_in, new_context

MAX_TABS = 80


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus (as a person would). Like
    a person, it starts once the page has settled: HTMX wires up new content (autosave) then."""
    page.wait_for_function("() => !document.querySelector('.htmx-settling')")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_a_survey_completed_with_the_keyboard_only(context: BrowserContext, world: World, javascript: bool) -> None:
    page = context.new_page()
    page.goto(world.link())
    tab_to(page, "a.button--primary")  # Start
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dimension one")

    tab_to(page, "input[name='q-D1-L']")  # into the first radio group: its first option
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # level 3
    expect(page.locator("#a-D1-L-3")).to_be_checked()
    tab_to(page, "input[name='q-D1-Q1']")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # the second label
    expect(page.locator("#a-D1-Q1-2")).to_be_checked()
    if javascript:
        expect(page.locator("#status-D1-Q1")).to_have_text("Saved")
    tab_to(page, "button[value='next']")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Dimension two")
    tab_to(page, "input[name='q-D2-L']")
    page.keyboard.press("Space")
    tab_to(page, "button[value='next']")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    tab_to(page, "textarea[name='q-B-TEXT']")
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, "button[value='next']")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    tab_to(page, "form[action$='/submit'] button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_be_visible()


def test_a_boosted_page_gives_its_main_content_the_focus_but_never_takes_it_back(
    browser: Browser, world: World
) -> None:
    """After a boosted navigation the new main content has the focus (a screen reader starts
    there). Someone who presses Tab at once keeps their place: HTMX settles the page 20 ms after
    the swap, and the focus used to move to the main content then, so the next key went nowhere."""
    context = new_context(browser, world, javascript=True)
    page = context.new_page()
    page.goto(world.link())
    page.get_by_role("link", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dimension one")
    expect(page.locator("#main")).to_be_focused()

    # A Tab pressed before the page settles: the first task after the swap moves the focus.
    page.evaluate(
        """() => document.body.addEventListener("htmx:afterSwap", () => setTimeout(
               () => document.querySelector("input[name='q-D2-L']").focus(), 0), {once: true})"""
    )
    tab_to(page, "button[value='next']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dimension two")
    page.wait_for_timeout(200)  # well past the settle
    expect(page.locator("input[name='q-D2-L']").first).to_be_focused()
    context.close()


def test_the_main_navigation_on_a_phone(browser: Browser, world: World, javascript: bool) -> None:
    """At 390 px the main navigation folds behind a Menu button, opened and closed with the
    keyboard (Enter, Escape), and a boosted navigation brings a new header whose menu works too;
    without JavaScript every entry is shown, as on a wide screen."""
    context = new_context(browser, world, javascript=javascript)
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "leader@example.org")
    page.goto("/reports")
    nav = page.get_by_role("navigation", name="Main navigation")
    units = nav.get_by_role("link", name="Units", exact=True)
    if not javascript:
        expect(nav.get_by_role("button")).to_have_count(0)
        expect(units).to_be_visible()
        context.close()
        return

    menu = nav.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(units).to_be_hidden()
    tab_to(page, ".menu-toggle")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(units).to_be_visible()
    expect(nav.get_by_role("link", name="Reports")).to_have_attribute("aria-current", "page")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Home")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(units).to_be_hidden()

    page.keyboard.press("Enter")
    tab_to(page, "#main-nav a[href='/units']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/units")
    expect(page.locator("#main")).to_be_focused()  # a boosted navigation: the header is new
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_count(1)
    menu.click()
    expect(nav.get_by_role("link", name="Units", exact=True)).to_have_attribute("aria-current", "page")

    page.set_viewport_size({"width": 1366, "height": 900})  # a wide screen: no button, every entry
    expect(menu).to_be_hidden()
    expect(nav.get_by_role("link", name="Home")).to_be_visible()
    context.close()
