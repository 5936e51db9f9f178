"""Surveys (versioned), their sections and questions, rounds, invitations, responses, answers.

Anonymity: the response table has no column that leads to an invitation, a person or an
e-mail address. An invitation keeps only whether it was used (a flag, not a time that could be
matched against a response's). A respondent finds their response again through
``resume_hash``, a keyed hash of their secret link token that cannot be computed from anything
stored. Only in a ``confidential`` round does ``ResponseInvitation`` link the two, for
reminders about unfinished responses; it is never shown.
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

from maturity.bilingual import Bilingual
from maturity.db import UTCDateTime, utcnow


class QuestionKind(StrEnum):
    LEVEL = "level"  # one of the dimension's five level descriptors
    LIKERT = "likert"  # agreement 1–5
    SINGLE = "single"
    MULTI = "multi"
    NUMBER = "number"
    TEXT = "text"


SCORED_KINDS = (QuestionKind.LEVEL, QuestionKind.LIKERT)


class Anonymity(StrEnum):
    ANONYMOUS = "anonymous"
    CONFIDENTIAL = "confidential"


class RespondentGroup(Bilingual, SQLModel, table=True):
    """A perspective reports compare: academic staff, technical and administrative staff, leaders."""

    __tablename__ = "respondent_group"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_nb: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    position: int = 0


class Survey(Bilingual, SQLModel, table=True):
    """One version of a survey. Once a round has opened it is frozen; editing makes a new version."""

    __tablename__ = "survey"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60)
    version: int = 1
    title_nb: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    intro_nb: str = Field(default="", sa_type=Text)
    intro_en: str = Field(default="", sa_type=Text)
    thanks_nb: str = Field(default="", sa_type=Text)
    thanks_en: str = Field(default="", sa_type=Text)
    maturity_model_id: int | None = Field(default=None, foreign_key="maturity_model.id", ondelete="SET NULL")
    likert_labels: list[dict[str, str]] = Field(default_factory=list, sa_type=JSON)  # five {nb, en}, 1 … 5
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    frozen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SurveySection(Bilingual, SQLModel, table=True):
    """A page of the survey: one per dimension, and the background questions last."""

    __tablename__ = "survey_section"

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    dimension_id: int | None = Field(default=None, foreign_key="dimension.id", ondelete="RESTRICT")
    intro_nb: str = Field(default="", sa_type=Text)
    intro_en: str = Field(default="", sa_type=Text)
    position: int = 0


class Question(Bilingual, SQLModel, table=True):
    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("survey_id", "code"),
        CheckConstraint("kind IN ('level', 'likert', 'single', 'multi', 'number', 'text')", name="known_kind"),
        CheckConstraint("kind NOT IN ('level', 'likert') OR dimension_id IS NOT NULL", name="scored_has_dimension"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    section_id: int = Field(foreign_key="survey_section.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    kind: str = Field(sa_type=String(10))
    text_nb: str = Field(sa_type=Text)
    text_en: str = Field(sa_type=Text)
    help_nb: str = Field(default="", sa_type=Text)
    help_en: str = Field(default="", sa_type=Text)
    required: bool = False
    allow_na: bool = True  # offers "not applicable / don't know", which is excluded from scores
    reverse: bool = False  # scored 100 − s
    dimension_id: int | None = Field(default=None, foreign_key="dimension.id", index=True, ondelete="RESTRICT")
    # The table belongs to the indicators package; surveys name it without importing it.
    indicator_id: int | None = Field(default=None, foreign_key="success_indicator.id", ondelete="SET NULL")
    min_value: float | None = None  # number questions
    max_value: float | None = None
    unit_nb: str = Field(default="", max_length=60)
    unit_en: str = Field(default="", max_length=60)
    position: int = 0


class QuestionOption(Bilingual, SQLModel, table=True):
    __tablename__ = "question_option"
    __table_args__ = (UniqueConstraint("question_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    text_nb: str = Field(max_length=300)
    text_en: str = Field(max_length=300)
    position: int = 0


def round_is_open(opens_at: datetime, closes_at: datetime, closed_at: datetime | None, now: datetime) -> bool:
    """A round takes answers from its opening until it closes, or until it is closed by hand."""
    return opens_at <= now < closes_at and closed_at is None


class SurveyRound(Bilingual, SQLModel, table=True):
    """A wave of a survey, open between two moments, for some units."""

    __tablename__ = "survey_round"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="closes_after_opening"),
        CheckConstraint("anonymity IN ('anonymous', 'confidential')", name="known_anonymity"),
        CheckConstraint("min_group_size >= 2", name="group_size_at_least_2"),
    )

    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="RESTRICT")
    name_nb: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    period_label: str = Field(max_length=20)
    opens_at: datetime = Field(sa_type=UTCDateTime)
    closes_at: datetime = Field(sa_type=UTCDateTime)
    # When it opened and closed: by hand, or at its times by the schedule task (surveys.tasks).
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    anonymity: str = Field(default=Anonymity.ANONYMOUS, sa_type=String(12))
    min_group_size: int = 5  # k: no figure from fewer respondents is shown anywhere
    # the strategy office sees exact response counts below k (to follow the round up); leaders,
    # the API and reports read "fewer than k" either way
    office_exact_counts: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def is_open(self, now: datetime) -> bool:
        return round_is_open(self.opens_at, self.closes_at, self.closed_at, now)

    def status(self, now: datetime) -> str:
        if self.closed_at is not None or now >= self.closes_at:
            return "closed"
        return "open" if now >= self.opens_at else "scheduled"


class RoundUnit(SQLModel, table=True):
    """A unit a round is for (with everything below it)."""

    __tablename__ = "round_unit"
    __table_args__ = (UniqueConstraint("round_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", index=True, ondelete="CASCADE")


class Invitation(SQLModel, table=True):
    """One person's single-use link to a round. Only the SHA-256 of the link's token is stored."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("round_id", "email"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    email: str = Field(max_length=254)
    unit_id: int = Field(foreign_key="org_unit.id", index=True, ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="respondent_group.id", ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True, ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used: bool = False  # submitted at least once; a flag only, see the module docstring


class InvitationToken(SQLModel, table=True):
    """A further link to the same invitation, minted for a reminder or from My surveys (the
    server never keeps a token, so it cannot resend the first one). Only the SHA-256 is kept,
    with no time and no sequence number: nothing to line up with a response's timestamps."""

    __tablename__ = "invitation_token"

    token_hash: str = Field(max_length=64, primary_key=True)
    invitation_id: int = Field(foreign_key="invitation.id", index=True, ondelete="CASCADE")


class Response(SQLModel, table=True):
    """One respondent's answers to a round: unit and group, never a person in anonymous rounds."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted')", name="known_status"),
        Index("ix_response_round_status_unit", "round_id", "status", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", index=True, ondelete="CASCADE")
    group_id: int | None = Field(default=None, foreign_key="respondent_group.id", ondelete="SET NULL")
    status: str = Field(default="draft", sa_type=String(10))
    resume_hash: str = Field(max_length=64, unique=True)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The page the respondent left by "save and continue later" (or last moved to), where the
    # start page sends them back; a page number says nothing about who answered.
    resume_page: int | None = Field(default=None)


class ResponseInvitation(SQLModel, table=True):
    """Confidential rounds only: which invitation a response came from, for reminders."""

    __tablename__ = "response_invitation"

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", unique=True, ondelete="CASCADE")
    invitation_id: int = Field(foreign_key="invitation.id", index=True, ondelete="CASCADE")


class Answer(SQLModel, table=True):
    """One answer per response and question, upserted by autosave; ``score`` is on 0–100 for
    scored kinds (none when not applicable), so aggregates are plain SQL."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_0_to_100"),
        Index("ix_answer_question_score", "question_id", "score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="response.id", ondelete="CASCADE")
    question_id: int = Field(foreign_key="question.id", ondelete="CASCADE")
    not_applicable: bool = False
    number: float | None = None  # level 1–5, likert 1–5, or a number answer
    option: str | None = Field(default=None, max_length=40)  # single
    options: list[str] | None = Field(default=None, sa_type=JSON)  # multi
    text: str | None = Field(default=None, sa_type=Text)
    score: float | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def is_empty(self) -> bool:
        values: list[Any] = [self.number, self.option, self.options, self.text]
        return not self.not_applicable and all(v in (None, "", []) for v in values)
