"""Generated from the route table: a unit outside the reader's scope is answered exactly like a
unit that does not exist (404, the same bytes), and nothing is written."""

import difflib
import re

from litestar import Litestar
from litestar.testing import TestClient

from maturity.auth.models import User
from maturity.db import Database
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot
from tests.security.routes import STATE_CHANGING, Route, routes

INSIDE = "DEP-A1"  # below FAC-A, led by people["leader"]; outside the scope of others["other_leader"]
MISSING = "NO-SUCH-UNIT"


def _call(client: TestClient[Litestar], route: Route, unit: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    name = route.unit_param
    assert name is not None
    if name in route.path_params:
        url, params = route.url(**{name: unit}), route.query()
    else:
        url, params = route.url(), {**route.query(), name: unit}
    data = {"_csrf_token": csrf_token(client, "/")} if route.method in STATE_CHANGING and not route.is_api else None
    return client.request(route.method, url, params=params, data=data, headers=headers, follow_redirects=False)


def _without_codes(body: bytes) -> bytes:
    """The answer without what differs on every page anyway: the page's own address (echoed in the
    language form's ``next``) and the CSRF token, masked afresh for each response."""
    body = re.sub(rb"[0-9a-f]{64,}", b"CSRF", body)
    return re.sub(re.escape(INSIDE.encode()) + b"|" + re.escape(MISSING.encode()), b"UNIT", body)


def test_a_unit_outside_the_scope_reads_like_an_unknown_unit(
    client: TestClient[Litestar],
    app: Litestar,
    db: Database,
    others: dict[str, User],
    api_tokens: dict[str, str],
) -> None:
    scoped = [r for r in routes(app) if r.unit_param]
    assert len(scoped) >= 2  # /units/{code} and /api/kpi-records?unit=
    login(client, others["other_leader"].email)
    client.get("/")  # shows the welcome message, which would otherwise land on the first page below
    before = snapshot(db)
    problems = []
    for route in scoped:
        headers = {"authorization": f"Bearer {api_tokens['FAC-B']}"} if route.is_api else {}
        outside, missing = _call(client, route, INSIDE, headers), _call(client, route, MISSING, headers)
        if (outside.status_code, missing.status_code) != (404, 404):
            problems.append(
                f"{route}: outside the scope {outside.status_code}, unknown unit {missing.status_code}; both must be 404."
            )
        elif outside.headers.get("content-type") != missing.headers.get("content-type") or _without_codes(
            outside.content
        ) != _without_codes(missing.content):
            problems.append(
                f"{route}: the answer for a unit outside the scope differs from the one for an unknown unit:\n"
                + "\n".join(
                    difflib.unified_diff(
                        _without_codes(outside.content).decode().splitlines(),
                        _without_codes(missing.content).decode().splitlines(),
                        lineterm="",
                    )
                )
            )
    assert not problems, "\n" + "\n".join(problems)
    assert snapshot(db) == before


def test_the_same_routes_answer_inside_the_scope(
    client: TestClient[Litestar], app: Litestar, others: dict[str, User], api_tokens: dict[str, str]
) -> None:
    """So that the 404s above come from the scope, not from a request the route cannot serve."""
    login(client, others["leader"].email)
    problems = []
    for route in routes(app):
        if route.unit_param and route.method == "GET":
            headers = {"authorization": f"Bearer {api_tokens['FAC-A']}"} if route.is_api else {}
            response = _call(client, route, INSIDE, headers)
            if response.status_code != 200:
                problems.append(f"{route}: a leader of the unit got {response.status_code}.")
    assert not problems, "\n" + "\n".join(problems)


def test_kpi_values_for_a_unit_outside_the_scope_read_like_an_unknown_unit(
    client: TestClient[Litestar], db: Database, others: dict[str, User], strategy: object
) -> None:
    """POST /kpis/{code} names its units in the field names (value|UNIT|PERIOD)."""
    login(client, others["other_leader"].email)
    token = csrf_token(client, "/kpis/KSUM")
    before = snapshot(db)
    answers = [
        client.post("/kpis/KSUM", data={f"value|{unit}|2024": "12", "_csrf_token": token}, follow_redirects=False)
        for unit in (INSIDE, MISSING)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].text == answers[1].text
    assert snapshot(db) == before
