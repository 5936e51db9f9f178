"""axe-core on every page type the app has: no serious or critical violations.

The page types come from the route table: every GET route that renders HTML must be listed in
PAGES (who opens it, at which address) or in NOT_PAGES (why it is not a page), so a new page is
audited from the day it lands. Results are printed per page (``make e2e`` shows them).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import World, log_in
from tests.security.routes import routes

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}

# route template → [(who, address)]; who is an e-mail address or "" for an anonymous visitor;
# "{link}" is replaced by a fresh personal survey link, "{draft}", "{section}", "{question}",
# "{report}", "{batch}" and "{closed_round}" by the ids of what the seed made (World.ids);
# "{closed_link}" by a submitted link of the closed round.
PAGES: dict[str, list[tuple[str, str]]] = {
    "/": [("", "/"), ("staff@example.org", "/"), ("leader@example.org", "/"), ("office@example.org", "/")],
    "/accessibility": [("", "/accessibility")],
    "/results": [("staff@example.org", "/results")],
    "/results/{round_id:int}": [
        ("staff@example.org", "/results/{closed_round}"),
        ("leader@example.org", "/results/{closed_round}"),
    ],
    "/login": [("", "/login")],
    "/units": [("office@example.org", "/units")],
    "/units/{code:str}": [("leader@example.org", "/units/FAC-A"), ("leader@example.org", "/units/NO-SUCH-UNIT")],
    "/users": [("office@example.org", "/users"), ("office@example.org", "/users?q=nobody-at-all")],
    "/users/new": [("office@example.org", "/users/new")],
    "/users/{user_id:int}": [("office@example.org", "/users/3"), ("office@example.org", "/users/1")],
    "/users/import": [("office@example.org", "/users/import")],
    "/login/oidc/callback": [("", "/login/oidc/callback?state=unknown&code=x")],
    "/api-tokens": [("office@example.org", "/api-tokens")],
    "/api-tokens/{token_id:int}/revoke": [("office@example.org", "/api-tokens/1/revoke")],
    "/strategy": [("office@example.org", "/strategy")],
    "/strategy/{code:str}": [("office@example.org", "/strategy/test-strategy")],
    "/strategy/import": [("office@example.org", "/strategy/import")],
    "/strategy/{code:str}/targets/import": [("office@example.org", "/strategy/test-strategy/targets/import")],
    "/definitions/{kind:str}/new": [
        ("office@example.org", "/definitions/kpi/new?parent=1"),
        ("office@example.org", "/definitions/milestone/new?parent=1"),
    ],
    "/definitions/{kind:str}/{item_id:int}/edit": [("office@example.org", "/definitions/kpi/1/edit")],
    "/definitions/{kind:str}/{item_id:int}/delete": [("office@example.org", "/definitions/goal/1/delete")],
    "/kpis": [("leader@example.org", "/kpis")],
    "/kpis/import": [("leader@example.org", "/kpis/import")],
    "/kpis/{code:str}": [("leader@example.org", "/kpis/KSUM"), ("leader@example.org", "/kpis/KRATIO")],
    "/audit": [("office@example.org", "/audit")],
    "/admin": [("office@example.org", "/admin")],
    "/glossary": [("", "/glossary"), ("leader@example.org", "/glossary")],
    "/actions": [("leader@example.org", "/actions"), ("staff@example.org", "/actions")],
    "/updates": [("leader@example.org", "/updates"), ("staff@example.org", "/updates")],
    "/updates/units": [("office@example.org", "/updates/units")],
    "/kpis/{code:str}/owners": [("office@example.org", "/kpis/KSUM/owners")],
    "/actions/new": [("office@example.org", "/actions/new?goal=1")],
    "/actions/{action_id:int}": [("leader@example.org", "/actions/1")],
    "/actions/{action_id:int}/edit": [("office@example.org", "/actions/1/edit")],
    "/dashboard": [
        ("leader@example.org", "/dashboard?unit=FAC-A&period=2025"),
        ("leader@example.org", "/dashboard?unit=FAC-A&period=2021-S1"),  # a period without data
        ("leader@example.org", "/dashboard?unit=FAC-A&period=2019"),  # outside the strategy: 404 with the periods
        ("office@example.org", "/dashboard"),
    ],
    "/overview": [("office@example.org", "/overview?period=2025"), ("office@example.org", "/overview?period=2031")],
    "/surveys": [("office@example.org", "/surveys")],
    "/surveys/rounds/{round_id:int}": [("office@example.org", "/surveys/rounds/1")],
    "/my-surveys": [("staff@example.org", "/my-surveys")],
    "/s/{token:str}": [
        ("", "{link}"),
        ("", "/s/no-such-link"),
        ("", "{closed_link}"),
    ],  # the last: feedback after closing
    "/s/{token:str}/p/{number:int}": [("", "{link}/p/1"), ("", "{link}/p/3")],
    "/s/{token:str}/review": [("", "{link}/review")],
    "/surveys/builder": [("office@example.org", "/surveys/builder")],
    "/surveys/builder/new": [("office@example.org", "/surveys/builder/new")],
    "/surveys/builder/{survey_id:int}": [
        ("office@example.org", "/surveys/builder/{draft}"),
        ("office@example.org", "/surveys/builder/1"),  # frozen: its round is open
    ],
    "/surveys/builder/{survey_id:int}/edit": [("office@example.org", "/surveys/builder/{draft}/edit")],
    "/surveys/builder/{survey_id:int}/questions/new": [
        ("office@example.org", "/surveys/builder/{draft}/questions/new?section={section}")
    ],
    "/surveys/builder/{survey_id:int}/questions/{question_id:int}/edit": [
        ("office@example.org", "/surveys/builder/{draft}/questions/{question}/edit")
    ],
    "/surveys/builder/{survey_id:int}/questions/{question_id:int}/delete": [
        ("office@example.org", "/surveys/builder/{draft}/questions/{question}/delete")
    ],
    "/surveys/builder/{survey_id:int}/preview": [
        ("office@example.org", "/surveys/builder/{draft}/preview?lang=en"),
        ("office@example.org", "/surveys/builder/{draft}/preview?lang=nb&done=1"),
    ],
    "/surveys/builder/{survey_id:int}/preview/{number:int}": [
        ("office@example.org", "/surveys/builder/{draft}/preview/1?lang=en"),
        ("office@example.org", "/surveys/builder/{draft}/preview/3?lang=nb"),
    ],
    "/surveys/builder/{survey_id:int}/rounds/new": [("office@example.org", "/surveys/builder/{draft}/rounds/new")],
    "/reports": [("leader@example.org", "/reports"), ("office@example.org", "/reports?period=2024")],
    "/reports/view": [
        ("leader@example.org", "/reports/view?unit=DEP-A1&period=2024"),
        ("leader@example.org", "/reports/view?unit=DEP-A1&period=last+year"),  # refused: the archive with a problem
        ("leader@example.org", "/reports/view?unit=DEP-A1&period=2031"),  # outside the strategy: the periods
    ],
    "/reports/narrative": [("leader@example.org", "/reports/narrative?unit=DEP-A1&period=2024")],
    "/reports/{report_id:int}/verify": [
        ("leader@example.org", "/reports/{report}/verify"),
        ("office@example.org", "/reports/{report}/verify"),  # with the technical details
    ],
    "/reports/batches": [("office@example.org", "/reports/batches")],
    "/reports/batches/{batch_id:int}": [("office@example.org", "/reports/batches/{batch}")],
}
NOT_PAGES: dict[str, str] = {
    "/healthz": "JSON for the load balancer",
    "/static/{file_path:path}": "files",
    "/my-unit": "a redirect to /units/{code}",
    "/actions/mine": "a redirect to My updates (/updates)",
    "/my-surveys/{round_id:int}/continue": "a redirect to the personal link",
    "/strategy/{code:str}/export": "a YAML download",
    "/strategy/{code:str}/targets/export.csv": "a CSV download",
    "/kpis/export.csv": "a CSV download",
    "/surveys/builder/{survey_id:int}/export": "a YAML download",
    "/reports/{report_id:int}/pdf": "a PDF download (its tags and language: tests/reports/test_rendering.py)",
    "/reports/pdf": "the current PDF, from the archive or built (tests/reports/test_on_demand.py)",
    "/api/kpi-records": "JSON",
    "/api/scores": "JSON",
    "/api/schema": "JSON",
    "/api/schema/openapi.json": "JSON",
    "/api/schema/{path:str}": "JSON",
}


def test_every_page_type_is_audited(app: Litestar) -> None:
    gets = {r.path for r in routes(app) if r.method == "GET"}
    missing = sorted(gets - PAGES.keys() - NOT_PAGES.keys())
    assert not missing, (
        f"Pages not audited for accessibility: {missing}. Add each to PAGES in {__file__} "
        "(who opens it, at which address), or to NOT_PAGES if it renders no HTML."
    )
    stale = sorted((PAGES.keys() | NOT_PAGES.keys()) - gets)
    assert not stale, f"Listed in {__file__} but no route any more: {stale}"


RUN_AXE = "async () => await axe.run(document, {resultTypes: ['violations']})"


class Auditor:
    """One browser context per reader (logged in once); axe injected into each page."""

    def __init__(self, browser: Browser, world: World) -> None:
        self.browser, self.world = browser, world
        self.pages: dict[str, Page] = {}

    def page_for(self, who: str) -> Page:
        if who not in self.pages:
            # bypass_csp: the app's CSP forbids injected scripts, axe's included.
            context = self.browser.new_context(base_url=self.world.base_url, locale="en-GB", bypass_csp=True)
            self.pages[who] = context.new_page()
            if who:
                log_in(self.pages[who], who)
        return self.pages[who]

    def audit(self, who: str, address: str) -> tuple[str, int, dict[str, Any]]:
        """The address opened (placeholders filled in), its HTTP status and axe's result there."""
        page = self.page_for(who)
        if "{closed_link}" in address:
            address = address.replace("{closed_link}", "/s/" + self.world.closed_links[0])
        if "{link}" in address:
            address = address.replace("{link}", self.world.link().removeprefix(self.world.base_url))
        for name, value in self.world.ids.items():
            address = address.replace("{" + name + "}", str(value))
        response = page.goto(address)
        assert response is not None, address
        page.add_script_tag(path=str(AXE))
        return address, response.status, dict(page.evaluate(RUN_AXE))

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def _counts(violations: list[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for v in violations:
        counts[v["impact"]] = counts.get(v["impact"], 0) + len(v["nodes"])
    return ", ".join(f"{n} {impact}" for impact, n in sorted(counts.items())) or "no violations"


@pytest.fixture
def auditor(browser: Browser, world: World) -> Iterator[Auditor]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make e2e` (npm ci in tests/e2e).")
    auditor = Auditor(browser, world)
    yield auditor
    auditor.close()


def test_axe_reports_a_violation_where_there_is_one(auditor: Auditor) -> None:
    """The harness itself: a page with an unlabelled field and an image without text fails."""
    page = auditor.page_for("")
    page.set_content('<html lang="en"><title>t</title><main><img src="x.png"><input></main></html>')
    page.add_script_tag(path=str(AXE))
    found = {v["id"]: v["impact"] for v in page.evaluate(RUN_AXE)["violations"]}
    assert found.get("image-alt") == "critical"
    assert found.get("label") == "critical"


def test_no_page_has_serious_or_critical_violations(auditor: Auditor) -> None:
    blocking, report = [], ["", "axe-core results per page (violations by impact, rules passed):"]
    for template, visits in PAGES.items():
        for who, address in visits:
            opened, status, result = auditor.audit(who, address)
            if status >= 500:
                blocking.append(f"{template} {opened}: the server answered {status}")
            violations = result["violations"]
            report.append(
                f"  {opened:<44} {who or 'anonymous':<19} {status} "
                f"{_counts(violations)} ({len(result['passes'])} rules passed)"
            )
            for v in violations:
                report.append(f"      {v['impact']:<9} {v['id']}: {v['help']} at {v['nodes'][0]['target']}")
                if v["impact"] in BLOCKING:
                    where = [n["target"] for n in v["nodes"]]
                    blocking.append(f"{template} {opened}: {v['id']} ({v['impact']}) at {where}")
    print("\n".join(report))
    assert not blocking, "\n" + "\n".join(blocking)


# Pages of reports read on a phone (WCAG 1.4.10 reflow: 320 CSS px without sideways scrolling of
# the page); a wide table scrolls inside its own region, which the keyboard reaches.
NARROW_PAGES = [
    ("leader@example.org", "/reports/view?unit=DEP-A1&period=2024&lang=nb"),
    ("leader@example.org", "/reports/view?unit=DEP-A1&period=2024&lang=en"),
    ("leader@example.org", "/reports"),
    ("leader@example.org", "/reports/{report}/verify"),
    ("office@example.org", "/reports/{report}/verify"),
]


@pytest.mark.parametrize("width", [390, 320])
def test_report_pages_reflow_on_a_phone(browser: Browser, world: World, width: int) -> None:
    for who in dict.fromkeys(w for w, _ in NARROW_PAGES):
        context = browser.new_context(base_url=world.base_url, viewport={"width": width, "height": 800})
        page = context.new_page()
        log_in(page, who)
        for reader, address in NARROW_PAGES:
            if reader != who:
                continue
            page.goto(address.replace("{report}", str(world.ids["report"])))
            page_width = page.evaluate("document.documentElement.scrollWidth")
            assert page_width <= width, f"{address} at {width} px is {page_width} px wide"
            for region in page.locator(".table-scroll").all():
                assert region.get_attribute("tabindex") == "0"
                assert region.get_attribute("aria-labelledby")
        context.close()
