"""Save and continue later, resuming at the page left, and the review page with its answers."""

import re

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session

from maturity.db import utcnow
from maturity.settings import Settings
from surveys.answering import open_response, save_answer
from surveys.models import Question
from surveys.review import leave_at, resume_page, review_sections
from tests.factories import csrf_token

EN = {"accept-language": "en"}


class TestSaveAndContinueLater:
    def test_it_confirms_and_the_start_page_resumes_at_the_page_left(
        self, client: TestClient[Litestar], tokens: list[str]
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        client.post(f"/s/{token}/p/1", data={"q-D1-L": "4", "go": "next", "_csrf_token": csrf})
        later = client.post(f"/s/{token}/p/2", data={"q-D2-L": "3", "go": "later", "_csrf_token": csrf}, headers=EN)
        assert later.status_code == 200  # followed to the start page
        assert str(later.url).endswith(f"/s/{token}")
        assert "Your answers are saved." in later.text
        assert "you will continue on page 2 of 3" in later.text
        assert re.search(r'role="status">[^<]*Your answers are saved', later.text)

        # the link opened again, later: the first button leads back to page 2, named
        again = client.get(f"/s/{token}", headers=EN)
        assert "Your answers are saved." not in again.text  # the flash was shown once
        first = re.search(r'<a class="button button--primary" href="([^"]+)">([^<]+)</a>', again.text)
        assert first is not None
        assert first.group(1) == f"/s/{token}/p/2"
        assert "Continue on page 2 of 3: Dimension two" in first.group(2)
        assert f'href="/s/{token}/p/1"' in again.text  # and the first page is still one click away

    def test_a_first_visit_starts_at_page_one(self, client: TestClient[Litestar], tokens: list[str]) -> None:
        start = client.get(f"/s/{tokens[0]}", headers=EN)
        first = re.search(r'<a class="button button--primary" href="([^"]+)">([^<]+)</a>', start.text)
        assert first is not None
        assert first.group(1) == f"/s/{tokens[0]}/p/1"
        assert first.group(2) == "Start"

    def test_moving_on_remembers_the_page_moved_to(
        self, client: TestClient[Litestar], session: Session, tokens: list[str]
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        client.post(f"/s/{token}/p/1", data={"go": "next", "_csrf_token": csrf})
        client.post(f"/s/{token}/p/2", data={"go": "next", "_csrf_token": csrf})
        client.post(f"/s/{token}/p/3", data={"go": "previous", "_csrf_token": csrf})
        again = client.get(f"/s/{token}", headers=EN)
        assert "Continue on page 2 of 3" in again.text


class TestResumePageService:
    def test_it_keeps_the_page_within_the_survey(self, session: Session, tokens: list[str], settings: Settings) -> None:
        respondent = open_response(session, tokens[0], secret=settings.secret_key, now=utcnow())
        assert resume_page(respondent.response, 3) is None
        leave_at(session, respondent.response, 9, 3)
        assert resume_page(respondent.response, 3) == 3
        leave_at(session, respondent.response, 0, 3)
        assert resume_page(respondent.response, 3) == 1
        assert resume_page(respondent.response, 0) is None  # a survey without that page any more


class TestReviewPage:
    def test_it_names_each_page_and_shows_the_answers_given(
        self, client: TestClient[Litestar], tokens: list[str]
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        client.post(f"/s/{token}/p/1", data={"q-D1-L": "4", "q-D1-Q1": "5", "q-D1-Q2": "na", "_csrf_token": csrf})
        client.post(
            f"/s/{token}/p/3",
            data={
                "q-B-ROLE": "admin",
                "q-B-TOOLS": ["", "canvas", "teams"],
                "q-B-HOURS": "7,5",
                "q-B-TEXT": "Færre skjemaer",
                "_csrf_token": csrf,
            },
        )
        review = client.get(f"/s/{token}/review", headers=EN)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.text))
        assert "Page 1 of 3" in text
        assert re.search(r"Dimension one · Page 1 of 3", text)
        assert re.search(r"Dimension two · Page 2 of 3", text)
        assert re.search(r"About you · Page 3 of 3", text)
        assert "Level? 4. Level 4" in text
        assert "Agree? Strongly agree" in text
        assert "Hard? Not applicable / don't know" in text
        assert "Role? Administrative" in text
        assert "Tools? Canvas; Teams" in text
        assert "Hours? 7.5" in text
        assert "Change? Færre skjemaer" in text
        # the one required question left open is marked where it is and listed at the top
        assert "Level? No answer yet (required)" in text
        assert "1 required question has no answer yet" in text
        assert f'href="/s/{token}/p/2"' in review.text

    def test_a_page_with_nothing_answered_says_so_once_and_lists_only_its_required_questions(
        self, client: TestClient[Litestar], tokens: list[str]
    ) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        client.post(f"/s/{token}/p/1", data={"q-D1-L": "4", "_csrf_token": csrf})
        review = client.get(f"/s/{token}/review", headers=EN)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.text))
        # page 1 has an answer: every question is listed, the optional one left open too
        assert "Level? 4. Level 4" in text
        assert "Hard? No answer" in text
        # page 2 has none: said once, and its required question is still named
        assert re.search(
            r"Dimension two · Page 2 of 3 Nothing answered on this page yet\. Level\? No answer yet \(required\)", text
        )
        # page 3 (all optional, none answered): one line instead of a row per question
        assert re.search(r"About you · Page 3 of 3 Nothing answered on this page yet\. Change the answers", text)
        assert "Role?" not in text
        assert text.count("Nothing answered on this page yet.") == 2

    def test_it_is_in_norwegian_too(self, client: TestClient[Litestar], tokens: list[str]) -> None:
        token = tokens[0]
        csrf = csrf_token(client, f"/s/{token}/p/1")
        client.post(f"/s/{token}/p/1", data={"q-D1-Q1": "2", "_csrf_token": csrf})
        review = client.get(f"/s/{token}/review", headers={"accept-language": "nb"})
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", review.text))
        assert "Dimensjon en · Side 1 av 3" in text
        assert "Enig? Uenig" in text

    def test_the_service_reads_the_survey_in_a_few_statements(
        self, session: Session, tokens: list[str], settings: Settings
    ) -> None:
        respondent = open_response(session, tokens[0], secret=settings.secret_key, now=utcnow())
        question = session.execute(select(Question).where(Question.code == "B-TOOLS")).scalars().one()
        save_answer(session, respondent, question, ["teams"], now=utcnow())
        sections = review_sections(session, respondent)
        assert [s.number for s in sections] == [1, 2, 3]
        assert [s.dimension.code if s.dimension else None for s in sections] == ["D1", "D2", None]
        tools = next(a for a in sections[2].answers if a.question.code == "B-TOOLS")
        assert [o.code for o in tools.options] == ["teams"]
        assert sections[2].answered == 1
        assert [a.question.code for s in sections for a in s.answers if a.missing] == ["D1-L", "D1-Q1", "D2-L"]
