"""Whatever body arrives at the API, the answer is a JSON problem (400, 413) that says what is
wrong and where, and nothing is written; never a server error."""

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from indicators.models import Strategy
from maturity.db import Database
from tests.security.conftest import snapshot

RECORD = b'{"kpi": "KSUM", "unit": "DEP-A1", "period": "2024", "value": 1'


def records(*extra: bytes) -> bytes:
    return b'{"records": [' + RECORD + b"".join(extra) + b"}]}"


@pytest.mark.parametrize(
    ("body", "status", "says", "path"),
    [
        (records(b', "note": "\xff\xfe"'), 400, "not UTF-8", None),
        (records(b', "note": "' + "æøå".encode("latin-1") + b'"'), 400, "not UTF-8", None),
        ('{"records": []}'.encode("utf-16"), 400, "malformed", None),
        (b'{"records": [}', 400, "malformed", None),
        (b"[" * 100_000 + b"]" * 100_000, 400, "nested too deeply", None),
        (b'{"records": ' * 5000 + b"[]" + b"}" * 5000, 400, "", None),
        (b'{"records": 3}', 400, "Expected `array`", "records"),
        (b"[]", 400, "Expected `object`", None),
        (b"", 400, "no body", "data"),
        (records(b', "valeu": 3'), 400, "unknown field", None),
        (records(b', "note": "a\\u0000b"'), 400, "control character", "records[0].note"),
        (records(b', "source": "' + b"x" * 301 + b'"'), 400, "length", "records[0].source"),
        (b'{"records": [{"kpi": "K\\u0000", "unit": "DEP-A1", "period": "2024", "value": 1}]}', 400, "A code", None),
        (
            b'{"records": [{"kpi": "KSUM", "unit": "DEP-A1", "period": "2024-13", "value": 1}]}',
            400,
            "Not a period",
            None,
        ),
        (records(b', "value": 1e309'), 400, "", None),
        (records(b', "numerator": NaN'), 400, "malformed", None),
        (b"x" * 11_000_000, 413, "", None),
    ],
)
def test_a_bad_body_is_a_json_problem_and_writes_nothing(
    client: TestClient[Litestar],
    db: Database,
    strategy: Strategy,
    api_tokens: dict[str, str],
    body: bytes,
    status: int,
    says: str,
    path: str | None,
) -> None:
    headers = {"Authorization": f"Bearer {api_tokens['FAC-A']}", "content-type": "application/json"}
    before = snapshot(db)
    response = client.post("/api/kpi-records", content=body, headers=headers)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert answer["status_code"] == status
    assert says.lower() in answer["detail"].lower()
    if path is not None:
        assert answer["problems"][0]["path"] == path
    assert snapshot(db) == before


def test_an_unknown_query_parameter_is_refused_naming_it(
    client: TestClient[Litestar], strategy: Strategy, api_tokens: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {api_tokens['FAC-A']}"}
    answer = client.get("/api/kpi-records", params={"untit": "FAC-A"}, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["path"] == "untit"
