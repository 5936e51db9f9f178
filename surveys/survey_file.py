"""A survey as one YAML file (format ``maturity-survey/1``): import, all or nothing.

Importing a survey whose latest version is still unfrozen replaces that version's questions;
once a round has opened the version is frozen, and importing makes the next version.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, delete, select, table
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.errors import N_, InvalidInput, Problem
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel
from maturity.structured_file import dump_file, load_file
from surveys.models import (
    SCORED_KINDS,
    Question,
    QuestionOption,
    RespondentGroup,
    Survey,
    SurveySection,
)
from surveys.schemas import FORMAT, QuestionSpec, SurveyFile
from surveys.versions import options_by_question, questions_of, sections_of

MAX_BYTES = 1024 * 1024
# Success indicators belong to the indicators package; surveys refer to them by table, not import.
_INDICATOR = table("success_indicator", column("id"), column("code"))


def parse_survey_file(data: bytes) -> SurveyFile:
    return load_file(
        data,
        SurveyFile,
        max_bytes=MAX_BYTES,
        root="survey",
        not_a_mapping=Problem(N_("The file does not describe a survey (format: %(format)s)."), {"format": FORMAT}),
    )


@dataclass(frozen=True, slots=True)
class Refs:
    """What a survey's questions may refer to: its maturity model's dimensions and levels, success indicators."""

    model: MaturityModel | None
    dimensions: dict[str, int]
    levels: dict[int, set[int]]
    indicators: dict[str, int]


def references(session: Session, model_code: str) -> Refs:
    model = session.execute(select(MaturityModel).where(col(MaturityModel.code) == model_code)).scalars().first()
    dimensions: dict[str, int] = {}
    levels: dict[int, set[int]] = {}
    if model is not None:
        dimensions = {
            code: dimension_id
            for code, dimension_id in session.execute(
                select(col(Dimension.code), col(Dimension.id)).where(col(Dimension.model_id) == model.id)
            ).tuples()
            if dimension_id is not None
        }
        for dimension_id, level in session.execute(
            select(col(LevelDescriptor.dimension_id), col(LevelDescriptor.level)).where(
                col(LevelDescriptor.dimension_id).in_(list(dimensions.values()))
            )
        ).tuples():
            levels.setdefault(dimension_id, set()).add(level)
    indicators = dict(session.execute(select(_INDICATOR.c.code, _INDICATOR.c.id)).tuples().all())
    return Refs(model, dimensions, levels, indicators)


def check_question(q: QuestionSpec, where: str, refs: Refs, scored_section: bool) -> list[Problem]:
    problems: list[Problem] = []
    scored = q.kind in SCORED_KINDS
    if scored and not scored_section:
        problems.append(
            Problem(N_("Scored questions (level, likert) belong in a dimension's section."), path=f"{where}.kind")
        )
    if q.kind in ("single", "multi"):
        if len(q.options) < 2:
            problems.append(Problem(N_("A choice question needs at least two options."), path=f"{where}.options"))
        for code, n in Counter(o.code for o in q.options).items():
            if n > 1:
                problems.append(
                    Problem(N_("Code %(value)s is used twice in this file."), {"value": code}, path=f"{where}.options")
                )
    elif q.options:
        problems.append(Problem(N_("Only single and multi questions have options."), path=f"{where}.options"))
    if q.reverse and not scored:
        problems.append(
            Problem(N_("Only scored questions (level, likert) can be reverse-scored."), path=f"{where}.reverse")
        )
    if q.kind != "number" and (q.min is not None or q.max is not None):
        problems.append(Problem(N_("Only number questions have min and max."), path=f"{where}.min"))
    if q.min is not None and q.max is not None and q.min > q.max:
        problems.append(Problem(N_("Lower must not be above upper."), path=f"{where}.min"))
    if q.indicator is not None and q.indicator not in refs.indicators:
        problems.append(
            Problem(
                N_("Unknown success indicator %(value)s."),
                {"value": q.indicator},
                path=f"{where}.indicator",
                value=q.indicator,
            )
        )
    return problems


def check_survey_file(session: Session, spec: SurveyFile) -> list[Problem]:
    s = spec.survey
    refs = references(session, spec.survey.maturity_model)
    problems: list[Problem] = []
    if refs.model is None:
        problems.append(
            Problem(
                N_("Unknown maturity model %(value)s."),
                {"value": s.maturity_model},
                path="maturity_model",
                value=s.maturity_model,
            )
        )
    all_questions = [
        (f"sections[{i}].questions[{j}]", q) for i, sec in enumerate(s.sections) for j, q in enumerate(sec.questions)
    ]
    all_questions += [(f"background[{j}]", q) for j, q in enumerate(s.background)]
    twice = {code for code, n in Counter(q.code for _, q in all_questions).items() if n > 1}
    for where, q in all_questions:
        if q.code in twice:
            problems.append(
                Problem(
                    N_("Code %(value)s is used twice in this file."),
                    {"value": q.code},
                    path=f"{where}.code",
                    value=q.code,
                )
            )
    for code, n in Counter(g.code for g in s.groups).items():
        if n > 1:
            problems.append(
                Problem(N_("Code %(value)s is used twice in this file."), {"value": code}, path="groups", value=code)
            )
    for i, section in enumerate(s.sections):
        where = f"sections[{i}]"
        dimension_id = refs.dimensions.get(section.dimension)
        if refs.model is not None and dimension_id is None:
            problems.append(
                Problem(
                    N_("Unknown dimension %(value)s."),
                    {"value": section.dimension},
                    path=f"{where}.dimension",
                    value=section.dimension,
                )
            )
        has_level = any(q.kind == "level" for q in section.questions)
        if has_level and dimension_id is not None and refs.levels.get(dimension_id) != {1, 2, 3, 4, 5}:
            problems.append(
                Problem(
                    N_("A dimension needs the levels 1 to 5, each once."),
                    path=f"{where}.dimension",
                    value=section.dimension,
                )
            )
        for j, q in enumerate(section.questions):
            problems += check_question(q, f"{where}.questions[{j}]", refs, scored_section=True)
    for j, q in enumerate(s.background):
        problems += check_question(q, f"background[{j}]", refs, scored_section=False)
    return problems


def import_survey(session: Session, data: bytes, actor: Actor) -> Survey:
    """Create the survey, or replace its latest unfrozen version, or add a version after a frozen one."""
    spec = parse_survey_file(data)
    problems = check_survey_file(session, spec)
    if problems:
        raise InvalidInput(problems)
    s = spec.survey
    refs = references(session, spec.survey.maturity_model)
    assert refs.model is not None
    _upsert_groups(session, spec, actor)
    latest = (
        session.execute(select(Survey).where(col(Survey.code) == s.code).order_by(col(Survey.version).desc()))
        .scalars()
        .first()
    )
    fields = {
        "title_nb": s.title.nb,
        "title_en": s.title.en,
        "intro_nb": s.intro.nb,
        "intro_en": s.intro.en,
        "thanks_nb": s.thanks.nb,
        "thanks_en": s.thanks.en,
        "maturity_model_id": refs.model.id,
        "likert_labels": [{"nb": label.nb, "en": label.en} for label in s.likert_labels],
    }
    if latest is not None and latest.frozen_at is None:
        before = snapshot(latest)
        for name, value in fields.items():
            setattr(latest, name, value)
        session.execute(delete(SurveySection).where(col(SurveySection.survey_id) == latest.id))
        survey = latest
        session.add(survey)
        session.flush()
        record_event(
            session, actor, "update", survey, label=f"{s.code} v{survey.version}", before=before, after=snapshot(survey)
        )
    else:
        survey = Survey(code=s.code, version=(latest.version + 1) if latest else 1, **fields)  # type: ignore[arg-type]  # texts and ids
        session.add(survey)
        session.flush()
        record_event(session, actor, "create", survey, label=f"{s.code} v{survey.version}", after=snapshot(survey))
    assert survey.id is not None
    position = 0
    for i, section_spec in enumerate([*s.sections, None]):
        questions = section_spec.questions if section_spec is not None else s.background
        if section_spec is None and not questions:
            break
        section = SurveySection(
            survey_id=survey.id,
            dimension_id=refs.dimensions[section_spec.dimension] if section_spec else None,
            intro_nb=section_spec.intro.nb if section_spec else "",
            intro_en=section_spec.intro.en if section_spec else "",
            position=i,
        )
        session.add(section)
        session.flush()
        assert section.id is not None
        for q in questions:
            question = Question(
                survey_id=survey.id,
                section_id=section.id,
                code=q.code,
                kind=q.kind,
                text_nb=q.text.nb,
                text_en=q.text.en,
                help_nb=q.help.nb,
                help_en=q.help.en,
                required=q.required,
                allow_na=q.allow_na,
                reverse=q.reverse,
                dimension_id=section.dimension_id if q.kind in SCORED_KINDS else None,
                indicator_id=refs.indicators.get(q.indicator) if q.indicator else None,
                min_value=q.min,
                max_value=q.max,
                unit_nb=q.unit.nb,
                unit_en=q.unit.en,
                position=position,
            )
            position += 1
            session.add(question)
            session.flush()
            assert question.id is not None
            session.add_all(
                QuestionOption(question_id=question.id, code=o.code, text_nb=o.text.nb, text_en=o.text.en, position=n)
                for n, o in enumerate(q.options)
            )
    session.flush()
    return survey


def _upsert_groups(session: Session, spec: SurveyFile, actor: Actor) -> None:
    existing = {g.code: g for g in session.execute(select(RespondentGroup)).scalars()}
    for position, g in enumerate(spec.survey.groups):
        group = existing.get(g.code)
        if group is None:
            group = RespondentGroup(code=g.code, name_nb=g.name.nb, name_en=g.name.en, position=position)
            session.add(group)
            session.flush()
            record_event(session, actor, "create", group, label=g.code, after=snapshot(group))
        elif (group.name_nb, group.name_en, group.position) != (g.name.nb, g.name.en, position):
            before = snapshot(group)
            group.name_nb, group.name_en, group.position = g.name.nb, g.name.en, position
            session.add(group)
            record_event(session, actor, "update", group, label=g.code, before=before, after=snapshot(group))


# --- export -------------------------------------------------------------------------------------


def find_version(session: Session, code: str, version: int | None = None) -> Survey | None:
    """A survey version by code; without ``version`` the latest."""
    statement = select(Survey).where(col(Survey.code) == code)
    if version is not None:
        statement = statement.where(col(Survey.version) == version)
    return session.execute(statement.order_by(col(Survey.version).desc())).scalars().first()


def indicator_codes(session: Session) -> dict[int, str]:
    """Success indicator id → code."""
    return dict(session.execute(select(_INDICATOR.c.id, _INDICATOR.c.code)).tuples().all())


def _pair(item: object, name: str) -> dict[str, str]:
    return {"nb": getattr(item, f"{name}_nb"), "en": getattr(item, f"{name}_en")}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _question_data(q: Question, options: list[QuestionOption], indicators: dict[int, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"code": q.code, "kind": q.kind, "text": _pair(q, "text")}
    if q.help_nb or q.help_en:
        data["help"] = _pair(q, "help")
    data.update(required=q.required, allow_na=q.allow_na, reverse=q.reverse)
    if q.indicator_id is not None and q.indicator_id in indicators:
        data["indicator"] = indicators[q.indicator_id]
    if options:
        data["options"] = [{"code": o.code, "text": _pair(o, "text")} for o in options]
    if q.min_value is not None:
        data["min"] = _number(q.min_value)
    if q.max_value is not None:
        data["max"] = _number(q.max_value)
    if q.unit_nb or q.unit_en:
        data["unit"] = _pair(q, "unit")
    return data


def survey_as_data(session: Session, survey: Survey) -> dict[str, Any]:
    """The survey version as the file describes it. Sections without questions are left out: the
    file has no way to say them."""
    model = session.get(MaturityModel, survey.maturity_model_id) if survey.maturity_model_id else None
    dimensions = dict(session.execute(select(col(Dimension.id), col(Dimension.code))).tuples().all())
    indicators = indicator_codes(session)
    sections = sections_of(session, survey)
    questions = questions_of(session, survey)
    options = options_by_question(session, [q.id for q in questions if q.id is not None])
    groups = session.execute(select(RespondentGroup).order_by(col(RespondentGroup.position))).scalars()
    section_data: list[dict[str, Any]] = []
    background: list[dict[str, Any]] = []
    for section in sections:
        items = [
            _question_data(q, options.get(q.id, []) if q.id is not None else [], indicators)
            for q in questions
            if q.section_id == section.id
        ]
        if section.dimension_id is None:
            background += items
        elif items:
            section_data.append(
                {"dimension": dimensions[section.dimension_id], "intro": _pair(section, "intro"), "questions": items}
            )
    return {
        "format": FORMAT,
        "survey": {
            "code": survey.code,
            "title": _pair(survey, "title"),
            "intro": _pair(survey, "intro"),
            "thanks": _pair(survey, "thanks"),
            "maturity_model": model.code if model else "",
            "likert_labels": [{"nb": label["nb"], "en": label["en"]} for label in survey.likert_labels],
            "groups": [{"code": g.code, "name": _pair(g, "name")} for g in groups],
            "sections": section_data,
            "background": background,
        },
    }


def export_survey(session: Session, survey: Survey) -> str:
    """The canonical YAML file of a survey version: importing it and exporting again gives the same text."""
    return dump_file(survey_as_data(session, survey))
