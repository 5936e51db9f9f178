"""Answering by personal link: a respondent opens a round, answers (each answer an idempotent
upsert), submits, and may reopen until the round closes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, bindparam, func, or_, select, text
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from maturity.db import UTCDateTime
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.numbers import NumberProblem, parse_number
from maturity.scoring import question_score
from surveys.invitations import resume_key, token_hash
from surveys.models import (
    SCORED_KINDS,
    Anonymity,
    Answer,
    Invitation,
    InvitationToken,
    Question,
    Response,
    ResponseInvitation,
    Survey,
    SurveyRound,
)
from surveys.rounds import freeze
from surveys.versions import option_codes, questions_of

MAX_TEXT = 5000
NOT_APPLICABLE = "na"


class RoundClosed(Exception):
    """The round is not open: nothing can be written."""


class AlreadySubmitted(Exception):
    """This link's invitation has a submitted response from another link: one response per invitation."""


@dataclass
class Respondent:
    """An open response and what it belongs to, as found from a link token."""

    response: Response
    survey_round: SurveyRound
    survey: Survey
    invitation: Invitation


def _confidential_response(session: Session, invitation: Invitation) -> Response | None:
    """In a confidential round every link of an invitation leads to the same response."""
    return (
        session.execute(
            select(Response)
            .join(ResponseInvitation, col(ResponseInvitation.response_id) == col(Response.id))
            .where(col(ResponseInvitation.invitation_id) == invitation.id)
        )
        .scalars()
        .first()
    )


# The invitation of a link token with its round, its survey version and (once started) its
# response, in one statement; built once, bound per request.
_LOOKUP = (
    select(Invitation, SurveyRound, Survey, Response)
    .join(SurveyRound, col(SurveyRound.id) == col(Invitation.round_id))
    .join(Survey, col(Survey.id) == col(SurveyRound.survey_id))
    .outerjoin(Response, col(Response.resume_hash) == bindparam("key"))
    .where(
        or_(
            col(Invitation.token_hash) == bindparam("token_hash"),
            col(Invitation.id).in_(
                select(col(InvitationToken.invitation_id)).where(
                    col(InvitationToken.token_hash) == bindparam("token_hash")
                )
            ),
        )
    )
)
# … and the question a code names in that survey version, for autosave.
ANSWER_LOOKUP = _LOOKUP.add_columns(Question).outerjoin(
    Question, (col(Question.survey_id) == col(Survey.id)) & (col(Question.code) == bindparam("code"))
)


def open_response(session: Session, token: str, *, secret: str, now: datetime) -> Respondent:
    """The respondent's response (started on first visit). Unknown token → NotFound; a round
    that is not open → RoundClosed; a new link of an invitation whose response is submitted
    (anonymous rounds) → AlreadySubmitted. Nothing is written in those cases."""
    key = resume_key(secret, token)
    row = session.execute(_LOOKUP, {"key": key, "token_hash": token_hash(token)}).first()
    if row is None:
        raise NotFound("invitation")
    invitation, survey_round, survey, response = row
    return _started(session, key, invitation, survey_round, survey, response, now)


def answer_target(
    session: Session, token: str, code: str, *, secret: str, now: datetime
) -> tuple[Respondent, Question | None]:
    """What one autosave needs, in one statement: the respondent as ``open_response`` finds them
    and the question ``code`` of their survey version, if it has one."""
    key = resume_key(secret, token)
    row = session.execute(ANSWER_LOOKUP, {"key": key, "token_hash": token_hash(token), "code": code}).first()
    if row is None:
        raise NotFound("invitation")
    invitation, survey_round, survey, response, question = row
    return _started(session, key, invitation, survey_round, survey, response, now), question


