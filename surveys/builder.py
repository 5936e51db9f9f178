"""The survey builder: surveys, their texts and their sections (one per dimension of the maturity
model, and the background questions last). Questions are in ``surveys/questions.py``.

Every function that changes a version checks first that it is not frozen (``ensure_editable``);
the pages send edits of a frozen version to a new copy (``surveys.versions.draft_for_edit``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import Choice, FormData, FormField, FormState, InvalidForm, read_form, texts
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel
from surveys.models import Question, QuestionOption, Survey, SurveyRound, SurveySection
from surveys.versions import ensure_editable, is_frozen, options_by_question, sections_of

LIKERT_POINTS = range(1, 6)
_TEXT_FIELDS = [
    *texts("title", N_("Title (Norwegian)"), N_("Title (English)")),
    *texts("intro", N_("Introduction (Norwegian)"), N_("Introduction (English)"), "textarea", required=False),
    *texts("thanks", N_("Thank-you text (Norwegian)"), N_("Thank-you text (English)"), "textarea", required=False),
    *[
        FormField(f"likert_{n}_{lang}", label, lang=lang, group=N_("The agreement scale (Likert), from 1 to 5"))
        for n, lang, label in zip(
            [n for n in LIKERT_POINTS for _ in (0, 1)],
            ["nb", "en"] * 5,
            (
                N_("1 (Norwegian)"),
                N_("1 (English)"),
                N_("2 (Norwegian)"),
                N_("2 (English)"),
                N_("3 (Norwegian)"),
                N_("3 (English)"),
                N_("4 (Norwegian)"),
                N_("4 (English)"),
                N_("5 (Norwegian)"),
                N_("5 (English)"),
            ),
            strict=True,
        )
    ],
]
NEW_SURVEY_FIELDS = [
    FormField("code", N_("Code"), "code", help=N_("Letters, digits, '.', '_' or '-'; unique.")),
    FormField(
        "maturity_model",
        N_("Maturity model"),
        "select",
        help=N_("The survey gets one section per dimension of this model, and one for background questions."),
    ),
    *_TEXT_FIELDS,
]
EDIT_SURVEY_FIELDS = _TEXT_FIELDS
DEFAULT_LIKERT = [
    ("Helt uenig", "Strongly disagree"),
    ("Delvis uenig", "Somewhat disagree"),
    ("Verken enig eller uenig", "Neither agree nor disagree"),
    ("Delvis enig", "Somewhat agree"),
    ("Helt enig", "Strongly agree"),
]


def get_survey(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(f"survey {survey_id}")
    return survey


def survey_choices(session: Session) -> dict[str, list[Choice]]:
    models = session.execute(select(MaturityModel).order_by(col(MaturityModel.code))).scalars()
    return {
        "maturity_model": [Choice(m.code, f"{m.code} — {m.name_nb} / {m.name_en}", translate=False) for m in models]
    }


def new_survey_form() -> FormState:
    values: dict[str, Any] = {}
    for n, (nb, en) in zip(LIKERT_POINTS, DEFAULT_LIKERT, strict=True):
        values[f"likert_{n}_nb"], values[f"likert_{n}_en"] = nb, en
    return FormState(values)


def survey_form(survey: Survey) -> FormState:
    values: dict[str, Any] = {f.name: getattr(survey, f.name) for f in _TEXT_FIELDS if not f.name.startswith("lik")}
    for n, label in zip(LIKERT_POINTS, survey.likert_labels, strict=False):
        values[f"likert_{n}_nb"], values[f"likert_{n}_en"] = label.get("nb", ""), label.get("en", "")
    return FormState(values)


def check_survey_form(session: Session, form: FormData, *, new: bool) -> tuple[dict[str, Any], FormState]:
    fields = NEW_SURVEY_FIELDS if new else EDIT_SURVEY_FIELDS
    values, state = read_form(fields, form, survey_choices(session))
    if new and values.get("code") and not state.errors.get("code"):
        taken = session.execute(
            select(func.count()).select_from(Survey).where(col(Survey.code) == values["code"])
        ).scalar_one()
        if taken:
            state.add([Problem(N_("The code %(value)s is already in use."), {"value": values["code"]}, path="code")])
    return values, state


def _texts_of(values: Mapping[str, Any]) -> dict[str, Any]:
    out = {f.name: values[f.name] for f in _TEXT_FIELDS if not f.name.startswith("likert_")}
    out["likert_labels"] = [{"nb": values[f"likert_{n}_nb"], "en": values[f"likert_{n}_en"]} for n in LIKERT_POINTS]
    return out


def create_survey(session: Session, form: FormData, actor: Actor) -> Survey:
    """Version 1 of a new survey, with a section per dimension of its model and one for background questions."""
    values, state = check_survey_form(session, form, new=True)
    if state.errors:
        raise InvalidForm(state)
    model = session.execute(
        select(MaturityModel).where(col(MaturityModel.code) == values["maturity_model"])
    ).scalar_one()
    survey = Survey(code=values["code"], version=1, maturity_model_id=model.id, **_texts_of(values))
    session.add(survey)
    session.flush()
    assert survey.id is not None
    record_event(session, actor, "create", survey, label=f"{survey.code} v1", after=snapshot(survey))
    dimensions = session.execute(
        select(col(Dimension.id)).where(col(Dimension.model_id) == model.id).order_by(col(Dimension.position))
    ).scalars()
    for position, dimension_id in enumerate([*dimensions, None]):
        session.add(SurveySection(survey_id=survey.id, dimension_id=dimension_id, position=position))
    session.flush()
    return survey


def update_survey(session: Session, survey: Survey, form: FormData, actor: Actor) -> Survey:
    ensure_editable(session, survey)
    values, state = check_survey_form(session, form, new=False)
    if state.errors:
        raise InvalidForm(state)
    before = snapshot(survey)
    for name, value in _texts_of(values).items():
        setattr(survey, name, value)
    after = snapshot(survey)
    if before != after:
        session.add(survey)
        session.flush()
        record_event(
            session, actor, "update", survey, label=f"{survey.code} v{survey.version}", before=before, after=after
        )
    return survey


# --- sections -------------------------------------------------------------------------------------


def get_section(session: Session, survey: Survey, section_id: int) -> SurveySection:
    section = session.get(SurveySection, section_id)
    if section is None or section.survey_id != survey.id:
        raise NotFound(f"section {section_id}")
    return section


def section_label(session: Session, section: SurveySection) -> str:
    dimension = session.get(Dimension, section.dimension_id) if section.dimension_id else None
    return dimension.code if dimension else "background"


def renumber(session: Session, survey: Survey, sections: list[SurveySection]) -> None:
    """Sections in the given order, background last; question positions follow the sections."""
    sections = [s for s in sections if s.dimension_id is not None] + [s for s in sections if s.dimension_id is None]
    for position, section in enumerate(sections):
        section.position = position
        session.add(section)
    order = {s.id: n for n, s in enumerate(sections)}
    questions = session.execute(select(Question).where(col(Question.survey_id) == survey.id)).scalars().all()
    for position, question in enumerate(sorted(questions, key=lambda q: (order[q.section_id], q.position, q.id))):
        question.position = position
        session.add(question)
    session.flush()


def move_section(session: Session, survey: Survey, section_id: int, direction: str, actor: Actor) -> None:
    """Swap a dimension's section with its neighbour; the background questions stay last."""
    ensure_editable(session, survey)
    section = get_section(session, survey, section_id)
    sections = [s for s in sections_of(session, survey) if s.dimension_id is not None]
    if section.dimension_id is None or direction not in ("up", "down"):
        raise NotFound(f"section {section_id}")
    index = sections.index(section)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(sections):
        return
    sections[index], sections[other] = sections[other], sections[index]
    renumber(session, survey, [*sections, *[s for s in sections_of(session, survey) if s.dimension_id is None]])
    record_event(
        session,
        actor,
        "move",
        section,
        label=f"{survey.code} v{survey.version}: {section_label(session, section)}",
        after={"position": other, "direction": direction},
    )


