"""Survey versions: once a round of a version has opened, its questions stay as they are; an edit
then goes to a new version, a full copy, and the rounds keep the version they were made with."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.db import utcnow
from surveys.models import Question, QuestionOption, Survey, SurveyRound, SurveySection


class VersionFrozen(Exception):
    """A round of this survey version has opened: its questions must not change."""

    def __init__(self, survey: Survey) -> None:
        super().__init__(f"{survey.code} v{survey.version} is frozen")
        self.survey = survey


def is_frozen(session: Session, survey: Survey, now: datetime | None = None) -> bool:
    """Frozen once any round of the version has opened. A scheduled round whose opening time has
    passed counts too, even before anyone answered, and freezes the version here."""
    if survey.frozen_at is not None:
        return True
    now = now or utcnow()
    opened = session.execute(
        select(exists().where(col(SurveyRound.survey_id) == survey.id, col(SurveyRound.opens_at) <= now))
    ).scalar_one()
    if opened:
        survey.frozen_at = now
        session.add(survey)
        session.flush()
    return bool(opened)


def ensure_editable(session: Session, survey: Survey) -> None:
    """Every change to a version's texts, sections or questions goes through here first."""
    if is_frozen(session, survey):
        raise VersionFrozen(survey)


def latest_version(session: Session, code: str) -> Survey:
    statement = select(Survey).where(col(Survey.code) == code).order_by(col(Survey.version).desc()).limit(1)
    return session.execute(statement).scalars().one()


@dataclass
class Draft:
    """The version an edit goes to, and how the ids of the version it was asked for map onto it."""

    survey: Survey
    copied_from: Survey | None = None
    sections: dict[int, int] = field(default_factory=dict)  # asked-for section id → draft's
    questions: dict[int, int] = field(default_factory=dict)

    def section_id(self, section_id: int) -> int:
        return self.sections.get(section_id, section_id)

    def question_id(self, question_id: int) -> int:
        return self.questions.get(question_id, question_id)


class NewerDraftExists(Exception):
    """An edit asked for on a frozen version while a later version is still being edited."""

    def __init__(self, draft: Survey) -> None:
        super().__init__(f"{draft.code} v{draft.version} is the draft")
        self.draft = draft


def draft_for_edit(session: Session, survey: Survey, actor: Actor) -> Draft:
    """The version an edit of ``survey`` applies to: itself while unfrozen, else a new copy of it.

    When a later version exists that is not frozen, that is where edits belong: NewerDraftExists.
    """
    if not is_frozen(session, survey):
        return Draft(survey)
    latest = latest_version(session, survey.code)
    if latest.id != survey.id and not is_frozen(session, latest):
        raise NewerDraftExists(latest)
    return copy_version(session, survey, actor)


def copy_version(session: Session, survey: Survey, actor: Actor) -> Draft:
    """A new version with a full copy of the sections, questions and options."""
    latest = latest_version(session, survey.code)
    copy = Survey(**snapshot(survey, exclude=("id", "version", "created_at", "frozen_at")), version=latest.version + 1)
    copy.likert_labels = [dict(label) for label in survey.likert_labels]
    session.add(copy)
    session.flush()
    assert copy.id is not None
    draft = Draft(copy, copied_from=survey)
    for section in sections_of(session, survey):
        new_section = SurveySection(**snapshot(section, exclude=("id", "survey_id")), survey_id=copy.id)
        session.add(new_section)
        session.flush()
        assert section.id is not None
        assert new_section.id is not None
        draft.sections[section.id] = new_section.id
    questions = list(session.execute(select(Question).where(col(Question.survey_id) == survey.id)).scalars())
    for question in questions:
        new_question = Question(
            **snapshot(question, exclude=("id", "survey_id", "section_id")),
            survey_id=copy.id,
            section_id=draft.sections[question.section_id],
        )
        session.add(new_question)
        session.flush()
        assert question.id is not None
        assert new_question.id is not None
        draft.questions[question.id] = new_question.id
    for option in session.execute(
        select(QuestionOption).where(col(QuestionOption.question_id).in_(list(draft.questions)))
    ).scalars():
        session.add(
            QuestionOption(
                **snapshot(option, exclude=("id", "question_id")), question_id=draft.questions[option.question_id]
            )
        )
    session.flush()
    record_event(
        session,
        actor,
        "create",
        copy,
        label=f"{copy.code} v{copy.version}",
        after={"copied_from_version": survey.version, **snapshot(copy)},
    )
    return draft


# --- what a version holds: the one loader of each ------------------------------------------------


def sections_of(session: Session, survey: Survey) -> list[SurveySection]:
    """The version's sections in their order (the background section included)."""
    return list(
        session.execute(
            select(SurveySection).where(col(SurveySection.survey_id) == survey.id).order_by(col(SurveySection.position))
        ).scalars()
    )


def questions_of(session: Session, survey: Survey) -> list[Question]:
    """The version's questions in their order."""
    return list(
        session.execute(
            select(Question).where(col(Question.survey_id) == survey.id).order_by(col(Question.position))
        ).scalars()
    )


def options_by_question(session: Session, question_ids: Collection[int]) -> dict[int, list[QuestionOption]]:
    """The options of each question, in their order; a question without options is absent."""
    options: dict[int, list[QuestionOption]] = {}
    for option in session.execute(
        select(QuestionOption)
        .where(col(QuestionOption.question_id).in_(list(question_ids)))
        .order_by(col(QuestionOption.position))
    ).scalars():
        options.setdefault(option.question_id, []).append(option)
    return options


def option_codes(session: Session, question_id: int | None) -> set[str]:
    """The codes a choice question accepts (what checking an answer needs, without the objects)."""
    return set(
        session.execute(
            select(col(QuestionOption.code)).where(col(QuestionOption.question_id) == question_id)
        ).scalars()
    )
