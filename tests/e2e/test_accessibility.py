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
# "{link}" is replaced by a fresh personal survey link.
PAGES: dict[str, list[tuple[str, str]]] = {
    "/": [("", "/"), ("staff@example.org", "/")],
    "/login": [("", "/login")],
    "/units": [("office@example.org", "/units")],
    "/units/{code:str}": [("leader@example.org", "/units/FAC-A"), ("leader@example.org", "/units/NO-SUCH-UNIT")],
    "/users": [("office@example.org", "/users")],
    "/api-tokens": [("office@example.org", "/api-tokens")],
    "/api-tokens/{token_id:int}/revoke": [("office@example.org", "/api-tokens/1/revoke")],
    "/strategy": [("office@example.org", "/strategy")],
    "/strategy/{code:str}": [("office@example.org", "/strategy/test-strategy")],
    "/strategy/import": [("office@example.org", "/strategy/import")],
    "/definitions/{kind:str}/new": [("office@example.org", "/definitions/kpi/new?parent=1")],
    "/definitions/{kind:str}/{item_id:int}/edit": [("office@example.org", "/definitions/kpi/1/edit")],
    "/definitions/{kind:str}/{item_id:int}/delete": [("office@example.org", "/definitions/goal/1/delete")],
    "/kpis": [("leader@example.org", "/kpis")],
    "/kpis/import": [("leader@example.org", "/kpis/import")],
    "/kpis/{code:str}": [("leader@example.org", "/kpis/KSUM"), ("leader@example.org", "/kpis/KRATIO")],
    "/audit": [("office@example.org", "/audit")],
    "/dashboard": [("leader@example.org", "/dashboard?unit=FAC-A&period=2025"), ("office@example.org", "/dashboard")],
    "/overview": [("office@example.org", "/overview?period=2025")],
    "/surveys": [("office@example.org", "/surveys")],
    "/surveys/rounds/{round_id:int}": [("office@example.org", "/surveys/rounds/1")],
    "/my-surveys": [("staff@example.org", "/my-surveys")],
    "/s/{token:str}": [("", "{link}"), ("", "/s/no-such-link")],
    "/s/{token:str}/p/{number:int}": [("", "{link}/p/1"), ("", "{link}/p/3")],
    "/s/{token:str}/review": [("", "{link}/review")],
}
NOT_PAGES: dict[str, str] = {
    "/healthz": "JSON for the load balancer",
    "/static/{file_path:path}": "files",
    "/my-unit": "a redirect to /units/{code}",
    "/my-surveys/{round_id:int}/continue": "a redirect to the personal link",
    "/strategy/{code:str}/export": "a YAML download",
    "/kpis/export.csv": "a CSV download",
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

    def audit(self, who: str, address: str) -> dict[str, Any]:
        page = self.page_for(who)
        if "{link}" in address:
            address = address.replace("{link}", self.world.link().removeprefix(self.world.base_url))
        page.goto(address)
        page.add_script_tag(path=str(AXE))
        return dict(page.evaluate(RUN_AXE))

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
            result = auditor.audit(who, address)
            violations = result["violations"]
            report.append(
                f"  {address:<32} {who or 'anonymous':<20} {_counts(violations)} ({len(result['passes'])} rules passed)"
            )
            for v in violations:
                report.append(f"      {v['impact']:<9} {v['id']}: {v['help']} at {v['nodes'][0]['target']}")
                if v["impact"] in BLOCKING:
                    where = [n["target"] for n in v["nodes"]]
                    blocking.append(f"{template} {address}: {v['id']} ({v['impact']}) at {where}")
    print("\n".join(report))
    assert not blocking, "\n" + "\n".join(blocking)
