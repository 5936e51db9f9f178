"""The users' journeys in a real browser, each with and without JavaScript."""

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import World, log_in


def test_the_strategy_office_adds_an_indicator_with_a_kpi(page: Page, javascript: bool) -> None:
    indicator, kpi = ("G1.I7", "KJS") if javascript else ("G1.I8", "KNOJS")
    log_in(page, "office@example.org")
    page.goto("/strategy/test-strategy")
    page.get_by_role("link", name="+ Success indicator").click()
    page.get_by_label("Code").fill(indicator)
    page.get_by_label("Title (Norwegian)").fill("Flere digitale emner")
    page.get_by_label("Title (English)").fill("More digital courses")
    page.get_by_label("Weight").fill("1")
    page.get_by_role("button", name="Save").click()
    article = page.locator("article.indicator", has=page.get_by_role("heading", name=re.compile(re.escape(indicator))))
    expect(article).to_contain_text("More digital courses")

    article.get_by_role("link", name="+ KPI").click()
    page.get_by_label("Code").fill(kpi)
    page.get_by_label("Name (Norwegian)").fill("Digitale emner")
    page.get_by_label("Name (English)").fill("Digital courses")
    page.get_by_label("Direction").select_option("higher")
    page.get_by_label("Scoring").select_option("progress")
    page.get_by_label("Reported per").select_option("year")
    page.get_by_label("Across units").select_option("sum")
    page.get_by_label("Weight").fill("1")
    page.get_by_label("Decimals shown").fill("0")
    page.get_by_role("button", name="Save").click()
    article = page.locator("article.indicator", has=page.get_by_role("heading", name=re.compile(re.escape(indicator))))
    expect(article.get_by_role("link", name="Digital courses")).to_be_visible()
    article.get_by_role("link", name="Digital courses").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digital courses")


def test_a_leader_enters_a_kpi_value(page: Page, javascript: bool) -> None:
    unit = "DEP-A1" if javascript else "DEP-A2"
    log_in(page, "leader@example.org")
    page.goto("/kpis")
    page.get_by_role("link", name="Projects").first.click()
    cell = page.locator(f"input[name^='value|{unit}|']").last
    name = cell.get_attribute("name") or ""
    period = name.split("|")[2]
    cell.fill("17")
    if javascript:
        cell.press("Tab")  # the change saves the cell at once
        expect(page.locator("#grid-status")).to_contain_text("Saved: 1 new values")
    else:
        page.get_by_label("Note (why a value was corrected, for example)").fill("From the annual report")
        page.get_by_role("button", name="Save values").click()
        expect(page.locator(".flash--success")).to_contain_text("Saved: 1 new values")
    page.reload()
    expect(page.get_by_label(f"Value for {unit}, {period}", exact=True)).to_have_value(re.compile(r"^17([.,]0)?$"))

    # … then reads the dashboard of their faculty and downloads a stored report of their units.
    page.goto("/dashboard?unit=FAC-A&period=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    expect(page.locator("main")).to_contain_text("FAC-A")
    page.goto("/reports")
    link = page.get_by_role("link", name=re.compile(r"^Download DEP-A1")).first
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("DEP-A1-")
    path = download.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def _answer_first_page(page: Page) -> None:
    page.locator("label[for='a-D1-L-3']").click()
    page.locator("label[for='a-D1-Q1-4']").click()


def test_staff_answer_by_personal_link_resume_submit_and_see_their_feedback(
    page: Page, world: World, javascript: bool
) -> None:
    link = world.link()
    page.goto(link)
    page.get_by_role("link", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dimension one")
    _answer_first_page(page)
    if javascript:
        # Each answer saves itself; the status next to it is a live region.
        expect(page.locator("#status-D1-L")).to_have_text("Saved")
        expect(page.locator("#status-D1-Q1")).to_have_text("Saved")
        page.reload()  # half-way: the answers are already on the server
    else:
        page.get_by_role("button", name="Save and continue later").click()
        expect(page.locator(".flash--success")).to_contain_text("Your answers are saved")
        page.goto(link)  # resume by opening the same link again: at the page left
        page.get_by_role("link", name="Continue on page 1 of 3: Dimension one").click()
    expect(page.locator("#a-D1-L-3")).to_be_checked()
    expect(page.locator("#a-D1-Q1-4")).to_be_checked()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dimension two")
    page.locator("label[for='a-D2-L-2']").click()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    page.get_by_label("Academic").check()
    page.get_by_role("textbox", name="Change?").fill("More time to learn the tools.")
    page.get_by_role("button", name="Review and submit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    expect(page.get_by_text("All required questions have an answer.")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_be_visible()
    profile = page.get_by_role("table")
    expect(profile).to_contain_text("Dimension one")
    expect(profile).to_contain_text("Dimension two")
    expect(profile.get_by_role("row")).to_have_count(3)


def test_the_strategy_office_adds_a_question_and_opens_a_round(page: Page, javascript: bool) -> None:
    code = "journey-js" if javascript else "journey-no-js"
    log_in(page, "office@example.org")
    page.goto("/surveys/builder")
    page.get_by_role("row", name=re.compile(code)).get_by_role("link", name="Version 1").click()
    expect(page.locator(".badge--behind").first).to_have_text("draft")

    page.get_by_role("link", name=re.compile(r"^\+ Question in D1 ")).click()
    page.get_by_label("Code").fill("D1-TOOLS")
    page.get_by_label("Kind of question").select_option("likert")
    page.get_by_label("Question (Norwegian)").fill("Jeg bruker digitale verktøy i undervisningen.")
    page.get_by_label("Question (English)").fill("I use digital tools in my teaching.")
    page.get_by_label("An answer is required").check()
    page.get_by_role("button", name="Save").click()
    question = page.locator("li", has_text="D1-TOOLS")
    expect(question).to_contain_text("I use digital tools in my teaching.")

    page.get_by_role("link", name="+ Schedule a round").click()
    page.get_by_label("Name (Norwegian)").fill("Høsten 2025")
    page.get_by_label("Name (English)").fill("Autumn 2025")
    page.get_by_role("group", name="Target units").get_by_label(re.compile(r"^FAC-A ")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Autumn 2025")
    expect(page.locator(".flash--success")).to_contain_text("The round Autumn 2025 is scheduled.")
    expect(page.locator(".badge").first).to_have_text("scheduled")

    page.get_by_role("button", name="Open now").click()
    expect(page.locator(".flash--success")).to_contain_text("The round is open.")
    expect(page.locator(".badge").first).to_have_text("open")
    page.get_by_role("link", name=re.compile(r"The survey in the builder")).click()
    expect(page.locator(".badge--insufficient").first).to_have_text("frozen")
    expect(page.locator("li", has_text="D1-TOOLS")).to_be_visible()