def missingsections_of(session: Session, survey: Survey) -> list[Choice]:
    """The sections a survey could still get: dimensions of its model without one, and background."""
    present = {s.dimension_id for s in sections_of(session, survey)}
    dimensions = session.execute(
        select(Dimension).where(col(Dimension.model_id) == survey.maturity_model_id).order_by(col(Dimension.position))
    ).scalars()
    choices = [
        Choice(d.code, f"{d.code} {d.name_nb} / {d.name_en}", translate=False)
        for d in dimensions
        if d.id not in present
    ]
    if None not in present:
        choices.append(Choice("", N_("Background questions")))
    return choices


def add_section(session: Session, survey: Survey, dimension_code: str, actor: Actor) -> SurveySection:
    ensure_editable(session, survey)
    if dimension_code not in {c.value for c in missingsections_of(session, survey)}:
        raise InvalidInput([Problem(N_("Choose one of the options."), path="dimension", value=dimension_code)])
    dimension_id = None
    if dimension_code:
        dimension_id = session.execute(
            select(col(Dimension.id)).where(
                col(Dimension.model_id) == survey.maturity_model_id, col(Dimension.code) == dimension_code
            )
        ).scalar_one()
    assert survey.id is not None
    section = SurveySection(survey_id=survey.id, dimension_id=dimension_id, position=10_000)
    session.add(section)
    session.flush()
    renumber(session, survey, sections_of(session, survey))
    record_event(
        session, actor, "create", section, label=f"{survey.code} v{survey.version}: {dimension_code or 'background'}"
    )
    return section


