"""Surveys as files, rounds, invitations and answering, on the real database."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, select
from sqlmodel import Session, col

from maturity.db import Database, utcnow
from maturity.errors import InvalidInput, NotFound
from surveys.answering import RoundClosed, open_response, own_profile, reopen, save_answer, submit
from surveys.invitations import Invitee, invite, token_hash
from surveys.models import (
    Answer,
    Invitation,
    Question,
    Response,
    ResponseInvitation,
    Survey,
    SurveyRound,
)
from surveys.rounds import create_round
from surveys.survey_file import import_survey
from tests.surveys.conftest import ACTOR, SURVEY_YAML

SECRET = "test-secret-" + "x" * 30


def question(session: Session, code: str) -> Question:
    return session.execute(select(Question).where(col(Question.code) == code)).scalars().one()


def count(session: Session, model: type, *where: object) -> int:
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


class TestSurveyFile:
    def test_it_builds_sections_questions_and_options(self, session: Session, survey: Survey) -> None:
        kinds = dict(session.execute(select(Question.kind, func.count()).group_by(Question.kind)).tuples().all())
        assert kinds == {"level": 2, "likert": 2, "single": 1, "multi": 1, "number": 1, "text": 1}
        likert = question(session, "D1-Q1")
        assert likert.dimension_id is not None
        assert likert.indicator_id is not None
        assert question(session, "B-ROLE").dimension_id is None

    def test_a_frozen_survey_gets_a_new_version_and_an_unfrozen_one_is_replaced(
        self, session: Session, survey: Survey
    ) -> None:
        again = import_survey(session, SURVEY_YAML.replace('"Enig?"', '"Enig nå?"').encode(), ACTOR)
        assert (again.id, again.version) == (survey.id, 1)
        again.frozen_at = utcnow()
        session.flush()
        third = import_survey(session, SURVEY_YAML.encode(), ACTOR)
        assert third.version == 2
        assert count(session, Question, col(Question.survey_id) == survey.id) == 8  # the frozen one is untouched

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            (("dimension: D2", "dimension: D9"), "sections[1].dimension"),
            (("code: D1-Q2", "code: D1-Q1"), "sections[0].questions[2].code"),
            (("indicator: G1.I1", "indicator: G9.I9"), "sections[0].questions[1].indicator"),
            (("kind: text, text", "kind: text, reverse: true, text"), "background[3].reverse"),
            (("maturity_model: test-model", "maturity_model: nope"), "maturity_model"),
            (('kind: likert, text: {nb: "Enig?"', 'kind: scale, text: {nb: "Enig?"'), "sections[0].questions[1].kind"),
        ],
    )
    def test_problems_name_their_place_and_nothing_is_written(
        self, session: Session, strategy: object, change: tuple[str, str], path: str
    ) -> None:
        assert change[0] in SURVEY_YAML
        with pytest.raises(InvalidInput) as caught:
            import_survey(session, SURVEY_YAML.replace(*change).encode(), ACTOR)
        assert path in [p.path for p in caught.value.problems]
        assert count(session, Survey) == 0


class TestRoundsAndInvitations:
    def test_only_hashes_of_link_tokens_are_stored(self, session: Session, tokens: list[str]) -> None:
        stored = set(session.execute(select(Invitation.token_hash)).scalars())
        assert stored == {token_hash(t) for t in tokens}
        assert not stored & set(tokens)

    def test_invitations_are_all_or_nothing(self, session: Session, open_round: SurveyRound) -> None:
        with pytest.raises(InvalidInput) as caught:
            invite(
                session,
                open_round,
                [
                    Invitee("ok@example.org", "DEP-A1", "academic", line=2),
                    Invitee("ok@example.org", "DEP-A2", None, line=3),  # twice
                    Invitee("x@example.org", "DEP-B1", None, line=4),  # outside the round's units
                    Invitee("y@example.org", "DEP-A1", "nope", line=5),
                ],
                actor=ACTOR,
            )
        assert [(p.line, p.column) for p in caught.value.problems] == [(3, "email"), (4, "unit"), (5, "group")]
        assert count(session, Invitation) == 0

    def test_a_round_must_close_after_it_opens(self, session: Session, survey: Survey) -> None:
        now = utcnow()
        with pytest.raises(InvalidInput):
            create_round(
                session,
                survey,
                name_nb="x",
                name_en="x",
                period_label="2026",
                opens_at=now,
                closes_at=now,
                unit_codes=["UNI"],
                actor=ACTOR,
            )


class TestAnswering:
    def test_an_unknown_token_finds_nothing_and_writes_nothing(self, session: Session, tokens: list[str]) -> None:
        with pytest.raises(NotFound):
            open_response(session, "not-a-token", secret=SECRET, now=utcnow())
        assert count(session, Response) == 0

    def test_the_same_link_resumes_the_same_response(self, session: Session, tokens: list[str]) -> None:
        first = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        again = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        other = open_response(session, tokens[1], secret=SECRET, now=utcnow())
        assert first.response.id == again.response.id
        assert other.response.id != first.response.id

    def test_a_token_cannot_write_another_tokens_response(self, session: Session, tokens: list[str]) -> None:
        mine = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        theirs = open_response(session, tokens[1], secret=SECRET, now=utcnow())
        save_answer(session, mine, question(session, "D1-L"), ["4"], now=utcnow())
        assert count(session, Answer, col(Answer.response_id) == theirs.response.id) == 0
        assert count(session, Answer, col(Answer.response_id) == mine.response.id) == 1

    def test_scores_follow_the_rules(self, session: Session, tokens: list[str]) -> None:
        r = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        assert save_answer(session, r, question(session, "D1-L"), ["4"], now=utcnow())["score"] == 75
        assert save_answer(session, r, question(session, "D1-Q1"), ["5"], now=utcnow())["score"] == 100
        assert save_answer(session, r, question(session, "D1-Q2"), ["2"], now=utcnow())["score"] == 75  # reversed
        na = save_answer(session, r, question(session, "D2-L"), ["na"], now=utcnow())
        assert na["not_applicable"] is True
        assert na["score"] is None  # excluded, not zero
        profile = own_profile(session, r.response)
        assert sorted(profile.values()) == [pytest.approx(250 / 3)]  # D1 only: (75 + 100 + 75) / 3

    @pytest.mark.parametrize(
        ("code", "raw"),
        [("D1-L", ["6"]), ("D1-Q1", ["x"]), ("B-ROLE", ["boss"]), ("B-TOOLS", ["canvas", "fax"]), ("B-HOURS", ["61"])],
    )
    def test_bad_answers_are_refused(self, session: Session, tokens: list[str], code: str, raw: list[str]) -> None:
        r = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        with pytest.raises(InvalidInput):
            save_answer(session, r, question(session, code), raw, now=utcnow())
        assert count(session, Answer) == 0

    def test_repeated_saves_leave_one_row_with_the_last_value(self, session: Session, tokens: list[str]) -> None:
        r = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        q = question(session, "D1-Q1")
        for value in ["1", "2", "5", "3"]:
            save_answer(session, r, q, [value], now=utcnow())
        rows = session.execute(select(Answer).where(col(Answer.question_id) == q.id)).scalars().all()
        assert [a.number for a in rows] == [3]

    def test_concurrent_saves_leave_one_row_with_the_last_value(
        self, db: Database, session: Session, tokens: list[str]
    ) -> None:
        with db.transaction() as s:
            open_response(s, tokens[0], secret=SECRET, now=utcnow())
        q_id = question(session, "D1-Q1").id
        errors: list[BaseException] = []

        def autosave(value: str) -> None:
            try:
                for _ in range(5):
                    with db.transaction() as s:
                        r = open_response(s, tokens[0], secret=SECRET, now=utcnow())
                        save_answer(s, r, s.get_one(Question, q_id), [value], now=utcnow())
            except BaseException as exc:  # reported after the threads end
                errors.append(exc)

        threads = [threading.Thread(target=autosave, args=(str(n % 5 + 1),)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with db.transaction() as s:
            r = open_response(s, tokens[0], secret=SECRET, now=utcnow())
            save_answer(s, r, s.get_one(Question, q_id), ["2"], now=utcnow())
        session.expire_all()
        rows = session.execute(select(Answer).where(col(Answer.question_id) == q_id)).scalars().all()
        assert [a.number for a in rows] == [2]

    def test_a_closed_round_refuses_answers_and_writes_nothing(
        self, session: Session, tokens: list[str], open_round: SurveyRound
    ) -> None:
        r = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        later = open_round.closes_at + timedelta(seconds=1)
        with pytest.raises(RoundClosed):
            save_answer(session, r, question(session, "D1-L"), ["3"], now=later)
        with pytest.raises(RoundClosed):
            open_response(session, tokens[1], secret=SECRET, now=later)
        open_round.closed_at = utcnow()
        session.flush()
        with pytest.raises(RoundClosed):
            submit(session, r, now=utcnow())
        assert count(session, Answer) == 0
        assert count(session, Response) == 1  # only the one opened while the round was open

    def test_submitting_needs_the_required_answers_and_marks_the_invitation_used(
        self, session: Session, tokens: list[str]
    ) -> None:
        r = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        save_answer(session, r, question(session, "D1-L"), ["3"], now=utcnow())
        with pytest.raises(InvalidInput) as caught:
            submit(session, r, now=utcnow())
        assert [p.path for p in caught.value.problems] == ["D1-Q1", "D2-L"]
        save_answer(session, r, question(session, "D1-Q1"), ["4"], now=utcnow())
        save_answer(session, r, question(session, "D2-L"), ["na"], now=utcnow())  # "don't know" is an answer
        submit(session, r, now=utcnow())
        assert r.response.status == "submitted"
        assert r.invitation.used is True
        reopen(session, r, now=utcnow())
        assert r.response.status == "draft"


class TestAnonymity:
    def test_no_column_of_a_response_leads_to_an_invitation_a_person_or_an_email(self, db: Database) -> None:
        inspector = inspect(db.engine)
        columns = {c["name"] for c in inspector.get_columns("response")}
        targets = {fk["referred_table"] for fk in inspector.get_foreign_keys("response")}
        assert "invitation" not in targets
        assert "app_user" not in targets
        assert not {"email", "invitation_id", "user_id", "token_hash"} & columns
        invitation_columns = {c["name"] for c in inspector.get_columns("invitation")}
        assert not {
            c for c in invitation_columns if c.endswith("_at") and c not in ("created_at", "sent_at", "reminded_at")
        }

    def test_an_anonymous_round_keeps_no_link_in_the_data(self, session: Session, tokens: list[str]) -> None:
        r = open_response(session, tokens[0], secret=SECRET, now=utcnow())
        save_answer(session, r, question(session, "D1-L"), ["3"], now=utcnow())
        assert count(session, ResponseInvitation) == 0
        stored = session.execute(select(Response)).scalars().one()
        invitation_values = {v for row in session.execute(select(Invitation.token_hash, Invitation.email)) for v in row}
        assert stored.resume_hash not in invitation_values

    def test_a_confidential_round_links_for_reminders(self, session: Session, survey: Survey) -> None:
        now = utcnow()
        confidential = create_round(
            session,
            survey,
            name_nb="K",
            name_en="C",
            period_label="2026",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            unit_codes=["UNI"],
            anonymity="confidential",
            actor=ACTOR,
        )
        [(invitation, token)] = invite(session, confidential, [Invitee("c@example.org", "DEP-B1")], actor=ACTOR)
        r = open_response(session, token, secret=SECRET, now=utcnow())
        link = session.execute(select(ResponseInvitation)).scalars().one()
        assert (link.response_id, link.invitation_id) == (r.response.id, invitation.id)
