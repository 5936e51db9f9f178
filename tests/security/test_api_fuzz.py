"""Schemathesis against the API's own OpenAPI description, in process, with a valid bearer token:
whatever the schema admits (and what it does not), the API answers without a server error and
as documented."""

import itertools

import schemathesis
from hypothesis import HealthCheck, given, settings
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from indicators.models import Strategy
from maturity.auth.models import User
from maturity.db import Database
from tests.factories import csrf_token, login

EXAMPLES = 40  # per operation and mode (valid and invalid input): about 15 s in all


def test_the_api_answers_generated_requests_without_a_server_error(
    app: Litestar, strategy: Strategy, api_tokens: dict[str, str]
) -> None:
    # Not schemathesis.pytest.from_fixture: its lazy loader does not work with pytest 9 (it sets
    # Function._nodeid), so the operations' strategies are run with Hypothesis directly.
    # Every check, conformance included. A request the description admits is never refused as
    # malformed (400): only for what it means — an unknown KPI or unit (404, 422), a period not in
    # the KPI's frequency or the strategy (422) — answers the description lists too.
    config = SchemathesisConfig.from_dict(
        {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "404", "422"]}}}
    )
    schema = schemathesis.openapi.from_asgi("/api/schema/openapi.json", app, config=config)
    headers = {"Authorization": f"Bearer {api_tokens['FAC-A']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.method.upper() + " " + op.path for op in operations} >= {"GET /api/kpi-records", "POST /api/kpi-records"}
    for operation, mode in itertools.product(operations, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers)

        call()


def test_a_nul_character_is_refused_or_stored_never_a_server_error(
    client: TestClient[Litestar], strategy: Strategy, api_tokens: dict[str, str], people: dict[str, User], db: Database
) -> None:
    """PostgreSQL takes no NUL in text (SQLite does): what the database refuses as data is a 400."""
    bearer = {"authorization": f"Bearer {api_tokens['FAC-A']}"}
    record = {"kpi": "KSUM", "unit": "FAC-A", "period": "2024", "value": 1, "note": "x\x00y"}
    answers = [
        client.get("/api/kpi-records", params={"kpi": "a\x00b"}, headers=bearer),
        client.get("/api/kpi-records", params={"unit": "a\x00b"}, headers=bearer),
        client.post("/api/kpi-records", json={"records": [record]}, headers=bearer),
    ]
    login(client, people["leader"].email)
    token = csrf_token(client, "/kpis/KSUM")
    form = {"value|DEP-A1|2024": "3", "note": "x\x00y", "_csrf_token": token}
    answers.append(client.post("/kpis/KSUM", data=form, follow_redirects=False))
    assert [a.status_code for a in answers if a.status_code >= 500] == []
    # The API's input types refuse control characters on both databases, naming the place.
    assert [a.status_code for a in answers[:3]] == [400, 400, 400]
    assert answers[2].json()["problems"][0]["path"] == "records[0].note"
    # So does every form (maturity.forms.check_typed_form): nothing reaches the database.
    assert answers[3].status_code == 400
    assert "note" in answers[3].text