def remove_section(session: Session, survey: Survey, section_id: int, actor: Actor) -> None:
    """Only an empty section can go: questions are deleted one by one, on purpose."""
    ensure_editable(session, survey)
    section = get_section(session, survey, section_id)
    count = session.execute(
        select(func.count()).select_from(Question).where(col(Question.section_id) == section.id)
    ).scalar_one()
    if count:
        raise InvalidInput(
            [Problem(N_("This section still has %(count)s questions; delete or move them first."), {"count": count})]
        )
    label = f"{survey.code} v{survey.version}: {section_label(session, section)}"
    record_event(session, actor, "delete", section, label=label, before=snapshot(section))
    session.delete(section)
    session.flush()
    renumber(session, survey, sections_of(session, survey))


# --- what the builder page shows ------------------------------------------------------------------


@dataclass
class QuestionRow:
    question: Question
    options: list[QuestionOption]


@dataclass
class SectionView:
    section: SurveySection
    dimension: Dimension | None
    complete_levels: bool  # the dimension has the five level descriptors a level question shows
    questions: list[QuestionRow]


@dataclass
class BuilderView:
    survey: Survey
    model: MaturityModel | None
    frozen: bool
    sections: list[SectionView]
    versions: list[Survey]
    rounds: list[SurveyRound]
    addable: list[Choice]
    indicators: dict[int, str]
    now: datetime

    @property
    def latest(self) -> Survey:
        return self.versions[-1]

    @property
    def question_count(self) -> int:
        return sum(len(s.questions) for s in self.sections)


def builder_view(session: Session, survey: Survey, indicators: dict[int, str]) -> BuilderView:
    """Everything the builder page shows of one version, loaded here (templates do no queries)."""
    sections = sections_of(session, survey)
    questions = list(
        session.execute(
            select(Question).where(col(Question.survey_id) == survey.id).order_by(col(Question.position))
        ).scalars()
    )
    options = options_by_question(session, [q.id for q in questions if q.id is not None])
    dimension_ids = [s.dimension_id for s in sections if s.dimension_id is not None]
    dimensions = {
        d.id: d for d in session.execute(select(Dimension).where(col(Dimension.id).in_(dimension_ids))).scalars()
    }
    levels: dict[int, set[int]] = {}
    for dimension_id, level in session.execute(
        select(col(LevelDescriptor.dimension_id), col(LevelDescriptor.level)).where(
            col(LevelDescriptor.dimension_id).in_(dimension_ids)
        )
    ).tuples():
        levels.setdefault(dimension_id, set()).add(level)
    views = [
        SectionView(
            s,
            dimensions.get(s.dimension_id) if s.dimension_id else None,
            s.dimension_id is None or levels.get(s.dimension_id) == set(LIKERT_POINTS),
            [QuestionRow(q, options.get(q.id, []) if q.id else []) for q in questions if q.section_id == s.id],
        )
        for s in sections
    ]
    versions = list(
        session.execute(select(Survey).where(col(Survey.code) == survey.code).order_by(col(Survey.version))).scalars()
    )
    rounds = list(
        session.execute(
            select(SurveyRound).where(col(SurveyRound.survey_id) == survey.id).order_by(col(SurveyRound.opens_at))
        ).scalars()
    )
    model = session.get(MaturityModel, survey.maturity_model_id) if survey.maturity_model_id else None
    frozen = is_frozen(session, survey)
    addable = [] if frozen else missingsections_of(session, survey)
    return BuilderView(survey, model, frozen, views, versions, rounds, addable, indicators, utcnow())


@dataclass
class SurveyListRow:
    code: str
    versions: list[Survey]
    rounds: dict[int, int]  # survey id → number of rounds


def list_surveys(session: Session) -> list[SurveyListRow]:
    rows: dict[str, SurveyListRow] = {}
    for survey in session.execute(select(Survey).order_by(col(Survey.code), col(Survey.version))).scalars():
        rows.setdefault(survey.code, SurveyListRow(survey.code, [], {})).versions.append(survey)
    counts = session.execute(
        select(col(SurveyRound.survey_id), func.count()).group_by(col(SurveyRound.survey_id))
    ).tuples()
    by_survey = dict(counts.all())
    for row in rows.values():
        row.rounds = {s.id: by_survey.get(s.id, 0) for s in row.versions if s.id is not None}
    return list(rows.values())
