"""Hostile text typed into the survey builder (survey title and introduction, question text, help
and options), a round's name and a report's narrative comes back escaped on every page that shows
it; in the PDF report the narrative is literal text, with no script, link or action."""

import io
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject
from sqlalchemy import select
from sqlmodel import Session, col

from maturity.auth.models import User
from maturity.db import utcnow
from maturity.units.models import OrgUnit
from reports.services import build_report
from surveys.models import Question, Survey, SurveyRound
from tests.factories import csrf_token, login
from tests.security.test_xss import PAYLOADS, assert_escaped, evil

BUILDER_TEXTS = ("survey-title", "survey-intro", "question-text", "question-help", "option")


def _post(client: TestClient[Litestar], path: str, data: Mapping[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/surveys/builder")
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


def _both(name: str, tag: str) -> dict[str, str]:
    return {f"{name}_nb": evil(tag), f"{name}_en": evil(tag)}


@pytest.fixture
def hostile_survey(client: TestClient[Litestar], session: Session, people: dict[str, User], survey: Survey) -> int:
    """The test survey with hostile texts typed into the builder, a hostile question and a round."""
    login(client, people["office"].email)
    survey_id = survey.id
    assert survey_id is not None
    form = {
        **_both("title", "survey-title"),
        **_both("intro", "survey-intro"),
        **{f"likert_{n}_{lang}": f"{n}{lang}" for n in range(1, 6) for lang in ("nb", "en")},
    }
    assert _post(client, f"/surveys/builder/{survey_id}/edit", form).status_code == 303
    background = client.get(f"/surveys/builder/{survey_id}").text
    section = re.findall(r"questions/new\?section=(\d+)", background)[-1]
    question = {
        "code": "B-EVIL",
        "kind": "single",
        "section": section,
        **_both("text", "question-text"),
        **_both("help", "question-help"),
        "options": f"a | {evil('option')} | {evil('option')}\nb | B | B",
    }
    assert _post(client, f"/surveys/builder/{survey_id}/questions/new", question).status_code == 303
    now = utcnow()
    round_form = {
        **_both("name", "round-name"),
        "period_label": "2025",
        "opens_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "units": ["FAC-A"],
        "anonymity": "anonymous",
        "min_group_size": "5",
    }
    assert _post(client, f"/surveys/builder/{survey_id}/rounds/new", round_form).status_code == 303
    return survey_id


def test_survey_builder_texts_and_round_names_are_escaped(
    client: TestClient[Litestar], session: Session, hostile_survey: int
) -> None:
    sid = hostile_survey
    question_id = session.execute(select(col(Question.id)).where(col(Question.code) == "B-EVIL")).scalar_one()
    round_id = session.execute(select(col(SurveyRound.id)).where(col(SurveyRound.survey_id) == sid)).scalar_one()
    pages = {
        "/surveys/builder": ("survey-title",),
        f"/surveys/builder/{sid}": ("survey-title", "question-text"),
        f"/surveys/builder/{sid}/edit": ("survey-title", "survey-intro"),
        f"/surveys/builder/{sid}/questions/{question_id}/edit": ("question-text", "question-help", "option"),
        f"/surveys/builder/{sid}/questions/{question_id}/delete": ("question-text",),
        f"/surveys/builder/{sid}/preview": ("survey-title", "survey-intro"),
        f"/surveys/builder/{sid}/preview/3": ("question-text", "question-help", "option"),
        f"/surveys/builder/{sid}/rounds/new": (),
        "/surveys": ("survey-title", "round-name"),
        f"/surveys/rounds/{round_id}": ("round-name",),
        "/audit": (),
    }
    for path, tags in pages.items():
        for language in ("nb", "en"):
            response = client.get(path, headers={"accept-language": language})
            assert response.status_code == 200, path
            assert_escaped(response.text, *tags, page=f"{path} ({language})")
    export = client.get(f"/surveys/builder/{sid}/export")
    assert export.status_code == 200
    assert evil("question-text") in export.text  # a YAML download keeps the text as typed


def test_builder_texts_are_escaped_when_a_refused_form_comes_back(
    client: TestClient[Litestar], hostile_survey: int
) -> None:
    sid = hostile_survey
    refused = _post(client, "/surveys/builder/new", {"code": "two words", **_both("title", "typed-title")})
    assert refused.status_code == 422
    assert_escaped(refused.text, "typed-title", page="/surveys/builder/new after a refusal")
    checked = client.post(
        f"/surveys/builder/{sid}/questions/validate",
        data={"code": "x y", **_both("text", "typed-question"), "_csrf_token": csrf_token(client, "/surveys")},
        headers={"hx-request": "true"},
    )
    assert checked.status_code == 200
    assert_escaped(checked.text, page="inline validation of a question")


def _annotations_and_actions(reader: PdfReader) -> list[str]:
    """Every link annotation, URI, launch or JavaScript action anywhere in the file."""
    found = []
    seen: set[int] = set()

    def walk(node: object) -> None:
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                return
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            for key, value in node.items():
                if key in ("/JS", "/JavaScript", "/URI", "/Launch", "/OpenAction", "/AA"):
                    found.append(f"{key}: {value!r}"[:120])
                if key == "/Subtype" and value in ("/Link", "/Widget", "/Screen", "/RichMedia"):
                    found.append(f"annotation {value}")
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reader.trailer)
    return found


def test_the_narrative_is_escaped_in_html_and_literal_text_in_the_pdf(
    client: TestClient[Litestar], session: Session, people: dict[str, User], records: None, storage: Path
) -> None:
    login(client, people["leader"].email)
    form = "/reports/narrative?unit=DEP-A1&period=2024"
    token = csrf_token(client, form)
    data = {"unit": "DEP-A1", "period": "2024", "text": evil("narrative"), "_csrf_token": token}
    assert client.post("/reports/narrative", data=data, follow_redirects=False).status_code == 303
    assert_escaped(client.get(form).text, "narrative", page=form)
    on_screen = client.get("/reports/view", params={"unit": "DEP-A1", "period": "2024"})
    assert_escaped(on_screen.text, "narrative", page="/reports/view")
    refused = client.post("/reports/narrative", data={**data, "text": evil("narrative") + "x" * 20_000})
    assert_escaped(refused.text, "narrative", page="/reports/narrative after a refusal")

    unit = session.execute(select(OrgUnit).where(col(OrgUnit.code) == "DEP-A1")).scalars().one()
    outcome = build_report(session, storage, unit, "2024", "nb", generated_by="test")
    session.commit()
    pdf = client.get(f"/reports/{outcome.report_id}/pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.content))
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    for payload in PAYLOADS:
        assert re.sub(r"\s+", "", payload) in text, f"the PDF does not show {payload!r} as text"
    assert _annotations_and_actions(reader) == []
