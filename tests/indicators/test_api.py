"""The KPI records API as an institutional system uses it: bearer tokens, unit scope, all-or-nothing writes."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from indicators.models import KpiRecord, KpiRecordRevision, Strategy
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from maturity.audit.models import AuditEvent
from maturity.audit.services import Actor
from maturity.auth.models import ApiToken, User
from maturity.auth.tokens import issue_token, revoke_token
from maturity.db import utcnow
from maturity.units.services import UnitScope
from tests.factories import login

API = "/api/kpi-records"


def count(session: Session, model: type, *where: Any) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def written(session: Session) -> tuple[int, int, int]:
    """Records, revisions and audit events about records: what a write leaves behind."""
    return (
        count(session, KpiRecord),
        count(session, KpiRecordRevision),
        count(session, AuditEvent, col(AuditEvent.object_type) == "kpi_record"),
    )


def make_token(session: Session, *units: str, name: str = "HR system") -> str:
    _, plain = issue_token(session, name=name, unit_codes=units, expires_at=None, actor=Actor.system("test"))
    session.commit()
    return plain


def bearer(token: str, **more: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", **more}


SEEDED = [
    ("KSUM", "UNI", "2024", 100),
    ("KSUM", "FAC-A", "2024", 40),
    ("KSUM", "DEP-A1", "2024", 10),
    ("KSUM", "DEP-A1", "2023", 8),
    ("KSUM", "SEC-A2X", "2024", 2),
    ("KSUM", "FAC-B", "2024", 50),
    ("KSUM", "DEP-B1", "2024", 20),
    ("KINST", "UNI", "2024", 1),
]


@pytest.fixture
def records(session: Session, strategy: Strategy) -> None:
    """Values across the organisation, recorded by hand before any system pushes anything."""
    items = [RecordInput(kpi=k, unit=u, period=p, value=v, line=i) for i, (k, u, p, v) in enumerate(SEEDED)]
    items.append(RecordInput(kpi="KRATIO", unit="DEP-A2", period="2024-S1", numerator=12, denominator=40))
    checked = check_records(session, items, UnitScope(everything=True, roots=frozenset()))
    record_values(session, checked, Actor.system("Seeder"), via="cli")
    session.commit()


@pytest.fixture
def fac_a(session: Session, strategy: Strategy) -> str:
    return make_token(session, "FAC-A")


class TestAuthentication:
    @pytest.mark.parametrize(
        "authorization",
        [None, "", "Bearer", "Bearer ", "Bearer nonsense", "Bearer mty_nonsense", "Basic dXNlcjpwYXNz", "mty_x"],
    )
    @pytest.mark.parametrize("method", ["GET", "POST"])
    def test_no_valid_token_is_401_with_a_json_body(
        self, client: TestClient[Litestar], session: Session, strategy: Strategy, method: str, authorization: str | None
    ) -> None:
        headers = {} if authorization is None else {"authorization": authorization}
        body = {"records": [{"kpi": "KSUM", "unit": "FAC-A", "period": "2024", "value": 1}]}
        response = client.request(method, API, headers=headers, json=body if method == "POST" else None)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["status_code"] == 401
        assert written(session) == (0, 0, 0)

    def test_a_revoked_token_is_refused(self, client: TestClient[Litestar], session: Session, fac_a: str) -> None:
        assert client.get(API, headers=bearer(fac_a)).status_code == 200
        token_id = session.execute(select(ApiToken.id)).scalar_one()
        revoke_token(session, token_id, Actor.system("test"))
        session.commit()
        assert client.get(API, headers=bearer(fac_a)).status_code == 401

    def test_an_expired_token_is_refused(self, client: TestClient[Litestar], session: Session, fac_a: str) -> None:
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.commit()
        assert client.get(API, headers=bearer(fac_a)).status_code == 401

    def test_a_token_not_yet_expired_works(self, client: TestClient[Litestar], session: Session, fac_a: str) -> None:
        session.execute(update(ApiToken).values(expires_at=utcnow() + timedelta(hours=1)))
        session.commit()
        assert client.get(API, headers=bearer(fac_a)).status_code == 200

    def test_a_login_session_is_no_way_in(
        self, client: TestClient[Litestar], session: Session, people: dict[str, User], records: None
    ) -> None:
        """Cookies are not accepted: the API has no CSRF protection, so it must not trust them."""
        login(client, "office@example.org")
        assert client.get(API).status_code == 401
        response = client.post(API, json={"records": [{"kpi": "KSUM", "unit": "FAC-A", "period": "2024", "value": 1}]})
        assert response.status_code == 401
        assert count(session, KpiRecord, col(KpiRecord.value) == 1) == 1  # only the seeded KINST value

    def test_the_scheme_name_is_case_insensitive(self, client: TestClient[Litestar], fac_a: str) -> None:
        assert client.get(API, headers={"authorization": f"bearer {fac_a}"}).status_code == 200

    def test_use_is_noted_on_the_token_even_when_the_request_fails(
        self, client: TestClient[Litestar], session: Session, fac_a: str
    ) -> None:
        response = client.post(
            API,
            headers=bearer(fac_a),
            json={"records": [{"kpi": "KSUM", "unit": "NOPE", "period": "2024", "value": 1}]},
        )
        assert response.status_code == 422
        session.expire_all()
        assert session.execute(select(ApiToken)).scalars().one().last_used_at is not None


class TestReading:
    def test_a_faculty_token_reads_the_faculty_and_everything_below(
        self, client: TestClient[Litestar], records: None, fac_a: str
    ) -> None:
        response = client.get(API, headers=bearer(fac_a))
        assert response.status_code == 200
        body = response.json()
        assert [(i["kpi"], i["unit"], i["period"]) for i in body["items"]] == [
            ("KRATIO", "DEP-A2", "2024-S1"),
            ("KSUM", "DEP-A1", "2023"),
            ("KSUM", "DEP-A1", "2024"),
            ("KSUM", "FAC-A", "2024"),
            ("KSUM", "SEC-A2X", "2024"),
        ]
        assert (body["total"], body["limit"], body["offset"]) == (5, 100, 0)

    def test_an_item_carries_the_value_its_parts_and_who_recorded_it(
        self, client: TestClient[Litestar], records: None, fac_a: str
    ) -> None:
        item = client.get(API, headers=bearer(fac_a), params={"kpi": "KRATIO"}).json()["items"][0]
        assert set(item) == {
            "kpi",
            "unit",
            "period",
            "value",
            "numerator",
            "denominator",
            "source",
            "note",
            "revision",
            "recorded_at",
            "recorded_by",
        }
        assert (item["value"], item["numerator"], item["denominator"]) == (30.0, 12.0, 40.0)
        assert (item["revision"], item["recorded_by"]) == (1, "Seeder")
        assert datetime.fromisoformat(item["recorded_at"]).tzinfo is not None

    @pytest.mark.parametrize("unit", ["FAC-B", "DEP-B1", "UNI", "NO-SUCH-UNIT"])
    def test_a_unit_outside_the_token_is_not_found_like_an_unknown_one(
        self, client: TestClient[Litestar], records: None, fac_a: str, unit: str
    ) -> None:
        response = client.get(API, headers=bearer(fac_a), params={"unit": unit})
        assert response.status_code == 404
        assert response.json() == {"status_code": 404, "detail": "Not Found"}

    def test_the_unit_filter_names_one_unit(self, client: TestClient[Litestar], records: None, fac_a: str) -> None:
        body = client.get(API, headers=bearer(fac_a), params={"unit": "DEP-A1"}).json()
        assert [(i["unit"], i["period"]) for i in body["items"]] == [("DEP-A1", "2023"), ("DEP-A1", "2024")]

    def test_kpi_and_period_filters(self, client: TestClient[Litestar], records: None, fac_a: str) -> None:
        body = client.get(API, headers=bearer(fac_a), params={"kpi": "KSUM", "period": "2024"}).json()
        assert [i["unit"] for i in body["items"]] == ["DEP-A1", "FAC-A", "SEC-A2X"]
        # periods are read as people write them
        body = client.get(API, headers=bearer(fac_a), params={"period": "2024-s1"}).json()
        assert [i["kpi"] for i in body["items"]] == ["KRATIO"]

    def test_a_bad_period_is_a_400_that_says_why(self, client: TestClient[Litestar], fac_a: str) -> None:
        response = client.get(API, headers=bearer(fac_a), params={"period": "spring"})
        assert response.status_code == 400
        assert "Not a period" in response.json()["detail"]

    def test_since_filters_on_when_a_value_was_recorded(
        self, client: TestClient[Litestar], session: Session, records: None, fac_a: str
    ) -> None:
        session.execute(
            update(KpiRecord)
            .where(col(KpiRecord.period) == "2023")
            .values(recorded_at=datetime(2024, 3, 1, tzinfo=UTC))
        )
        session.commit()
        body = client.get(API, headers=bearer(fac_a), params={"since": "2024-03-02"}).json()
        assert body["total"] == 4
        assert "2023" not in [i["period"] for i in body["items"]]
        assert client.get(API, headers=bearer(fac_a), params={"since": "2024-03-01"}).json()["total"] == 5
        assert client.get(API, headers=bearer(fac_a), params={"since": "yesterday"}).status_code == 400

    def test_pages(self, client: TestClient[Litestar], records: None, fac_a: str) -> None:
        everything = client.get(API, headers=bearer(fac_a)).json()["items"]
        first = client.get(API, headers=bearer(fac_a), params={"limit": 2}).json()
        rest = client.get(API, headers=bearer(fac_a), params={"limit": 2, "offset": 2}).json()
        last = client.get(API, headers=bearer(fac_a), params={"limit": 2, "offset": 4}).json()
        assert first["items"] + rest["items"] + last["items"] == everything
        assert first["total"] == rest["total"] == last["total"] == 5
        assert len(last["items"]) == 1

    @pytest.mark.parametrize("params", [{"limit": 1001}, {"limit": 0}, {"offset": -1}, {"limit": "many"}])
    def test_page_bounds(self, client: TestClient[Litestar], fac_a: str, params: dict[str, Any]) -> None:
        assert client.get(API, headers=bearer(fac_a), params=params).status_code == 400

    def test_the_largest_page_is_allowed(self, client: TestClient[Litestar], fac_a: str) -> None:
        assert client.get(API, headers=bearer(fac_a), params={"limit": 1000}).status_code == 200

    def test_a_token_for_two_units_reads_both_subtrees(
        self, client: TestClient[Litestar], session: Session, records: None
    ) -> None:
        token = make_token(session, "DEP-A2", "DEP-B1")
        body = client.get(API, headers=bearer(token)).json()
        assert sorted(i["unit"] for i in body["items"]) == ["DEP-A2", "DEP-B1", "SEC-A2X"]


def post(client: TestClient[Litestar], token: str, *records: dict[str, Any], **headers: str) -> Any:
    return client.post(API, headers=bearer(token, **headers), json={"records": list(records)})


def ksum(unit: str, value: float, period: str = "2024", **more: Any) -> dict[str, Any]:
    return {"kpi": "KSUM", "unit": unit, "period": period, "value": value, **more}


class TestRecording:
    def test_values_are_recorded_with_the_token_as_author(
        self, client: TestClient[Litestar], session: Session, fac_a: str
    ) -> None:
        response = post(
            client,
            fac_a,
            ksum("DEP-A1", 3, source="HR", note="from the HR system"),
            {"kpi": "KRATIO", "unit": "DEP-A2", "period": "2024-S2", "numerator": 3, "denominator": 4},
        )
        assert response.status_code == 200, response.text
        assert response.json() == {"new": 2, "changed": 0, "unchanged": 0}
        session.expire_all()
        rows = session.execute(select(KpiRecord).order_by(KpiRecord.id)).scalars().all()
        token = session.execute(select(ApiToken)).scalars().one()
        assert [(r.value, r.numerator, r.denominator) for r in rows] == [(3, None, None), (75, 3, 4)]
        assert {r.recorded_via for r in rows} == {"api"}
        assert {r.recorded_by_label for r in rows} == {f"API token HR system ({token.prefix}…)"}
        assert rows[0].recorded_by_id is None
        assert (rows[0].source, rows[0].note) == ("HR", "from the HR system")

    def test_every_write_is_audited(self, client: TestClient[Litestar], session: Session, fac_a: str) -> None:
        post(client, fac_a, ksum("DEP-A1", 3), ksum("FAC-A", 4))
        post(client, fac_a, ksum("DEP-A1", 5), ksum("FAC-A", 4))
        session.expire_all()
        events = session.execute(
            select(AuditEvent).where(col(AuditEvent.object_type) == "kpi_record").order_by(AuditEvent.id)
        ).scalars()
        prefix = session.execute(select(ApiToken.prefix)).scalar_one()
        assert [(e.action, e.object_label, e.actor_label) for e in events] == [
            ("record", "KSUM DEP-A1 2024", f"API token HR system ({prefix}…)"),
            ("record", "KSUM FAC-A 2024", f"API token HR system ({prefix}…)"),
            ("correct", "KSUM DEP-A1 2024", f"API token HR system ({prefix}…)"),
        ]

    def test_a_correction_is_a_new_revision_and_the_old_one_is_kept(
        self, client: TestClient[Litestar], session: Session, fac_a: str
    ) -> None:
        assert post(client, fac_a, ksum("DEP-A1", 3)).json() == {"new": 1, "changed": 0, "unchanged": 0}
        assert post(client, fac_a, ksum("DEP-A1", 4.5)).json() == {"new": 0, "changed": 1, "unchanged": 0}
        assert post(client, fac_a, ksum("DEP-A1", 4.5)).json() == {"new": 0, "changed": 0, "unchanged": 1}
        session.expire_all()
        record = session.execute(select(KpiRecord)).scalars().one()
        assert (record.value, record.revision) == (4.5, 2)
        revisions = session.execute(select(KpiRecordRevision).order_by(KpiRecordRevision.revision)).scalars().all()
        assert [(r.revision, r.value) for r in revisions] == [(1, 3), (2, 4.5)]
        item = client.get(API, headers=bearer(fac_a)).json()["items"][0]
        assert (item["value"], item["revision"]) == (4.5, 2)

    def test_a_unit_outside_the_token_is_refused_like_an_unknown_one_and_nothing_is_written(
        self, client: TestClient[Litestar], session: Session, records: None, fac_a: str
    ) -> None:
        before = written(session)
        outside = post(client, fac_a, ksum("DEP-A1", 3), ksum("DEP-B1", 3))
        unknown = post(client, fac_a, ksum("DEP-A1", 3), ksum("NOPE", 3))
        assert outside.status_code == unknown.status_code == 422
        assert outside.json() == {
            "status_code": 422,
            "detail": "Nothing was recorded: 1 problem was found.",
            "problems": [{"path": "records[1].unit", "value": "DEP-B1", "message": "Unknown unit DEP-B1."}],
        }
        assert outside.text.replace("DEP-B1", "X") == unknown.text.replace("NOPE", "X")
        assert written(session) == before

    def test_one_bad_row_among_many_good_ones_writes_nothing(
        self, client: TestClient[Litestar], session: Session, fac_a: str
    ) -> None:
        good = [ksum(unit, n, period=str(2000 + n)) for n in range(1, 21) for unit in ("DEP-A1", "DEP-A2", "SEC-A2X")]
        bad = {"kpi": "KRATIO", "unit": "DEP-A1", "period": "2024-S1", "numerator": 50, "denominator": 40}
        response = post(client, fac_a, *good[:30], bad, *good[30:])
        assert response.status_code == 422
        assert response.json()["problems"] == [
            {
                "path": "records[30].numerator",
                "value": "50.0",
                "message": "The numerator cannot be larger than the denominator.",
            }
        ]
        assert written(session) == (0, 0, 0)
        assert post(client, fac_a, *good).json() == {"new": 60, "changed": 0, "unchanged": 0}

    def test_every_problem_is_reported_with_its_place(self, client: TestClient[Litestar], fac_a: str) -> None:
        response = post(
            client,
            fac_a,
            {"kpi": "NOPE", "unit": "DEP-A1", "period": "2024", "value": 1},
            ksum("DEP-A1", 1, period="2024-S1"),
            {"kpi": "KINST", "unit": "FAC-A", "period": "2024", "value": 1},
            {"kpi": "KRATIO", "unit": "DEP-A1", "period": "2024-S1", "value": 50},
            {"kpi": "KRATIO", "unit": "DEP-A2", "period": "2024-S1", "numerator": -1, "denominator": 10},
        )
        assert response.status_code == 422
        assert [(p["path"], p["message"][:30]) for p in response.json()["problems"]] == [
            ("records[0].kpi", "Unknown KPI NOPE."),
            ("records[1].period", "KPI KSUM is reported for perio"),
            ("records[2].unit", "KPI KINST is measured for the "),
            ("records[3].numerator", "KPI KRATIO is a share: give nu"),
            ("records[4].numerator", "The numerator cannot be negati"),
        ]
        assert response.json()["detail"] == "Nothing was recorded: 5 problems were found."

    def test_a_value_outside_the_described_shape_is_a_400_naming_its_place(
        self, client: TestClient[Litestar], fac_a: str
    ) -> None:
        """The description states what a period is; a request outside it never reaches the checks."""
        response = post(client, fac_a, ksum("DEP-A1", 1), ksum("DEP-A1", 1, period="2024-13"))
        assert response.status_code == 400
        assert response.json()["problems"] == [
            {
                "path": "records[1].period",
                "value": None,
                "message": "Not a period; write 2024, 2024-S1, 2024-T2, 2024-Q3 or 2024-03.",
            }
        ]

    def test_messages_in_norwegian_on_request(self, client: TestClient[Litestar], fac_a: str) -> None:
        response = post(client, fac_a, ksum("DEP-B1", 1), **{"accept-language": "nb-NO"})
        assert response.json()["problems"][0]["message"] == "Ukjent enhet DEP-B1."

    def test_an_empty_batch_changes_nothing(self, client: TestClient[Litestar], session: Session, fac_a: str) -> None:
        assert post(client, fac_a).json() == {"new": 0, "changed": 0, "unchanged": 0}
        assert written(session) == (0, 0, 0)

    @pytest.mark.parametrize(
        "body",
        [
            {"records": [{"kpi": "KSUM", "unit": "DEP-A1", "period": "2024", "value": "many"}]},
            {"records": [{"kpi": "KSUM", "unit": "DEP-A1", "period": "2024", "valeu": 3}]},
            {"records": [{"kpi": "KSUM", "unit": "DEP-A1", "value": 3}]},
            {"record": []},
            [],
        ],
    )
    def test_a_malformed_body_is_a_400_and_writes_nothing(
        self, client: TestClient[Litestar], session: Session, fac_a: str, body: Any
    ) -> None:
        response = client.post(API, headers=bearer(fac_a), json=body)
        assert response.status_code == 400
        assert written(session) == (0, 0, 0)

    def test_at_most_ten_thousand_values_at_once(
        self, client: TestClient[Litestar], session: Session, fac_a: str
    ) -> None:
        too_many = [ksum("DEP-A1", 1, period=str(1000 + i)) for i in range(10_001)]
        assert client.post(API, headers=bearer(fac_a), json={"records": too_many}).status_code == 400
        assert written(session) == (0, 0, 0)


class TestOpenApi:
    def test_the_schema_documents_both_operations_and_the_bearer_scheme(self, client: TestClient[Litestar]) -> None:
        schema = client.get("/api/schema/openapi.json").json()
        operations = schema["paths"][API]
        assert set(operations) == {"get", "post"}
        for operation in operations.values():
            assert operation["summary"]
            assert operation["description"]
            assert "401" in operation["responses"]
        assert "422" in operations["post"]["responses"]
        assert "404" in operations["get"]["responses"]
        assert operations["post"]["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/RecordBatch"
        }
        assert {p["name"] for p in operations["get"]["parameters"]} == {
            "kpi",
            "unit",
            "period",
            "since",
            "limit",
            "offset",
        }
        assert schema["components"]["securitySchemes"]["BearerToken"] == {
            "type": "http",
            "scheme": "bearer",
            "description": schema["components"]["securitySchemes"]["BearerToken"]["description"],
        }
        assert schema["security"] == [{"BearerToken": []}]
        assert schema["components"]["schemas"]["RecordBatch"]["properties"]["records"]["maxItems"] == 10_000

    def test_options_allows_what_the_schema_describes(self, client: TestClient[Litestar], fac_a: str) -> None:
        """A client asking which methods the records path takes (OPTIONS, no token needed: it
        reveals nothing the public description does not) hears the schema's operations and OPTIONS."""
        schema = client.get("/api/schema/openapi.json").json()
        response = client.options(API, headers=bearer(fac_a))
        assert response.status_code == 204
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == {m.upper() for m in schema["paths"][API]} | {"OPTIONS"}
        assert allowed == {"GET", "POST", "OPTIONS"}
        assert not response.content

    def test_only_the_api_is_in_the_schema(self, client: TestClient[Litestar]) -> None:
        schema = client.get("/api/schema/openapi.json").json()
        assert all(path.startswith("/api/") for path in schema["paths"])

    def test_no_random_examples_are_generated(self, client: TestClient[Litestar]) -> None:
        """Only the examples we wrote: the document is the same every time it is built."""
        schema = client.get("/api/schema/openapi.json").json()
        with_examples = {
            f"{name}.{field}"
            for name, component in schema["components"]["schemas"].items()
            for field, spec in component.get("properties", {}).items()
            if "examples" in spec
        }
        assert with_examples == {"RecordIn.kpi", "RecordIn.unit", "RecordIn.period"}
        assert not any("examples" in component for component in schema["components"]["schemas"].values())
