"""Generated from the route table: every route is classified, asks for a login unless public,
and refuses a state-changing request without a CSRF token, writing nothing.

The login rate limit, security headers and cookie flags are tested in tests/maturity/auth/test_login.py
and tests/maturity/test_web.py (TestSecurityHeaders, test_cookies_are_secure_when_configured).
"""

from litestar import Litestar
from litestar.testing import TestClient

from maturity.auth.models import User
from maturity.db import Database
from tests.factories import PASSWORD, csrf_token, login
from tests.security.conftest import snapshot
from tests.security.routes import PUBLIC, PUBLIC_PREFIXES, SCOPE_IN_BODY, STATE_CHANGING, Route, routes

# A body that would be accepted with a CSRF token, so that a refusal without one is what keeps
# the database unchanged. Routes not listed get a small form that most handlers reject anyway.
BODIES: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/login"): {"email": "office@example.org", "password": PASSWORD},
    ("POST", "/language"): {"locale": "en", "next": "/"},
    ("POST", "/api-tokens"): {"name": "Forged", "units": "FAC-A", "expires": ""},
    ("POST", "/kpis/{code:str}"): {"value|DEP-A1|2024": "12"},
    ("POST", "/definitions/{kind:str}/new"): {"code": "G9", "title_nb": "Forfalsket", "title_en": "Forged"},
    ("POST", "/definitions/{kind:str}/{item_id:int}/edit"): {"code": "G1", "title_nb": "Endret", "title_en": "Changed"},
    ("POST", "/s/{token:str}/answer/{code:str}"): {"q-B-TEXT": "forged"},
    ("POST", "/s/{token:str}/p/{number:int}"): {"q-D1-L": "3", "go": "next"},
}


def _failures(problems: list[str]) -> str:
    return "\n".join(["", *problems])


def test_every_route_says_how_it_is_scoped(app: Litestar) -> None:
    problems = []
    table = routes(app)
    for route in table:
        if route.uses_scope and route.unit_param is None and (route.method, route.path) not in SCOPE_IN_BODY:
            problems.append(
                f"{route} depends on the unit scope but names no unit in its path or query. "
                "If a path or query parameter names a unit, call it `unit` (or unit_code/unit_id) or add "
                'opt={"unit_param": "<name>"} to the handler; if units come in the body or the page lists '
                "the visible units, add the route to SCOPE_IN_BODY in tests/security/routes.py with the "
                "test that shows its scoping."
            )
        marked = route.unit_param
        if marked and marked not in (*route.path_params, *route.query_params):
            problems.append(f"{route}: opt unit_param={marked!r} is not one of its path or query parameters.")
    known = {(r.method, r.path) for r in table}
    problems += [
        f"SCOPE_IN_BODY lists {key}, which is no route any more: remove it." for key in SCOPE_IN_BODY.keys() - known
    ]
    paths = {r.path for r in table}
    problems += [f"PUBLIC lists {p}, which is no route any more: remove it." for p in PUBLIC.keys() - paths]
    problems += [f"PUBLIC_PREFIXES lists {p}, which no route starts with." for p in PUBLIC_PREFIXES if p not in paths]
    assert not problems, _failures(problems)


def _request(client: TestClient[Litestar], route: Route, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    if route.method in STATE_CHANGING:
        return client.request(route.method, url, data=data, follow_redirects=False)
    return client.request(route.method, url, follow_redirects=False)


def test_anonymous_visitors_are_sent_to_the_login_page(
    anonymous: TestClient[Litestar], app: Litestar, db: Database, tokens: list[str], api_tokens: dict[str, str]
) -> None:
    token = csrf_token(anonymous)
    before = snapshot(db)
    problems, checked = [], 0
    for route in routes(app):
        if route.is_public:
            continue
        checked += 1
        url = route.url(token=tokens[0])
        response = _request(anonymous, route, url, {"_csrf_token": token, **BODIES.get((route.method, route.path), {})})
        if route.is_api:
            if response.status_code != 401:
                problems.append(f"{route}: an anonymous caller got {response.status_code}, not 401.")
        elif response.status_code != 303 or not response.headers.get("location", "").startswith("/login?next="):
            problems.append(
                f"{route}: an anonymous visitor got {response.status_code} {response.headers.get('location', '')}, "
                "not 303 to /login. Guard it with requires_login/requires_role, or, if everyone may use it, "
                "add it to PUBLIC in tests/security/routes.py with the reason."
            )
    assert checked > 20
    assert not problems, _failures(problems)
    assert snapshot(db) == before


def test_the_public_routes_are_really_open(anonymous: TestClient[Litestar], app: Litestar, tokens: list[str]) -> None:
    """A route listed as public that asks for a login anyway is a stale entry in PUBLIC."""
    problems = []
    for route in routes(app):
        if route.is_public and route.method == "GET":
            response = anonymous.get(route.url(token=tokens[0]), follow_redirects=False)
            if response.headers.get("location", "").startswith("/login") or response.status_code == 401:
                problems.append(f"{route} is listed as public but asks for a login: remove it from PUBLIC.")
    assert not problems, _failures(problems)


def test_state_changing_requests_without_a_csrf_token_are_refused_and_write_nothing(
    client: TestClient[Litestar],
    app: Litestar,
    db: Database,
    people: dict[str, User],
    tokens: list[str],
    api_tokens: dict[str, str],
) -> None:
    login(client, people["office"].email)  # every guard would let the strategy office through
    before = snapshot(db)
    problems, checked = [], 0
    for route in routes(app):
        if route.method not in STATE_CHANGING or route.is_api:
            continue
        checked += 1
        url = route.url(token=tokens[0], kind="goal")
        body = BODIES.get((route.method, route.path), {"name": "forged"})
        for headers in ({}, {"hx-request": "true"}):
            response = client.request(route.method, url, data=body, headers=headers, follow_redirects=False)
            if response.status_code != 403:
                problems.append(f"{route}: without a CSRF token it answered {response.status_code}, not 403.")
        if snapshot(db) != before:
            problems.append(f"{route}: a request without a CSRF token changed the database.")
            before = snapshot(db)
    assert checked > 10
    assert not problems, _failures(problems)


def test_routes_for_the_strategy_office_refuse_a_leader_and_write_nothing(
    client: TestClient[Litestar], app: Litestar, db: Database, people: dict[str, User], tokens: list[str]
) -> None:
    """The survey builder, round administration, report batches and the like name no unit scope
    because only the strategy office, who see everything, reach them."""
    login(client, people["leader"].email)
    token = csrf_token(client)
    before = snapshot(db)
    problems, checked = [], 0
    for route in routes(app):
        if not route.office_only:
            continue
        checked += 1
        url = route.url(token=tokens[0], kind="goal")
        response = _request(client, route, url, {"_csrf_token": token, **BODIES.get((route.method, route.path), {})})
        if response.status_code != 403:
            problems.append(f"{route}: a leader got {response.status_code}, not 403.")
    assert checked > 20
    assert not problems, _failures(problems)
    assert snapshot(db) == before
