"""The survey builder through HTTP, as the strategy office uses it."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.auth.models import User
from maturity.db import utcnow
from surveys.models import Answer, Question, Response, Survey, SurveyRound, SurveySection
from tests.factories import csrf_token, login


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


@pytest.fixture
def office(client: TestClient[Litestar], people: dict[str, User], survey: Survey) -> TestClient[Litestar]:
    login(client, "office@example.org")
    client.get("/")
    return client


def post(client: TestClient[Litestar], path: str, data: dict[str, object], **kwargs: object) -> object:
    token = csrf_token(client, "/surveys/builder")
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def section_ids(session: Session, survey_id: int) -> list[int]:
    session.expire_all()
    return list(
        session.execute(
            select(SurveySection.id)
            .where(col(SurveySection.survey_id) == survey_id)
            .order_by(col(SurveySection.position))
        ).scalars()
    )


def question_id(session: Session, survey_id: int, code: str) -> int:
    session.expire_all()
    return session.execute(
        select(Question.id).where(col(Question.survey_id) == survey_id, col(Question.code) == code)
    ).scalar_one()


def codes(session: Session, survey_id: int) -> list[str]:
    session.expire_all()
    return list(
        session.execute(
            select(Question.code).where(col(Question.survey_id) == survey_id).order_by(col(Question.position))
        ).scalars()
    )


class Labels(HTMLParser):
    """Every input's label and every fieldset's legend, as a browser would pair them."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[tuple[str, str]] = []  # (id, name)
        self.labelled: set[str] = set()
        self.fieldsets = 0
        self.legends = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.inputs.append((a.get("id") or "", a.get("name") or ""))
        if tag == "label" and a.get("for"):
            self.labelled.add(a["for"] or "")
        if tag == "fieldset":
            self.fieldsets += 1
        if tag == "legend":
            self.legends += 1


def check_labels(html: str) -> Labels:
    parser = Labels()
    parser.feed(html)
    unlabelled = [name for id_, name in parser.inputs if id_ not in parser.labelled]
    assert not unlabelled, unlabelled
    assert parser.fieldsets == parser.legends
    return parser


class TestRoleGuard:
    @pytest.mark.parametrize("who", ["staff@example.org", "leader@example.org"])
    def test_others_than_the_strategy_office_get_403(
        self, client: TestClient[Litestar], people: dict[str, User], survey: Survey, who: str
    ) -> None:
        login(client, who)
        for path in ("/surveys/builder", f"/surveys/builder/{survey.id}", f"/surveys/builder/{survey.id}/preview/1"):
            assert client.get(path).status_code == 403, path
        token = csrf_token(client, "/")
        response = client.post(f"/surveys/builder/{survey.id}/edit", data={"_csrf_token": token})
        assert response.status_code == 403

    def test_anonymous_visitors_are_sent_to_log_in(self, client: TestClient[Litestar], survey: Survey) -> None:
        response = client.get("/surveys/builder", follow_redirects=False)
        assert response.status_code in (302, 303)
        assert "/login" in response.headers["location"]


