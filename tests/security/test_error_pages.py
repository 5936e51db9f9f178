"""An error page renders from what the request already knows: a database that refuses a write in
the middle of a form post (and so rolls the session back, expiring the logged-in user) still
gets the person a page in their language with their menu, never a bare server error.

The database's refusal is real: a trigger that raises with the SQLSTATE a real failure has."""

from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from indicators.models import Strategy
from maturity.auth.models import User
from maturity.db import Database
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot

FORM = {"code": "G1", "title_nb": "Nytt navn", "title_en": "New name", "weight": "1"}


@pytest.fixture
def failing_goal_update(db: Database) -> Iterator[Callable[[str], None]]:
    """Makes every update of a goal fail in the database with a given SQLSTATE (PostgreSQL only)."""
    if db.dialect != "postgresql":
        pytest.skip("SQLSTATEs raised by a trigger: PostgreSQL only")

    def fail_with(sqlstate: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE OR REPLACE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN "
                    f"RAISE EXCEPTION 'refused by the test' USING ERRCODE = '{sqlstate}'; END $$ LANGUAGE plpgsql"
                )
            )
            connection.execute(text("DROP TRIGGER IF EXISTS test_refuse ON goal"))
            connection.execute(
                text("CREATE TRIGGER test_refuse BEFORE UPDATE ON goal FOR EACH ROW EXECUTE FUNCTION test_refuse()")
            )

    yield fail_with
    with db.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER IF EXISTS test_refuse ON goal"))
        connection.execute(text("DROP FUNCTION IF EXISTS test_refuse()"))


@pytest.mark.parametrize(
    ("sqlstate", "status", "heading"),
    [
        ("22021", 400, "Forespørselen kunne ikke forstås"),  # character not in repertoire: a DataError
        ("57P01", 503, "Midlertidig utilgjengelig"),  # the server shutting down: an OperationalError
    ],
)
def test_a_database_error_inside_a_form_post_gets_the_error_page(
    client: TestClient[Litestar],
    db: Database,
    strategy: Strategy,
    people: dict[str, User],
    failing_goal_update: Callable[[str], None],
    sqlstate: str,
    status: int,
    heading: str,
) -> None:
    login(client, people["office"].email)
    token = csrf_token(client, "/definitions/goal/1/edit")
    failing_goal_update(sqlstate)
    before = snapshot(db)
    response = client.post("/definitions/goal/1/edit", data={**FORM, "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == status
    assert heading in response.text
    assert people["office"].name in response.text  # the page knows who is logged in
    assert 'href="/admin"' in response.text  # and shows the strategy office's own menu
    assert snapshot(db) == before