def _started(
    session: Session,
    key: str,
    invitation: Invitation,
    survey_round: SurveyRound,
    survey: Survey,
    response: Response | None,
    now: datetime,
) -> Respondent:
    """The respondent of an open round, their response created on first visit."""
    if not survey_round.is_open(now):
        raise RoundClosed
    if response is None and survey_round.anonymity == Anonymity.CONFIDENTIAL:
        response = _confidential_response(session, invitation)
    if response is None and invitation.used:
        raise AlreadySubmitted
    if response is None:
        response = Response(
            round_id=invitation.round_id,
            unit_id=invitation.unit_id,
            group_id=invitation.group_id,
            resume_hash=key,
            started_at=now,
            updated_at=now,
        )
        session.add(response)
        freeze(session, survey, now)
        session.flush()
        if survey_round.anonymity == Anonymity.CONFIDENTIAL:
            assert response.id is not None
            assert invitation.id is not None
            session.add(ResponseInvitation(response_id=response.id, invitation_id=invitation.id))
            session.flush()
    return Respondent(response, survey_round, survey, invitation)


class AnswerRule(Protocol):
    """What checking and scoring an answer needs of its question: a ``Question``, or the few
    columns autosave reads (``surveys.autosave.QuestionRule``)."""

    @property
    def id(self) -> int | None: ...
    @property
    def code(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def allow_na(self) -> bool: ...
    @property
    def reverse(self) -> bool: ...
    @property
    def min_value(self) -> float | None: ...
    @property
    def max_value(self) -> float | None: ...


def answer_values(session: Session, question: AnswerRule, raw: Sequence[str]) -> dict[str, Any]:
    """The columns of an answer from what the form sent; InvalidInput says what is wrong."""
    values = [v.strip() for v in raw if v is not None and v.strip() != ""]
    empty: dict[str, Any] = {
        "not_applicable": False,
        "number": None,
        "option": None,
        "options": None,
        "text": None,
        "score": None,
    }
    if not values:
        return empty
    if NOT_APPLICABLE in values and question.allow_na and question.kind != "multi":
        return {**empty, "not_applicable": True}

    def bad(message: str, **params: object) -> InvalidInput:
        return InvalidInput([Problem(message, params, path=question.code, value=", ".join(values))])

    kind = question.kind
    if kind in SCORED_KINDS:
        if values[0] not in {"1", "2", "3", "4", "5"}:
            raise bad(N_("Choose one of the options."))
        number = float(values[0])
        return {**empty, "number": number, "score": question_score(kind, number, reverse=question.reverse)}
    if kind == "single":
        if values[0] not in option_codes(session, question.id):
            raise bad(N_("Choose one of the options."))
        return {**empty, "option": values[0]}
    if kind == "multi":
        allowed = option_codes(session, question.id)
        chosen = sorted(set(values) - {NOT_APPLICABLE})
        if any(v not in allowed for v in chosen):
            raise bad(N_("Choose one of the options."))
        return {**empty, "options": chosen} if chosen else {**empty, "not_applicable": question.allow_na}
    if kind == "number":
        try:
            number = float(parse_number(values[0]))
        except NumberProblem as exc:
            raise bad(exc.message, **exc.params) from None
        if question.min_value is not None and number < question.min_value:
            raise bad(N_("Must be at least %(limit)s."), limit=question.min_value)
        if question.max_value is not None and number > question.max_value:
            raise bad(N_("Must be at most %(limit)s."), limit=question.max_value)
        return {**empty, "number": number}
    text = values[0]
    if len(text) > MAX_TEXT:
        raise bad(N_("This text is longer than %(limit)s characters."), limit=MAX_TEXT)
    return {**empty, "text": text}


# The upsert as text: SQLAlchemy cannot cache the compiled form of ``insert().on_conflict_do_update()``,
# and compiling it anew took a quarter of an autosave's time. SQLite and PostgreSQL share the syntax.
_UPSERT = """
INSERT INTO answer (response_id, question_id, not_applicable, number, option, options, text, score, updated_at)
VALUES (:response_id, :question_id, :not_applicable, :number, :option, :options, :text, :score, :updated_at)
ON CONFLICT (response_id, question_id) DO UPDATE SET
    not_applicable = excluded.not_applicable, number = excluded.number, option = excluded.option,
    options = excluded.options, text = excluded.text, score = excluded.score, updated_at = excluded.updated_at"""
_TOUCH = "UPDATE response SET updated_at = :updated_at WHERE id = :response_id"
_TYPES = (bindparam("options", type_=JSON()), bindparam("updated_at", type_=UTCDateTime()))
SAVE_ANSWER = text(_UPSERT).bindparams(*_TYPES)
TOUCH_RESPONSE = text(_TOUCH).bindparams(*_TYPES[1:])
# PostgreSQL: one round trip, the upsert as a data-modifying CTE of the response's update.
SAVE_ANSWER_AND_TOUCH = text(
    "WITH saved AS (" + _UPSERT + "\nRETURNING response_id)\n"  # noqa: S608  # constants, values are bound
    "UPDATE response SET updated_at = :updated_at WHERE id IN (SELECT response_id FROM saved)"
).bindparams(*_TYPES)


def save_answer(
    session: Session, respondent: Respondent, question: Question, raw: Sequence[str], *, now: datetime
) -> dict[str, Any]:
    """Insert or replace the answer to one question: one row per response and question, whatever
    the order or number of saves. The round must still be open."""
    if not respondent.survey_round.is_open(now):
        raise RoundClosed
    if question.survey_id != respondent.survey.id:
        raise NotFound(question.code)
    assert respondent.response.id is not None
    values = write_answer(session, respondent.response.id, question, raw, now=now)
    set_committed_value(respondent.response, "updated_at", now)
    return values


def write_answer(
    session: Session, response_id: int, question: AnswerRule, raw: Sequence[str], *, now: datetime
) -> dict[str, Any]:
    """Check ``raw`` against the question and upsert the answer, touching the response: one
    statement on PostgreSQL. The caller has checked that the response may take it."""
    values = answer_values(session, question, raw)
    row = {"response_id": response_id, "question_id": question.id, "updated_at": now, **values}
    # On the session's connection: a text statement needs nothing of the ORM (no autoflush either
    # way), and going round it saves a tenth of an autosave's CPU.
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(SAVE_ANSWER_AND_TOUCH, row)
    else:
        connection.execute(SAVE_ANSWER, row)
        connection.execute(TOUCH_RESPONSE, row)
    return values


def answers_of(session: Session, response: Response) -> dict[int, Answer]:
    return {
        a.question_id: a
        for a in session.execute(select(Answer).where(col(Answer.response_id) == response.id)).scalars()
    }


def missing_required(session: Session, respondent: Respondent) -> list[Question]:
    answers = answers_of(session, respondent.response)
    return [
        q
        for q in questions_of(session, respondent.survey)
        if q.required and (q.id not in answers or answers[q.id].is_empty())
    ]


def submit(session: Session, respondent: Respondent, *, now: datetime) -> None:
    """Submit, if every required question is answered. The invitation only learns that it was used."""
    if not respondent.survey_round.is_open(now):
        raise RoundClosed
    if respondent.invitation.used and respondent.response.submitted_at is None:
        raise AlreadySubmitted  # another link of this invitation has submitted
    missing = missing_required(session, respondent)
    if missing:
        raise InvalidInput(
            [Problem(N_("This question needs an answer."), path=q.code, value=q.tr("text", "en")) for q in missing]
        )
    response = respondent.response
    response.status = "submitted"
    response.submitted_at = now
    response.updated_at = now
    if not respondent.invitation.used:
        respondent.invitation.used = True
        session.add(respondent.invitation)
    session.add(response)
    session.flush()


def reopen(session: Session, respondent: Respondent, *, now: datetime) -> None:
    """Back to draft, so the answers can change; only while the round is open."""
    if not respondent.survey_round.is_open(now):
        raise RoundClosed
    respondent.response.status = "draft"
    respondent.response.updated_at = now
    session.add(respondent.response)
    session.flush()


def own_profile(session: Session, response: Response) -> dict[int, float]:
    """The respondent's own score per dimension: the mean of their scored answers (SQL)."""
    rows = session.execute(
        select(col(Question.dimension_id), func.avg(col(Answer.score)))
        .join(Question, col(Question.id) == col(Answer.question_id))
        .where(col(Answer.response_id) == response.id, col(Answer.score).is_not(None))
        .group_by(col(Question.dimension_id))
    ).tuples()
    return {dimension_id: float(score) for dimension_id, score in rows if dimension_id is not None}
