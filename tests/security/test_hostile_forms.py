"""Generated from the forms themselves (``forms.py``): every field of every form the strategy office
and a respondent can open gets hostile values, on SQLite and PostgreSQL. Whatever the value, the
answer is no server error, markup comes back escaped, a refused submission writes nothing, and a
control character typed into a field is refused (the one rule of ``maturity.forms``)."""

import time
from datetime import datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update
from sqlmodel import col

from maturity.audit.services import Actor
from maturity.auth.models import User, UserSession
from maturity.db import Database, utcnow
from surveys.models import Survey
from surveys.versions import draft_for_edit
from tests.factories import csrf_token, login
from tests.security.conftest import snapshot
from tests.security.forms import NOT_TYPED, Form, discover
from tests.security.test_xss import RAW_MARKUP

MARKUP = "<script>alert(1)</script>\"'><img src=x onerror=alert(1)>"
CONTROL = {"NUL": "a\x00b", "C0": "a\x0bb", "C1": "a\x85b"}
HOSTILE = {
    **CONTROL,
    "100 000 characters": "x" * 100_000,
    "RTL and combining marks": "\u202eabc\u0301\u0327\u200f",
    "emoji": "👩🏽‍💻🇳🇴",
    "1e309": "1e309",
    "NaN": "NaN",
    "-0": "-0",
    "20 digits": "12345678901234567890",
    "markup": MARKUP,
}
# Forms whose submission is not about typed data: logging in and out (a refused login is recorded
# for the rate limit, on purpose; tests/maturity/auth/test_login.py).
SKIPPED_ACTIONS = frozenset({"/login", "/logout"})


def test_every_form_field_takes_hostile_values(
    client: TestClient[Litestar], app: Litestar, db: Database, people: dict[str, User], tokens: list[str]
) -> None:
    login(client, people["office"].email)
    forms = [f for f in discover(client, app, tokens[0]) if f.action not in SKIPPED_ACTIONS and not f.has_file]
    assert len(forms) > 15, [f.action for f in forms]
    walk(client, db, forms)


def test_the_forms_of_a_survey_draft_take_hostile_values(
    client: TestClient[Litestar], app: Litestar, db: Database, people: dict[str, User], tokens: list[str]
) -> None:
    """Survey 1 has an open round, so its first accepted edit makes a draft (a new version) and
    from then on its edit forms send everyone to the draft, writing nothing: the walk above gets
    there early, and its later hostile values for those forms never reach their checks. Here the
    draft is made first, and its own forms are found and walked."""
    with db.transaction() as session:
        draft = draft_for_edit(session, session.get_one(Survey, 1), Actor.system("test"))
        assert draft.copied_from is not None  # a new version, not survey 1 itself
        samples = {
            "survey_id": str(draft.survey.id),
            "section_id": str(draft.section_id(1)),
            "question_id": str(draft.question_id(1)),
        }
    login(client, people["office"].email)
    prefix = f"/surveys/builder/{samples['survey_id']}/"
    forms = [f for f in discover(client, app, tokens[0], samples) if f.action.startswith(prefix) and not f.has_file]
    actions = {f.action for f in forms}
    assert {prefix + "edit", prefix + "questions/new", f"{prefix}questions/{samples['question_id']}/edit"} <= actions
    walk(client, db, forms)


def walk(client: TestClient[Litestar], db: Database, forms: list[Form]) -> None:
    """Every typed field of every form, with every hostile value: no server error, markup escaped,
    nothing written when refused, a control character never written."""
    started = time.perf_counter()
    problems: list[str] = []
    submissions = 0
    before = snapshot(db)
    for form in forms:
        for target in (f for f in form.fields if f.name not in NOT_TYPED and f.kind != "hidden"):
            for label, value in HOSTILE.items():
                token = csrf_token(client, form.page)
                data = {**form.data(), target.name: value, "_csrf_token": token}
                response = client.post(form.action, data=data, follow_redirects=False)
                submissions += 1
                where = f"{form.action} field {target.name!r} ({target.kind}) with {label}"
                if response.status_code >= 500:
                    problems.append(f"{where}: {response.status_code}")
                if "html" in response.headers.get("content-type", ""):
                    problems += [f"{where}: unescaped {raw!r}" for raw in RAW_MARKUP if raw in response.text]
                after = snapshot(db)
                if response.status_code >= 400 and after != before:
                    problems.append(f"{where}: refused with {response.status_code} but wrote to the database")
                if label in CONTROL and target.typed and after != before:
                    problems.append(f"{where}: a control character was accepted and written ({response.status_code})")
                before = after
    print(f"\n{len(forms)} forms, {submissions} submissions in {time.perf_counter() - started:.1f} s")
    assert not problems, "\n".join(["", *problems])


@pytest.mark.parametrize("label", list(CONTROL))
def test_the_survey_answer_fields_refuse_control_characters(
    client: TestClient[Litestar], db: Database, tokens: list[str], label: str
) -> None:
    """Answering by personal link is a public page: its forms are found the same way."""
    page = f"/s/{tokens[0]}/p/3"
    token = csrf_token(client, page)  # opening the link starts a draft response
    before = snapshot(db)
    response = client.post(f"/s/{tokens[0]}/answer/B-TEXT", data={"q-B-TEXT": CONTROL[label], "_csrf_token": token})
    assert 400 <= response.status_code < 500
    assert snapshot(db) == before


def test_extending_a_login_is_not_a_write(client: TestClient[Litestar], db: Database, people: dict[str, User]) -> None:
    """A login is extended by any request that succeeds five minutes after the last extension: on a
    slow machine the walk above crosses that line, on a submission answered by a redirect that
    writes nothing (an edit of a survey whose newer version is being prepared). The snapshot must
    not count that bookkeeping as a write."""
    login(client, people["office"].email)
    with db.engine.begin() as connection:
        connection.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
    extended_before = _login_expiry(db)
    before = snapshot(db)
    assert client.get("/surveys/builder").status_code == 200
    assert _login_expiry(db) > extended_before
    assert snapshot(db) == before


def _login_expiry(db: Database) -> datetime:
    with db.engine.connect() as connection:
        return connection.execute(select(col(UserSession.expires_at))).scalar_one()
