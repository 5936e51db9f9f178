"""Report routes that name no unit in their address (SCOPE_IN_BODY in routes.py): a report of a
unit outside the reader's scope, fetched by id, reads exactly like a missing id; a narrative
posted for a unit outside the scope reads exactly like one for an unknown unit and writes nothing;
the archive lists the visible units' reports only."""

from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from maturity.auth.models import User
from maturity.db import Database
from maturity.units.models import OrgUnit
from reports.services import build_report
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot


@pytest.fixture
def elsewhere(session: Session, records: None, storage: Path) -> int:
    """A stored report of DEP-B1, outside the scope of the leader of FAC-A."""
    unit = session.execute(select(OrgUnit).where(col(OrgUnit.code) == "DEP-B1")).scalars().one()
    outcome = build_report(session, storage, unit, "2024", "nb", generated_by="test")
    session.commit()
    assert outcome.report_id is not None
    return outcome.report_id


def _same_page(one: str, other: str, *paths: str) -> bool:
    """Equal but for the page's own address (echoed in the language form)."""
    for path in paths:
        one, other = one.replace(path, "/PATH"), other.replace(path, "/PATH")
    return one == other


@pytest.mark.parametrize("suffix", ["pdf", "verify"])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_report_outside_the_scope_reads_like_a_missing_id(
    client: TestClient[Litestar], people: dict[str, User], elsewhere: int, suffix: str, htmx: bool
) -> None:
    login(client, people["leader"].email)
    client.get("/")  # the welcome message, so that it is not on one of the pages below only
    headers = {"hx-request": "true"} if htmx else {}
    outside = client.get(f"/reports/{elsewhere}/{suffix}", headers=headers)
    missing = client.get(f"/reports/{elsewhere + 1000}/{suffix}", headers=headers)
    assert (outside.status_code, missing.status_code) == (404, 404)
    assert outside.headers["content-type"] == missing.headers["content-type"]
    assert _same_page(outside.text, missing.text, f"/reports/{elsewhere}/", f"/reports/{elsewhere + 1000}/")
    login(client, people["office"].email)
    assert client.get(f"/reports/{elsewhere}/{suffix}").status_code == 200  # the report is there


def test_the_archive_lists_only_reports_in_scope(
    client: TestClient[Litestar], people: dict[str, User], elsewhere: int
) -> None:
    login(client, people["leader"].email)
    page = client.get("/reports/", params={"period": "2024"}, headers={"accept-language": "en"})
    assert page.status_code == 200
    assert f"/reports/{elsewhere}/" not in page.text
    assert "Department B1" not in page.text
    login(client, people["office"].email)
    assert f"/reports/{elsewhere}/" in client.get("/reports/", params={"period": "2024"}).text


@pytest.mark.parametrize("htmx", [False, True])
def test_a_narrative_for_a_unit_outside_the_scope_reads_like_an_unknown_unit_and_writes_nothing(
    client: TestClient[Litestar],
    db: Database,
    people: dict[str, User],
    records: None,
    htmx: bool,
) -> None:
    login(client, people["leader"].email)
    token = csrf_token(client, "/reports/narrative?unit=DEP-A1&period=2024")
    headers = {"hx-request": "true"} if htmx else {}
    before = snapshot(db)
    answers = [
        client.post(
            "/reports/narrative",
            data={"unit": unit, "period": "2024", "text": "Forged", "_csrf_token": token},
            headers=headers,
            follow_redirects=False,
        )
        for unit in ("DEP-B1", "NO-SUCH-UNIT")
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].text == answers[1].text
    assert snapshot(db) == before
