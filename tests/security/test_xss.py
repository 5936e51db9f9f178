"""Hostile text in every free text a user can enter comes back escaped on every page that shows it."""

import csv
import io

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from markupsafe import escape
from sqlmodel import Session

from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.units.services import import_units_csv
from tests.factories import ORG_CSV, STRATEGY_YAML, csrf_token, login, make_user

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>")
RAW_MARKUP = ("<script>alert(1)", "<img src=x", "<svg onload")


def evil(tag: str) -> str:
    """A text that names where it was entered and tries three ways out of its context."""
    return tag + "".join(PAYLOADS)


def assert_escaped(html: str, *tags: str, page: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in html, f"{page}: unescaped {raw!r}"
    for tag in tags:
        assert str(escape(evil(tag))) in html, f"{page}: the text entered as {tag} is not shown (escaped)"


def _org_csv() -> bytes:
    rows = list(csv.reader(io.StringIO(ORG_CSV), delimiter=";"))
    for row in rows:
        if row[0] == "DEP-A1":
            row[3] = evil("unit-name")
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue().encode()


def _strategy_yaml() -> bytes:
    text = STRATEGY_YAML
    for plain, tag in (
        ("Mål en", "goal"),
        ("Indikator en", "indicator"),
        ("Antall prosjekter", "kpi-name"),
        ("Tiltak", "action"),
        ("Dimensjon en", "dimension"),
    ):
        quoted = "'" + evil(tag).replace("'", "''") + "'"  # a YAML single-quoted string
        text = text.replace("{nb: " + plain + ",", "{nb: " + quoted + ",", 1)
    return text.encode()


@pytest.fixture
def hostile(session: Session) -> dict[str, User]:
    import_units_csv(session, _org_csv())
    import_strategy(session, _strategy_yaml(), Actor.system("test"))
    users = {
        "leader": make_user(session, "leader@example.org", home="FAC-A", leader_of=("FAC-A",)),
        "office": make_user(session, "office@example.org", home="UNI", office=True),
    }
    session.commit()
    return users


def test_strategy_texts_and_unit_names_are_escaped(client: TestClient[Litestar], hostile: dict[str, User]) -> None:
    login(client, hostile["office"].email)
    pages = {
        "/units": ("unit-name",),
        "/units/DEP-A1": ("unit-name",),
        "/strategy/test-strategy": ("goal", "indicator", "kpi-name", "action", "dimension"),
        "/kpis": ("kpi-name",),
        "/kpis/KSUM": ("kpi-name", "unit-name"),
        "/api-tokens": ("unit-name",),
    }
    for path, tags in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert_escaped(response.text, *tags, page=path)


def test_kpi_notes_and_sources_are_escaped(client: TestClient[Litestar], hostile: dict[str, User]) -> None:
    login(client, hostile["leader"].email)
    token = csrf_token(client, "/kpis/KSUM")
    form = {"value|DEP-A1|2024": "12", "source": evil("source"), "note": evil("note"), "_csrf_token": token}
    assert client.post("/kpis/KSUM", data=form, follow_redirects=False).status_code == 303
    assert_escaped(client.get("/kpis/KSUM?until=2024").text, "source", "note", page="/kpis/KSUM")
    login(client, hostile["office"].email)
    assert_escaped(client.get("/audit").text, page="/audit")


def test_text_typed_into_forms_is_escaped_when_the_form_comes_back(
    client: TestClient[Litestar], hostile: dict[str, User]
) -> None:
    token = csrf_token(client)
    refused = client.post("/login", data={"email": evil("email"), "password": "x", "_csrf_token": token})
    assert_escaped(refused.text, "email", page="/login after a failed attempt")
    login(client, hostile["office"].email)
    assert_escaped(client.get("/units", params={"q": evil("search")}).text, "search", page="/units?q=")
    token = csrf_token(client, "/api-tokens")
    issued = client.post("/api-tokens", data={"name": evil("token-name"), "units": "FAC-A", "_csrf_token": token})
    assert_escaped(issued.text, "token-name", page="/api-tokens after issuing")
    assert_escaped(client.get("/api-tokens").text, "token-name", page="/api-tokens")
    assert_escaped(client.get("/audit").text, page="/audit")


def test_a_survey_text_answer_is_escaped_when_shown_again(client: TestClient[Litestar], tokens: list[str]) -> None:
    link = f"/s/{tokens[0]}"
    token = csrf_token(client, link + "/p/3")
    saved = client.post(f"{link}/answer/B-TEXT", data={"q-B-TEXT": evil("answer"), "_csrf_token": token})
    assert saved.status_code == 200
    assert_escaped(client.get(link + "/p/3").text, "answer", page="/s/{token}/p/3")
    assert_escaped(client.get(link + "/review").text, page="/s/{token}/review")
