"""Answering a survey through HTTP by personal link, with and without JavaScript."""

import re
from datetime import timedelta

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.db import utcnow
from surveys.models import Answer, Response, SurveyRound
from tests.factories import csrf_token


def count(session: Session, model: type, *where: object) -> int:
    session.expire_all()
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def answers(session: Session) -> dict[str, object]:
    from surveys.models import Question

    session.expire_all()
    rows = session.execute(
        select(Question.code, Answer).join(Answer, col(Answer.question_id) == col(Question.id))
    ).tuples()
    return {
        code: a.number
        if a.number is not None
        else (a.option or a.options or a.text or ("na" if a.not_applicable else None))
        for code, a in rows
    }


class TestWithoutJavaScript:
    def test_the_whole_survey_can_be_completed_with_plain_forms(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        token = tokens[0]
        start = client.get(f"/s/{token}", headers={"accept-language": "en"})
        assert start.status_code == 200
        assert "The survey has 3 pages." in start.text
        csrf = csrf_token(client, f"/s/{token}/p/1")

        page1 = client.post(
            f"/s/{token}/p/1",
            data={"q-D1-L": "4", "q-D1-Q1": "5", "q-D1-Q2": "na", "go": "next", "_csrf_token": csrf},
            follow_redirects=False,
        )
        assert page1.status_code == 303
        assert page1.headers["location"] == f"/s/{token}/p/2"
        later = client.post(f"/s/{token}/p/2", data={"go": "later", "_csrf_token": csrf}, follow_redirects=False)
        assert later.headers["location"] == f"/s/{token}"

        # resume later from the same link: the answers are there
        resumed = client.get(f"/s/{token}/p/1")
        assert re.search(r'id="a-D1-L-4" name="q-D1-L" value="4" checked', resumed.text)

        client.post(f"/s/{token}/p/2", data={"q-D2-L": "2", "go": "next", "_csrf_token": csrf})
        last = client.post(
            f"/s/{token}/p/3",
            data={
                "q-B-ROLE": "admin",
                "q-B-TOOLS": ["", "canvas", "teams"],
                "q-B-HOURS": "7,5",
                "q-B-TEXT": "Færre skjemaer",
                "go": "next",
                "_csrf_token": csrf,
            },
            follow_redirects=False,
        )
        assert last.headers["location"] == f"/s/{token}/review"
        review = client.get(f"/s/{token}/review", headers={"accept-language": "en"})
        assert "All required questions have an answer." in review.text

        done = client.post(f"/s/{token}/submit", data={"_csrf_token": csrf}, headers={"accept-language": "en"})
        assert done.status_code == 200
        assert "Your own profile" in done.text
        assert count(session, Response, col(Response.status) == "submitted") == 1
        assert answers(session) == {
            "D1-L": 4,
            "D1-Q1": 5,
            "D1-Q2": "na",
            "D2-L": 2,
            "B-ROLE": "admin",
            "B-TOOLS": ["canvas", "teams"],
            "B-HOURS": 7.5,
            "B-TEXT": "Færre skjemaer",
        }

    def test_submitting_with_unanswered_required_questions_lists_them(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        response = client.post(f"/s/{token}/submit", data={"_csrf_token": csrf}, headers={"accept-language": "en"})
        assert response.status_code == 422
        assert "3 required questions have no answer yet" in response.text
        assert f'href="/s/{token}/p/1#question-D1-L"' in response.text
        assert count(session, Response, col(Response.status) == "submitted") == 0

    def test_a_bad_answer_saves_nothing_on_the_page(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/3")
        response = client.post(
            f"/s/{token}/p/3",
            data={"q-B-ROLE": "admin", "q-B-HOURS": "99", "go": "next", "_csrf_token": csrf},
            headers={"accept-language": "en"},
        )
        assert response.status_code == 422
        assert "Must be at most 60" in response.text
        assert count(session, Answer) == 0


class TestWithHtmx:
    def test_each_answer_saves_itself_and_says_so(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        token = tokens[0]
        headers = {"hx-request": "true", "x-csrftoken": csrf_token(client, f"/s/{token}/p/1"), "accept-language": "en"}
        for value in ("2", "3", "5"):
            saved = client.post(f"/s/{token}/answer/D1-Q1", data={"q-D1-Q1": value}, headers=headers)
            assert saved.status_code == 200
            assert saved.text.strip() == "Saved"
        assert answers(session) == {"D1-Q1": 5}
        bad = client.post(f"/s/{token}/answer/D1-Q1", data={"q-D1-Q1": "9"}, headers=headers)
        assert bad.status_code == 422
        assert "Choose one of the options." in bad.text
        assert answers(session) == {"D1-Q1": 5}

    def test_an_autosave_writes_only_its_own_links_response_even_as_its_first_request(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        mine, theirs = tokens
        headers = {"hx-request": "true", "x-csrftoken": csrf_token(client, f"/s/{mine}/p/1"), "accept-language": "en"}
        client.post(f"/s/{mine}/answer/D1-L", data={"q-D1-L": "2"}, headers=headers)
        # The other link was never opened: its first autosave starts its response.
        saved = client.post(f"/s/{theirs}/answer/D1-L", data={"q-D1-L": "4"}, headers=headers)
        assert saved.status_code == 200
        assert saved.text == "Saved"
        assert "nosniff" in saved.headers["x-content-type-options"]
        assert count(session, Response) == 2
        session.expire_all()
        scores = session.execute(select(Answer.response_id, Answer.number).order_by(col(Answer.number))).all()
        assert [number for _, number in scores] == [2, 4]
        assert scores[0][0] != scores[1][0]

    def test_an_autosave_is_refused_without_csrf_token_link_or_question_and_writes_nothing(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        token = tokens[0]
        headers = {"hx-request": "true", "x-csrftoken": csrf_token(client, f"/s/{token}/p/1"), "accept-language": "en"}
        forged = client.post(f"/s/{token}/answer/D1-L", data={"q-D1-L": "3"}, headers={"hx-request": "true"})
        assert forged.status_code == 403
        unknown = client.post("/s/not-a-real-token/answer/D1-L", data={"q-D1-L": "3"}, headers=headers)
        assert unknown.status_code == 404
        assert "This link does not work" in unknown.text
        assert client.post(f"/s/{token}/answer/NO-SUCH", data={"q-NO-SUCH": "3"}, headers=headers).status_code == 404
        assert count(session, Answer) == 0

    def test_pages_answer_htmx_and_plain_requests(self, client: TestClient[Litestar], tokens: list[str]) -> None:
        token = tokens[0]
        plain = client.get(f"/s/{token}/p/1")
        boosted = client.get(f"/s/{token}/p/1", headers={"hx-request": "true", "hx-boosted": "true"})
        assert plain.status_code == boosted.status_code == 200
        assert "<html" in plain.text
        assert "<html" in boosted.text


class TestAccessibility:
    def test_every_question_is_a_fieldset_with_a_legend_and_every_input_has_a_label(
        self, client: TestClient[Litestar], tokens: list[str]
    ) -> None:
        for number in (1, 2, 3):
            html = client.get(f"/s/{tokens[0]}/p/{number}").text
            fieldsets = re.findall(r"<fieldset\b.*?</fieldset>", html, re.S)
            assert fieldsets
            assert all("<legend>" in f for f in fieldsets)
            ids = re.findall(r'<(?:input|textarea|select)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
            labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
            assert ids
            assert set(ids) <= labelled, set(ids) - labelled
            inputs = re.findall(r'<(?:input|textarea)\b(?![^>]*type="hidden")[^>]*>', html)
            assert all(" id=" in i for i in inputs)


class TestLinksAndRounds:
    def test_an_unknown_link_gets_a_clear_page_and_writes_nothing(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        response = client.get("/s/not-a-real-token", headers={"accept-language": "en"})
        assert response.status_code == 404
        assert "This link does not work" in response.text
        assert count(session, Response) == 0

    def test_a_closed_round_gets_a_clear_page_and_takes_no_answers(
        self, client: TestClient[Litestar], session: Session, tokens: list[str], open_round: SurveyRound
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        rnd = session.get_one(SurveyRound, open_round.id)
        rnd.closed_at = utcnow() - timedelta(seconds=1)
        session.commit()
        page = client.get(f"/s/{token}/p/1", headers={"accept-language": "en"})
        assert page.status_code == 410
        assert "The survey is closed" in page.text
        saved = client.post(f"/s/{token}/answer/D1-Q1", data={"q-D1-Q1": "3"}, headers={"x-csrftoken": csrf})
        assert saved.status_code == 410
        assert count(session, Answer) == 0

    def test_one_link_cannot_see_another_links_answers(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        mine, theirs = tokens
        csrf = csrf_token(client, f"/s/{mine}/p/1")
        client.post(f"/s/{mine}/p/1", data={"q-D1-L": "5", "go": "next", "_csrf_token": csrf})
        other = client.get(f"/s/{theirs}/p/1")
        assert "checked" not in other.text
