"""What the answering pages show: one page of a survey version with its questions, options, the
dimension's level descriptors and the answers so far, and the respondent's own profile."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.errors import NotFound
from maturity.maturity_model.models import Dimension, LevelDescriptor
from surveys.answering import Respondent, answers_of, own_profile
from surveys.models import (
    Answer,
    Question,
    QuestionOption,
    Survey,
    SurveySection,
)
from surveys.versions import options_by_question, sections_of


@dataclass
class QuestionView:
    question: Question
    options: list[QuestionOption]
    answer: Answer | None


@dataclass
class PageView:
    number: int  # 1-based
    count: int
    section: SurveySection
    dimension: Dimension | None
    levels: list[LevelDescriptor]
    questions: list[QuestionView]


def load_page(session: Session, respondent: Respondent, number: int) -> PageView:
    """One page of the survey with the respondent's answers so far; NotFound past the last page."""
    return survey_page(session, respondent.survey, number, answers_of(session, respondent.response))


def survey_page(session: Session, survey: Survey, number: int, answers: dict[int, Answer]) -> PageView:
    """One page of a survey version with the given answers (none in the builder's preview)."""
    sections = sections_of(session, survey)
    if not 1 <= number <= len(sections):
        raise NotFound(f"page {number}")
    section = sections[number - 1]
    questions = list(
        session.execute(
            select(Question).where(col(Question.section_id) == section.id).order_by(col(Question.position))
        ).scalars()
    )
    options = options_by_question(session, [q.id for q in questions if q.id is not None])
    dimension = session.get(Dimension, section.dimension_id) if section.dimension_id else None
    levels = (
        list(
            session.execute(
                select(LevelDescriptor)
                .where(col(LevelDescriptor.dimension_id) == dimension.id)
                .order_by(col(LevelDescriptor.level))
            ).scalars()
        )
        if dimension
        else []
    )
    views = [QuestionView(q, options.get(q.id, []), answers.get(q.id)) for q in questions if q.id is not None]
    return PageView(number, len(sections), section, dimension, levels, views)


@dataclass
class ProfileRow:
    dimension: Dimension
    score: float
    level: LevelDescriptor | None  # the descriptor nearest the score


def profile_view(session: Session, respondent: Respondent) -> list[ProfileRow]:
    """The respondent's own profile per dimension, against the level descriptors."""
    scores = own_profile(session, respondent.response)
    rows = []
    for section in sections_of(session, respondent.survey):
        if section.dimension_id is None or section.dimension_id not in scores:
            continue
        dimension = session.get_one(Dimension, section.dimension_id)
        score = scores[section.dimension_id]
        nearest = round(score / 25) + 1  # 0 → level 1 … 100 → level 5
        level = (
            session.execute(
                select(LevelDescriptor).where(
                    col(LevelDescriptor.dimension_id) == dimension.id, col(LevelDescriptor.level) == nearest
                )
            )
            .scalars()
            .first()
        )
        rows.append(ProfileRow(dimension, score, level))
    return rows
