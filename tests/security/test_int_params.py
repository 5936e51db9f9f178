"""Generated from the route table: a number beyond the databases' 64-bit integers, in any ``int``
path or query parameter, names nothing — 404 like an unknown id, never a server error — and
writes nothing. (SQLite cannot even bind such a number: it raised OverflowError, a 500.)"""

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from maturity.audit.services import AuditFilter, list_events
from maturity.auth.models import User
from maturity.db import Database
from maturity.int_params import _int_query_names
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot
from tests.security.routes import STATE_CHANGING, Route, _kind, routes

HUGE = (str(2**64), str(-(2**63) - 1), "9" * 40)


def _int_path_params(route: Route) -> list[str]:
    return [name for name in route.path_params if _kind(route.path, name) == "int"]


def _call(client: TestClient[Litestar], route: Route, url: str, params: dict[str, str], token: str):  # type: ignore[no-untyped-def]
    data = {"_csrf_token": token} if route.method in STATE_CHANGING else None
    return client.request(route.method, url, params=params, data=data, follow_redirects=False)


def test_a_number_beyond_64_bits_in_the_address_is_404_and_writes_nothing(
    client: TestClient[Litestar], app: Litestar, db: Database, people: dict[str, User], tokens: list[str]
) -> None:
    login(client, people["office"].email)  # every guard lets the strategy office through
    token = csrf_token(client)
    before = snapshot(db)
    problems, checked = [], 0
    for route in routes(app):
        if route.is_api:
            continue
        in_path = _int_path_params(route)
        in_query = _int_query_names(route.handler, set(route.path_params))
        for huge in HUGE:
            requests: list[tuple[str, dict[str, str]]] = [
                (route.url(token=tokens[0], **{name: huge}), {}) for name in in_path
            ]
            requests += [(route.url(token=tokens[0]), {name: huge}) for name in in_query]
            for url, params in requests:
                checked += 1
                response = _call(client, route, url, params, token)
                if response.status_code != 404:
                    problems.append(f"{route} {url} {params}: {response.status_code}, not 404.")
    assert checked > 50
    assert not problems, "\n" + "\n".join(problems)
    assert snapshot(db) == before


def test_the_api_offset_has_a_bound_and_says_so(
    client: TestClient[Litestar], strategy: object, api_tokens: dict[str, str]
) -> None:
    bearer = {"authorization": f"Bearer {api_tokens['FAC-A']}"}
    largest = client.get("/api/kpi-records", params={"offset": str(2**53 - 1)}, headers=bearer)
    assert largest.status_code == 200
    assert largest.json()["items"] == []
    beyond = client.get("/api/kpi-records", params={"offset": str(2**53)}, headers=bearer)
    assert beyond.status_code == 400
    assert "offset" in beyond.json()["extra"][0]["key"]


def test_an_audit_page_far_beyond_the_last_is_empty(session: Session, people: dict[str, User]) -> None:
    """A page number that fits 64 bits still multiplies into an offset that does not."""
    page = list_events(session, AuditFilter(), page=2**62)
    assert (page.events, page.page) == ([], 2**62)
    assert list_events(session, AuditFilter(), page=1).page == 1
