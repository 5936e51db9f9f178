"""Autosave, the most frequent request of the app: find what one answer needs with one statement
of plain columns (no ORM objects), check it, and write it with one more.

The checks are those of ``answer_target`` and ``save_answer``: the link names an invitation, its
round is open, the response exists (a first visit goes the full way, which starts it), the
question belongs to the round's survey version, and the value fits the question.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col

from maturity.errors import NotFound
from surveys.answering import ANSWER_LOOKUP, RoundClosed, answer_target, write_answer
from surveys.invitations import resume_key, token_hash
from surveys.models import Question, Response, SurveyRound, round_is_open


@dataclass(frozen=True, slots=True)
class QuestionRule:
    """The columns of a question that checking and scoring an answer read (``AnswerRule``)."""

    id: int
    code: str
    kind: str
    allow_na: bool
    reverse: bool
    min_value: float | None
    max_value: float | None


_RULE_COLUMNS = (
    col(Question.id),
    col(Question.code),
    col(Question.kind),
    col(Question.allow_na),
    col(Question.reverse),
    col(Question.min_value),
    col(Question.max_value),
)
# The lookup of ``answer_target`` (same joins and conditions), reading only what autosave needs.
_AUTOSAVE_LOOKUP = ANSWER_LOOKUP.with_only_columns(
    col(SurveyRound.opens_at),
    col(SurveyRound.closes_at),
    col(SurveyRound.closed_at),
    col(Response.id),
    *_RULE_COLUMNS,
)


class UnknownLink(NotFound):
    """No invitation has this link."""


def autosave(session: Session, token: str, code: str, raw: Sequence[str], *, secret: str, now: datetime) -> None:
    """Save one answer given through the link ``token``. Unknown link → ``UnknownLink``; a round
    that is not open → ``RoundClosed``; no question ``code`` in the survey → ``NotFound``; a
    value that does not fit → ``InvalidInput``. Nothing is written in those cases."""
    key = resume_key(secret, token)
    # Plain columns need nothing of the ORM: executed on the session's connection.
    params = {"key": key, "token_hash": token_hash(token), "code": code}
    row = session.connection().execute(_AUTOSAVE_LOOKUP, params).first()
    if row is None:
        raise UnknownLink(token)
    opens_at, closes_at, closed_at, response_id, question_id = row[:5]
    if response_id is None:  # the first visit: start the response the way every page does
        try:
            respondent, question = answer_target(session, token, code, secret=secret, now=now)
        except NotFound:
            raise UnknownLink(token) from None
        if question is None:
            raise NotFound(code)
        assert respondent.response.id is not None
        write_answer(session, respondent.response.id, question, raw, now=now)
        return
    if not round_is_open(opens_at, closes_at, closed_at, now):
        raise RoundClosed
    if question_id is None:
        raise NotFound(code)
    write_answer(session, response_id, QuestionRule(*row[4:]), raw, now=now)
