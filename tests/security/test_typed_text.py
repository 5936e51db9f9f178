"""The one rule for typed text (maturity.forms): control characters other than tab and newline are
refused naming the field, in forms, files and the API; text is kept in NFC."""

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session, select

from indicators.models import Goal, KpiRecord, Strategy
from maturity.auth.models import User
from maturity.csvio import read_csv
from maturity.db import Database
from maturity.errors import InvalidInput
from maturity.forms import control_character, normalise_text
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9f"])
def test_control_characters_are_named(char: str) -> None:
    assert control_character(f"a{char}b") == f"U+{ord(char):04X}"


@pytest.mark.parametrize("text", ["tab\there", "two\nlines", "windows\r\nline", "emoji 🎉", "RTL \u202eabc", "e\u0301"])
def test_tab_newline_and_other_text_pass(text: str) -> None:
    assert control_character(text) is None


def test_text_is_kept_in_nfc_with_newlines() -> None:
    assert normalise_text("Ta\u030ana\r\nB\rC") == "Tåna\nB\nC"


def test_a_form_of_the_form_system_shows_the_refusal_beside_the_field(
    client: TestClient[Litestar], db: Database, strategy: Strategy, people: dict[str, User]
) -> None:
    login(client, people["office"].email)
    token = csrf_token(client, "/definitions/goal/1/edit")
    before = snapshot(db)
    form = {"code": "G1", "title_nb": "Mål\x00en", "title_en": "Goal", "weight": "1", "_csrf_token": token}
    response = client.post("/definitions/goal/1/edit", data=form)
    assert response.status_code == 422
    assert "usynlig kontrolltegn (U+0000)" in response.text
    assert 'id="f-title_nb-error"' in response.text
    assert snapshot(db) == before


def test_another_form_is_refused_naming_the_field(
    client: TestClient[Litestar], db: Database, strategy: Strategy, people: dict[str, User]
) -> None:
    login(client, people["leader"].email)
    token = csrf_token(client, "/kpis/KSUM")
    before = snapshot(db)
    form = {"value|DEP-A1|2024": "3", "note": "side\x0cskift", "_csrf_token": token}
    response = client.post("/kpis/KSUM", data=form)
    assert response.status_code == 400
    assert "Ingenting ble lagret: feltet note inneholder et usynlig kontrolltegn (U+000C)" in response.text
    assert snapshot(db) == before


def test_a_typed_text_is_stored_in_nfc(
    client: TestClient[Litestar], session: Session, strategy: Strategy, people: dict[str, User]
) -> None:
    login(client, people["office"].email)
    token = csrf_token(client, "/definitions/goal/1/edit")
    form = {"code": "G1", "title_nb": "Ma\u030al\r\nen", "title_en": "Goal", "weight": "1", "_csrf_token": token}
    assert client.post("/definitions/goal/1/edit", data=form, follow_redirects=False).status_code == 303
    assert session.execute(select(Goal.title_nb).where(Goal.code == "G1")).scalar_one() == "Mål\nen"


def test_a_csv_cell_with_a_control_character_is_located() -> None:
    with pytest.raises(InvalidInput) as refused:
        read_csv(b"kpi;unit;period;note\nKSUM;DEP-A1;2024;a\x07b\n", required=["kpi", "unit", "period", "note"])
    (problem,) = refused.value.problems
    assert (problem.line, problem.column, problem.params) == (2, "note", {"char": "U+0007"})


def test_the_api_refuses_a_control_character_naming_its_place(
    client: TestClient[Litestar], session: Session, strategy: Strategy, api_tokens: dict[str, str]
) -> None:
    record = {"kpi": "KSUM", "unit": "DEP-A1", "period": "2024", "value": 1, "source": "x\x1by"}
    response = client.post(
        "/api/kpi-records", json={"records": [record]}, headers={"Authorization": f"Bearer {api_tokens['FAC-A']}"}
    )
    assert response.status_code == 400
    assert response.json()["problems"][0]["path"] == "records[0].source"
    assert "control character" in response.json()["problems"][0]["message"]
    assert session.execute(select(KpiRecord)).first() is None