class TestBuilderPages:
    def test_the_list_and_the_version_page(self, office: TestClient[Litestar], survey: Survey) -> None:
        listing = office.get("/surveys/builder")
        assert listing.status_code == 200
        assert f"/surveys/builder/{survey.id}" in listing.text
        page = office.get(f"/surveys/builder/{survey.id}")
        assert page.status_code == 200
        for code in ("D1-L", "D1-Q1", "D2-L", "B-ROLE", "B-TEXT"):
            assert code in page.text
        assert "Dimension one" in page.text or "Dimensjon en" in page.text
        assert office.get("/surveys").text.count("/surveys/builder") >= 1

    def test_create_a_survey_with_sections_per_dimension(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        form = office.get("/surveys/builder/new")
        check_labels(form.text)
        data = {
            "code": "fresh",
            "maturity_model": "test-model",
            "title_nb": "Fersk",
            "title_en": "Fresh",
            **{f"likert_{n}_{lang}": f"{n}{lang}" for n in range(1, 6) for lang in ("nb", "en")},
        }
        response = post(office, "/surveys/builder/new", data)
        assert response.status_code == 303  # type: ignore[attr-defined]
        created = session.execute(select(Survey).where(col(Survey.code) == "fresh")).scalar_one()
        assert len(section_ids(session, created.id or 0)) == 3

    def test_bad_input_is_shown_at_its_field_and_nothing_is_saved(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        response = post(office, "/surveys/builder/new", {"code": "two words", "title_nb": "x"})
        assert response.status_code == 422  # type: ignore[attr-defined]
        html = response.text  # type: ignore[attr-defined]
        assert 'id="f-code" name="code"' in html
        assert re.search(r'id="f-code-error"[^>]*><p class="field-error">', html)
        assert 'aria-invalid="true"' in html
        assert count(session, Survey) == 1

    def test_inline_validation_answers_with_the_problem_slots_and_saves_nothing(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        section = section_ids(session, survey.id or 0)[0]
        response = post(
            office,
            f"/surveys/builder/{survey.id}/questions/validate",
            {"code": "D1-L", "kind": "likert", "section": str(section), "text_nb": "x", "text_en": "y"},
            headers={"hx-request": "true"},
        )
        assert response.status_code == 200  # type: ignore[attr-defined]
        assert 'id="f-code-error" class="field-error-slot" hx-swap-oob="true"><p class="field-error">' in response.text  # type: ignore[attr-defined]
        assert count(session, Question, col(Question.survey_id) == survey.id) == 8

    def test_inline_validation_does_not_call_fields_not_reached_yet_missing(
        self, office: TestClient[Litestar], survey: Survey
    ) -> None:
        response = post(
            office,
            f"/surveys/builder/{survey.id}/questions/validate",
            {"code": "two words"},
            headers={"hx-request": "true", "hx-trigger-name": "code"},
        )
        text = response.text  # type: ignore[attr-defined]
        assert re.search(r'id="f-code-error"[^>]*><p class="field-error">', text)
        assert re.search(r'id="f-text_nb-error"[^>]*></div>', text)

    def test_add_edit_and_delete_a_question(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        sid = survey.id or 0
        background = section_ids(session, sid)[-1]
        check_labels(office.get(f"/surveys/builder/{sid}/questions/new?section={background}").text)
        data = {
            "code": "B-NEW",
            "kind": "single",
            "section": str(background),
            "text_nb": "Hvilken?",
            "text_en": "Which?",
            "allow_na": "1",
            "options": "a | A nb | A en\nb | B nb | B en",
        }
        assert post(office, f"/surveys/builder/{sid}/questions/new", data).status_code == 303  # type: ignore[attr-defined]
        new_id = question_id(session, sid, "B-NEW")
        edit = office.get(f"/surveys/builder/{sid}/questions/{new_id}/edit")
        check_labels(edit.text)
        assert "a | A nb | A en" in edit.text
        bad = post(office, f"/surveys/builder/{sid}/questions/{new_id}/edit", {**data, "options": "a | A | A"})
        assert bad.status_code == 422  # type: ignore[attr-defined]
        assert "at least two options" in bad.text or "minst to" in bad.text  # type: ignore[attr-defined]
        ok = post(office, f"/surveys/builder/{sid}/questions/{new_id}/edit", {**data, "text_en": "Which one?"})
        assert ok.status_code == 303  # type: ignore[attr-defined]
        assert office.get(f"/surveys/builder/{sid}/questions/{new_id}/delete").status_code == 200
        assert post(office, f"/surveys/builder/{sid}/questions/{new_id}/delete", {}).status_code == 303  # type: ignore[attr-defined]
        assert "B-NEW" not in codes(session, sid)
        actions = session.execute(
            select(AuditEvent.action).where(col(AuditEvent.object_type) == "question").order_by(col(AuditEvent.id))
        ).scalars()
        assert list(actions) == ["create", "update", "delete"]

    def test_reorder_with_plain_forms_and_with_htmx(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        sid = survey.id or 0
        q2 = question_id(session, sid, "D1-Q2")
        plain = post(office, f"/surveys/builder/{sid}/questions/{q2}/move", {"direction": "up"})
        assert plain.status_code == 303  # type: ignore[attr-defined]
        assert plain.headers["location"].endswith(f"#question-{q2}")  # type: ignore[attr-defined]
        assert codes(session, sid)[:3] == ["D1-L", "D1-Q2", "D1-Q1"]
        swapped = post(
            office, f"/surveys/builder/{sid}/questions/{q2}/move", {"direction": "down"}, headers={"hx-request": "true"}
        )
        assert swapped.status_code == 200  # type: ignore[attr-defined]
        assert swapped.text.lstrip().startswith('<div id="builder-sections">')  # type: ignore[attr-defined]
        assert "<html" not in swapped.text  # type: ignore[attr-defined]
        assert codes(session, sid)[:3] == ["D1-L", "D1-Q1", "D1-Q2"]
        d1, d2, background = section_ids(session, sid)
        post(office, f"/surveys/builder/{sid}/sections/{d2}/move", {"direction": "up"})
        assert section_ids(session, sid) == [d2, d1, background]


class TestPreview:
    def test_it_shows_every_page_as_respondents_see_it_in_both_languages(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        sid = survey.id
        start = office.get(f"/surveys/builder/{sid}/preview?lang=en")
        assert "Test survey" in start.text
        first = office.get(f"/surveys/builder/{sid}/preview/1?lang=en")
        assert first.status_code == 200
        assert '<html lang="en">' in first.text
        assert "Level 1" in first.text  # the level cards
        assert "Strongly disagree" in first.text  # the Likert scale
        assert "Page 1 of 3" in first.text
        assert "/answer/" not in first.text  # no autosave
        check_labels(first.text)
        norwegian = office.get(f"/surveys/builder/{sid}/preview/3?lang=nb")
        assert '<html lang="nb">' in norwegian.text
        assert "Rolle?" in norwegian.text
        parser = check_labels(norwegian.text)
        assert parser.legends >= 4  # a fieldset with a legend per question

    def test_going_through_the_preview_writes_nothing(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        sid = survey.id
        audit_before = count(session, AuditEvent)
        step = post(office, f"/surveys/builder/{sid}/preview/1?lang=en", {"q-D1-L": "3", "q-D1-Q1": "4", "go": "next"})
        assert step.status_code == 303  # type: ignore[attr-defined]
        assert step.headers["location"] == f"/surveys/builder/{sid}/preview/2?lang=en"  # type: ignore[attr-defined]
        bad = post(office, f"/surveys/builder/{sid}/preview/3?lang=en", {"q-B-HOURS": "900", "go": "next"})
        assert bad.status_code == 422  # type: ignore[attr-defined]
        assert "at most 60" in bad.text  # type: ignore[attr-defined]
        done = post(office, f"/surveys/builder/{sid}/preview/3?lang=en", {"q-B-HOURS": "6", "go": "next"})
        assert "done=1" in done.headers["location"]  # type: ignore[attr-defined]
        assert count(session, Response) == 0
        assert count(session, Answer) == 0
        assert count(session, AuditEvent) == audit_before
        session.expire_all()
        assert session.get_one(Survey, sid).frozen_at is None


def schedule(office: TestClient[Litestar], survey_id: int, **changes: object) -> object:
    now = utcnow()
    data: dict[str, object] = {
        "name_nb": "Runde",
        "name_en": "Round",
        "period_label": "2025",
        "opens_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "units": ["FAC-A", "FAC-B"],
        "anonymity": "anonymous",
        "min_group_size": "5",
        **changes,
    }
    return post(office, f"/surveys/builder/{survey_id}/rounds/new", data)


class TestFreezingThroughThePages:
    def test_an_edit_after_a_round_opened_makes_version_2(
        self, office: TestClient[Litestar], session: Session, survey: Survey
    ) -> None:
        sid = survey.id or 0
        assert schedule(office, sid).status_code == 303  # type: ignore[attr-defined]
        round_id = session.execute(select(SurveyRound.id)).scalar_one()
        assert post(office, f"/surveys/rounds/{round_id}/open", {}).status_code == 303  # type: ignore[attr-defined]
        before = codes(session, sid)
        target = question_id(session, sid, "D1-Q1")
        edit_page = office.get(f"/surveys/builder/{sid}/questions/{target}/edit")
        assert "new version" in edit_page.text or "ny versjon" in edit_page.text
        d1 = section_ids(session, sid)[0]
        data = {"code": "D1-Q1", "kind": "likert", "section": str(d1), "text_nb": "Nytt?", "text_en": "New?"}
        response = post(office, f"/surveys/builder/{sid}/questions/{target}/edit", data)
        assert response.status_code == 303  # type: ignore[attr-defined]
        version_2 = session.execute(
            select(Survey).where(col(Survey.code) == survey.code, col(Survey.version) == 2)
        ).scalar_one()
        assert response.headers["location"].startswith(f"/surveys/builder/{version_2.id}")  # type: ignore[attr-defined]
        notice = office.get(response.headers["location"]).text  # type: ignore[attr-defined]
        assert "version 2" in notice.lower() or "versjon 2" in notice.lower()
        assert codes(session, sid) == before
        session.expire_all()
        assert session.get_one(Question, target).text_en == "Agree?"
        assert session.get_one(SurveyRound, round_id).survey_id == sid
        version_2_page = office.get(f"/surveys/builder/{version_2.id}").text
        assert "Nytt?" in version_2_page or "New?" in version_2_page
        assert question_id(session, version_2.id or 0, "D1-Q1") != target


class TestRoundsInThePages:
    def test_schedule_open_and_close(self, office: TestClient[Litestar], session: Session, survey: Survey) -> None:
        sid = survey.id or 0
        form = office.get(f"/surveys/builder/{sid}/rounds/new")
        check_labels(form.text)
        bad = schedule(office, sid, min_group_size="1", units=[])
        assert bad.status_code == 422  # type: ignore[attr-defined]
        assert count(session, SurveyRound) == 0
        created = schedule(office, sid)
        assert created.status_code == 303  # type: ignore[attr-defined]
        survey_round = session.execute(select(SurveyRound)).scalar_one()
        assert survey_round.min_group_size == 5
        page = office.get(f"/surveys/rounds/{survey_round.id}")
        assert "scheduled" in page.text or "planlagt" in page.text
        post(office, f"/surveys/rounds/{survey_round.id}/open", {})
        session.expire_all()
        assert session.get_one(SurveyRound, survey_round.id).status(utcnow()) == "open"
        assert session.get_one(Survey, sid).frozen_at is not None
        post(office, f"/surveys/rounds/{survey_round.id}/close", {})
        session.expire_all()
        assert session.get_one(SurveyRound, survey_round.id).closed_at is not None
        actions = session.execute(
            select(AuditEvent.action).where(col(AuditEvent.object_type) == "survey_round").order_by(col(AuditEvent.id))
        ).scalars()
        assert list(actions) == ["create", "open", "close"]

    def test_a_leader_cannot_open_or_close(
        self, client: TestClient[Litestar], people: dict[str, User], open_round: SurveyRound
    ) -> None:
        login(client, "leader@example.org")
        token = csrf_token(client, "/surveys")
        assert client.post(f"/surveys/rounds/{open_round.id}/close", data={"_csrf_token": token}).status_code == 403
