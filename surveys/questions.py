"""The builder's questions: add, edit, delete and reorder, every kind, with the same rules as the
survey file (``surveys.survey_file.check_question``), each problem named at its field."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.errors import N_, NotFound, Problem
from maturity.forms import Choice, FormData, FormField, FormState, InvalidForm, read_form, texts
from maturity.maturity_model.models import Dimension, MaturityModel
from maturity.structured_file import validation_problems
from surveys.builder import get_section, renumber
from surveys.models import SCORED_KINDS, Question, QuestionOption, Survey, SurveySection
from surveys.schemas import QuestionSpec
from surveys.survey_file import Refs, check_question, indicator_codes, references
from surveys.versions import ensure_editable, options_by_question, sections_of

KINDS = [
    Choice("level", N_("Level: the dimension's five level descriptions as cards")),
    Choice("likert", N_("Agreement: the scale from 1 to 5")),
    Choice("single", N_("One choice of several")),
    Choice("multi", N_("Several choices")),
    Choice("number", N_("Number")),
    Choice("text", N_("Free text")),
]
QUESTION_FIELDS = [
    FormField("code", N_("Code"), "code", help=N_("Letters, digits, '.', '_' or '-'; unique in the survey.")),
    FormField("kind", N_("Kind of question"), "select"),
    FormField(
        "section",
        N_("Section (dimension)"),
        "select",
        help=N_("Level and agreement questions are scored and belong in a dimension's section."),
    ),
    *texts("text", N_("Question (Norwegian)"), N_("Question (English)"), "textarea"),
    *texts("help", N_("Help text (Norwegian)"), N_("Help text (English)"), "textarea", required=False),
    FormField("required", N_("An answer is required"), "checkbox", required=False),
    FormField("allow_na", N_("Offer “not applicable / don't know”"), "checkbox", required=False),
    FormField(
        "reverse",
        N_("Reverse-scored"),
        "checkbox",
        required=False,
        help=N_("For level and agreement questions phrased so that agreeing is bad."),
    ),
    FormField(
        "indicator",
        N_("Success indicator"),
        "select",
        required=False,
        help=N_("Optional: the success indicator this question gives evidence for."),
    ),
    FormField(
        "options",
        N_("Options"),
        "textarea",
        required=False,
        max_length=20000,
        help=N_("Choice questions only. One option per line: code | Norwegian | English"),
        rows=6,
    ),
    FormField("min_value", N_("Lowest number allowed"), "number", required=False, help=N_("Number questions only.")),
    FormField("max_value", N_("Highest number allowed"), "number", required=False, help=N_("Number questions only.")),
    FormField("unit_nb", N_("Unit of the number (Norwegian)"), required=False, max_length=60, lang="nb"),
    FormField("unit_en", N_("Unit of the number (English)"), required=False, max_length=60, lang="en"),
]
# Where the survey file's rules put a problem → the form field that shows it.
_FIELD_OF = {"min": "min_value", "max": "max_value", "text": "text_nb", "help": "help_nb", "unit": "unit_nb"}


def _refs(session: Session, survey: Survey) -> Refs:
    model = session.get(MaturityModel, survey.maturity_model_id) if survey.maturity_model_id else None
    return references(session, model.code if model else "")


def question_choices(session: Session, survey: Survey, refs: Refs | None = None) -> dict[str, list[Choice]]:
    refs = refs or _refs(session, survey)
    dimensions = {d.id: d for d in session.execute(select(Dimension)).scalars()}
    sections = []
    for s in sections_of(session, survey):
        dimension = dimensions.get(s.dimension_id) if s.dimension_id else None
        if dimension is None:
            sections.append(Choice(str(s.id), N_("Background questions")))
        else:
            sections.append(Choice(str(s.id), f"{dimension.code} {dimension.name_nb} / {dimension.name_en}", False))
    return {
        "kind": KINDS,
        "section": sections,
        "indicator": [Choice(code, code, False) for code in sorted(refs.indicators)],
    }


def get_question(session: Session, survey: Survey, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None or question.survey_id != survey.id:
        raise NotFound(f"question {question_id}")
    return question


def _plain_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def question_form(session: Session, question: Question) -> FormState:
    """The form of an existing question, as it was saved."""
    assert question.id is not None
    options = options_by_question(session, [question.id]).get(question.id, [])
    indicator = indicator_codes(session).get(question.indicator_id, "") if question.indicator_id else ""
    values: dict[str, Any] = {
        f.name: getattr(question, f.name)
        for f in QUESTION_FIELDS
        if f.name not in ("section", "indicator", "options", "min_value", "max_value")
    }
    values.update(
        section=str(question.section_id),
        indicator=indicator,
        options="\n".join(f"{o.code} | {o.text_nb} | {o.text_en}" for o in options),
        min_value=_plain_number(question.min_value),
        max_value=_plain_number(question.max_value),
    )
    return FormState(values)


def new_question_form(section_id: int | None) -> FormState:
    return FormState({"kind": "likert", "section": str(section_id or ""), "allow_na": True, "required": True})


def _parse_options(raw: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    options, problems = [], []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            problems.append(
                Problem(
                    N_("Line %(line)s: write code | Norwegian | English."), {"line": number}, path="options", value=line
                )
            )
            continue
        options.append({"code": parts[0], "text": {"nb": parts[1], "en": parts[2]}})
    return options, problems


@dataclass
class CheckedQuestion:
    spec: QuestionSpec
    section: SurveySection
    indicator_id: int | None


def check_question_form(
    session: Session, survey: Survey, form: FormData, *, question_id: int | None
) -> tuple[CheckedQuestion | None, FormState]:
    """Parse and check a question form; the checked question, or None and the problems per field."""
    refs = _refs(session, survey)
    values, state = read_form(QUESTION_FIELDS, form, question_choices(session, survey, refs))
    options, option_problems = _parse_options(values.get("options") or "")
    state.add(option_problems)
    if state.errors:
        return None, state
    raw = {
        "code": values["code"],
        "kind": values["kind"],
        "text": {"nb": values["text_nb"], "en": values["text_en"]},
        "help": {"nb": values["help_nb"], "en": values["help_en"]},
        "required": values["required"],
        "allow_na": values["allow_na"],
        "reverse": values["reverse"],
        "indicator": values["indicator"] or None,
        "options": options,
        "min": values["min_value"],
        "max": values["max_value"],
        "unit": {"nb": values["unit_nb"], "en": values["unit_en"]},
    }
    try:
        spec = QuestionSpec.model_validate(raw)
    except ValidationError as exc:
        state.add([_at_field(p) for p in validation_problems(exc)])
        return None, state
    section = get_section(session, survey, int(values["section"]))
    problems = [_at_field(p) for p in check_question(spec, "", refs, scored_section=section.dimension_id is not None)]
    if (
        spec.kind == "level"
        and section.dimension_id is not None
        and refs.levels.get(section.dimension_id) != {1, 2, 3, 4, 5}
    ):
        problems.append(Problem(N_("A dimension needs the levels 1 to 5, each once."), path="kind"))
    taken = session.execute(
        select(col(Question.id)).where(col(Question.survey_id) == survey.id, col(Question.code) == spec.code)
    ).scalar()
    if taken is not None and taken != question_id:
        problems.append(Problem(N_("The code %(value)s is already in use."), {"value": spec.code}, path="code"))
    state.add(problems)
    if state.errors:
        return None, state
    return CheckedQuestion(spec, section, refs.indicators.get(spec.indicator) if spec.indicator else None), state


def _at_field(problem: Problem) -> Problem:
    """A problem located in the survey file's terms (``options[1].code``) → at the form's field."""
    first = (problem.path or "").lstrip(".").split(".")[0].split("[")[0]
    return Problem(problem.message, problem.params, value=problem.value, path=_FIELD_OF.get(first, first))


def _columns(checked: CheckedQuestion) -> dict[str, Any]:
    q = checked.spec
    return {
        "section_id": checked.section.id,
        "code": q.code,
        "kind": q.kind,
        "text_nb": q.text.nb,
        "text_en": q.text.en,
        "help_nb": q.help.nb,
        "help_en": q.help.en,
        "required": q.required,
        "allow_na": q.allow_na,
        "reverse": q.reverse,
        "dimension_id": checked.section.dimension_id if q.kind in SCORED_KINDS else None,
        "indicator_id": checked.indicator_id,
        "min_value": q.min,
        "max_value": q.max,
        "unit_nb": q.unit.nb,
        "unit_en": q.unit.en,
    }


def _options_of(session: Session, question_id: int) -> list[dict[str, str]]:
    return [
        {"code": o.code, "nb": o.text_nb, "en": o.text_en}
        for o in options_by_question(session, [question_id]).get(question_id, [])
    ]


def _write_options(session: Session, question_id: int, checked: CheckedQuestion) -> None:
    session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question_id))
    session.add_all(
        QuestionOption(question_id=question_id, code=o.code, text_nb=o.text.nb, text_en=o.text.en, position=n)
        for n, o in enumerate(checked.spec.options)
    )
    session.flush()


def _label(survey: Survey, question: Question) -> str:
    return f"{survey.code} v{survey.version}: {question.code}"


def create_question(session: Session, survey: Survey, form: FormData, actor: Actor) -> Question:
    ensure_editable(session, survey)
    checked, state = check_question_form(session, survey, form, question_id=None)
    if checked is None:
        raise InvalidForm(state)
    assert survey.id is not None
    question = Question(survey_id=survey.id, position=1_000_000, **_columns(checked))
    session.add(question)
    session.flush()
    assert question.id is not None
    _write_options(session, question.id, checked)
    renumber(session, survey, sections_of(session, survey))
    after = {**snapshot(question), "options": _options_of(session, question.id)}
    record_event(session, actor, "create", question, label=_label(survey, question), after=after)
    return question


def update_question(session: Session, survey: Survey, question_id: int, form: FormData, actor: Actor) -> Question:
    ensure_editable(session, survey)
    question = get_question(session, survey, question_id)
    checked, state = check_question_form(session, survey, form, question_id=question_id)
    if checked is None:
        raise InvalidForm(state)
    before = {**snapshot(question), "options": _options_of(session, question_id)}
    columns = _columns(checked)
    if columns["section_id"] != question.section_id:
        question.position = 1_000_000  # to the end of its new section
    for name, value in columns.items():
        setattr(question, name, value)
    session.add(question)
    session.flush()
    _write_options(session, question_id, checked)
    renumber(session, survey, sections_of(session, survey))
    after = {**snapshot(question), "options": _options_of(session, question_id)}
    if before != after:
        record_event(session, actor, "update", question, label=_label(survey, question), before=before, after=after)
    return question


def delete_question(session: Session, survey: Survey, question_id: int, actor: Actor) -> None:
    ensure_editable(session, survey)
    question = get_question(session, survey, question_id)
    before = {**snapshot(question), "options": _options_of(session, question_id)}
    record_event(session, actor, "delete", question, label=_label(survey, question), before=before)
    session.execute(delete(QuestionOption).where(col(QuestionOption.question_id) == question_id))
    session.delete(question)
    session.flush()
    renumber(session, survey, sections_of(session, survey))


def move_question(session: Session, survey: Survey, question_id: int, direction: str, actor: Actor) -> None:
    """Swap a question with its neighbour in the same section."""
    ensure_editable(session, survey)
    question = get_question(session, survey, question_id)
    if direction not in ("up", "down"):
        raise NotFound(direction)
    siblings = list(
        session.execute(
            select(Question).where(col(Question.section_id) == question.section_id).order_by(col(Question.position))
        ).scalars()
    )
    index = siblings.index(question)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index].position, siblings[other].position = siblings[other].position, siblings[index].position
    session.add_all(siblings)
    session.flush()
    record_event(
        session,
        actor,
        "move",
        question,
        label=_label(survey, question),
        after={"position": question.position, "direction": direction},
    )
