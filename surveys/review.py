"""What a respondent sees before submitting and when coming back: every page of the survey by
its name with the answers given on it, and the page to resume at."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.maturity_model.models import Dimension, LevelDescriptor
from surveys.answering import Respondent, answers_of
from surveys.models import Answer, Question, QuestionOption, Response, SurveySection
from surveys.versions import sections_of


@dataclass(frozen=True, slots=True)
class ReviewAnswer:
    """One question with the answer given, ready to be worded: the chosen level, likert step
    (1–5), options, number or text; nothing of these when unanswered or not applicable."""

    question: Question
    answered: bool
    not_applicable: bool = False
    level: LevelDescriptor | None = None
    likert: int | None = None
    options: tuple[QuestionOption, ...] = ()
    number: float | None = None
    text: str | None = None

    @property
    def missing(self) -> bool:
        return self.question.required and not self.answered


@dataclass(frozen=True, slots=True)
class ReviewSection:
    number: int  # the page, 1-based
    section: SurveySection
    dimension: Dimension | None  # None: the background questions ("About you")
    answers: list[ReviewAnswer] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(1 for a in self.answers if a.answered)


def _review_answer(
    question: Question,
    answer: Answer | None,
    levels: dict[tuple[int, int], LevelDescriptor],
    options: dict[int, list[QuestionOption]],
) -> ReviewAnswer:
    if answer is None or answer.is_empty():
        return ReviewAnswer(question, answered=False)
    if answer.not_applicable:
        return ReviewAnswer(question, answered=True, not_applicable=True)
    own = options.get(question.id or 0, [])
    if question.kind == "level" and answer.number is not None and question.dimension_id is not None:
        level = levels.get((question.dimension_id, int(answer.number)))
        return ReviewAnswer(question, answered=True, level=level, number=answer.number)
    if question.kind == "likert" and answer.number is not None:
        return ReviewAnswer(question, answered=True, likert=int(answer.number))
    if question.kind == "single":
        return ReviewAnswer(question, answered=True, options=tuple(o for o in own if o.code == answer.option))
    if question.kind == "multi":
        chosen = set(answer.options or [])
        return ReviewAnswer(question, answered=True, options=tuple(o for o in own if o.code in chosen))
    if question.kind == "number":
        return ReviewAnswer(question, answered=True, number=answer.number)
    return ReviewAnswer(question, answered=True, text=answer.text)


def review_sections(session: Session, respondent: Respondent) -> list[ReviewSection]:
    """Every page of the respondent's survey version, named, with each question's answer
    (five statements however long the survey)."""
    sections = sections_of(session, respondent.survey)
    questions = list(
        session.execute(
            select(Question).where(col(Question.survey_id) == respondent.survey.id).order_by(col(Question.position))
        ).scalars()
    )
    options: dict[int, list[QuestionOption]] = {}
    for option in session.execute(
        select(QuestionOption)
        .where(col(QuestionOption.question_id).in_([q.id for q in questions]))
        .order_by(col(QuestionOption.position))
    ).scalars():
        options.setdefault(option.question_id, []).append(option)
    dimension_ids = {s.dimension_id for s in sections if s.dimension_id is not None}
    dimensions = {
        d.id: d for d in session.execute(select(Dimension).where(col(Dimension.id).in_(dimension_ids))).scalars()
    }
    levels = {
        (d.dimension_id, d.level): d
        for d in session.execute(
            select(LevelDescriptor).where(col(LevelDescriptor.dimension_id).in_(dimension_ids))
        ).scalars()
    }
    answers = answers_of(session, respondent.response)
    by_section: dict[int, list[ReviewAnswer]] = {}
    for question in questions:
        assert question.id is not None
        by_section.setdefault(question.section_id, []).append(
            _review_answer(question, answers.get(question.id), levels, options)
        )
    return [
        ReviewSection(
            number,
            section,
            dimensions.get(section.dimension_id) if section.dimension_id is not None else None,
            by_section.get(section.id or 0, []),
        )
        for number, section in enumerate(sections, start=1)
    ]


def leave_at(session: Session, response: Response, page: int, pages: int) -> None:
    """Remember the page to come back to (kept within the survey's pages)."""
    response.resume_page = min(max(page, 1), pages)
    session.add(response)
    session.flush()


def resume_page(response: Response, pages: int) -> int | None:
    """The page the respondent left, if any and if the survey still has it."""
    page = response.resume_page
    return page if page is not None and 1 <= page <= pages else None
