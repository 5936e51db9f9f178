"""Every upload form states its size limit; a larger file is refused with that limit in the page's
language (JSON under /api), also when the server's own request-size limit stops it first, and
nothing is written."""

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from indicators.models import Strategy
from maturity.auth.models import User
from maturity.db import Database
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot
from tests.security.forms import discover

MB = 1024 * 1024


def test_every_upload_form_states_its_limit(
    client: TestClient[Litestar], app: Litestar, people: dict[str, User], tokens: list[str]
) -> None:
    login(client, people["office"].email)
    uploads = [f for f in discover(client, app, tokens[0]) if f.has_file]
    assert {f.action for f in uploads} >= {"/kpis/import", "/strategy/import"}
    for form in uploads:
        page = client.get(form.page).text
        assert re.search(r"Høyst \d+ MB\.", page), f"{form.page}: the upload form does not state its limit"


@pytest.mark.parametrize("size", [6 * MB, 11 * MB])  # the file's own check, and the server's request limit
def test_a_larger_file_is_refused_with_the_limit(
    client: TestClient[Litestar], db: Database, strategy: Strategy, people: dict[str, User], size: int
) -> None:
    login(client, people["leader"].email)
    token = csrf_token(client, "/kpis/import")
    before = snapshot(db)
    content = b"kpi;unit;period;value\n" + b"KSUM;DEP-A1;2024;1\n" * (size // 19)
    response = client.post(
        "/kpis/import", files={"file": ("big.csv", content, "text/csv")}, data={"_csrf_token": token}
    )
    assert response.status_code in (413, 422)
    assert "Filen er større enn grensen på 5 MB." in response.text
    assert snapshot(db) == before


def test_the_api_says_its_limit_in_json(
    client: TestClient[Litestar], db: Database, strategy: Strategy, api_tokens: dict[str, str]
) -> None:
    before = snapshot(db)
    response = client.post(
        "/api/kpi-records",
        content=b" " * (11 * MB),
        headers={"Authorization": f"Bearer {api_tokens['FAC-A']}", "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["detail"] == "The body is larger than the limit of 10 MB."
    assert snapshot(db) == before
