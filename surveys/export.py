"""The survey data export for the strategy office: a long-format CSV (one row per answer) and a
codebook, in one zip file.

No identifier of any kind leaves the database: respondents are numbered at random afresh in each
export (rows are ordered by that number, not by anything stored), and there are no ids, e-mail
addresses, tokens or times. Only submitted responses are exported, and unit × group cells with
fewer than k of them are left out, with any further cells that a total shown elsewhere would
give away — decided by ``maturity.disclosure.disclose_cells``, the same decision every page,
report and API answer of the round goes through.
"""

import csv
import io
import random
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.disclosure import Visibility, disclose_cells
from maturity.maturity_model.models import Dimension, LevelDescriptor
from maturity.units.models import OrgUnit
from surveys.models import (
    SCORED_KINDS,
    Answer,
    Question,
    QuestionOption,
    RespondentGroup,
    Response,
    Survey,
    SurveyRound,
    SurveySection,
)
from surveys.versions import options_by_question, sections_of

Cell = tuple[int, int | None]  # (unit id, group id or None)
UNGROUPED = "-"  # the name respondents without a group go by in the disclosure decision


@dataclass(frozen=True, slots=True)
class Suppression:
    below_k: frozenset[Cell]  # fewer than k respondents
    complementary: frozenset[Cell]  # enough, but a figure shown elsewhere would give a small cell away

    @property
    def left_out(self) -> frozenset[Cell]:
        return self.below_k | self.complementary


def suppress(counts: dict[Cell, int], parents: dict[int, int | None], k: int) -> Suppression:
    """The cells the export leaves out: those the round's disclosure decision does not show."""
    decided = disclose_cells(parents, {(u, UNGROUPED if g is None else str(g)): n for (u, g), n in counts.items()}, k)
    seen = {cell: decided.cell(cell[0], UNGROUPED if cell[1] is None else str(cell[1])) for cell in counts}
    return Suppression(
        frozenset(c for c, v in seen.items() if v == Visibility.TOO_FEW),
        frozenset(c for c, v in seen.items() if v == Visibility.SUPPRESSED),
    )


RESPONSE_COLUMNS = ["respondent", "unit", "group", "question", "value", "score", "not_applicable"]
CODEBOOK_COLUMNS = [
    "code",
    "page",
    "kind",
    "dimension",
    "text_nb",
    "text_en",
    "values",
    "scoring",
    "reverse",
    "required",
    "not_applicable_allowed",
]


@dataclass(frozen=True, slots=True)
class Export:
    responses_csv: str
    codebook_csv: str
    codebook_notes: str
    respondents: int
    suppression: Suppression

    def files(self) -> dict[str, bytes]:
        """The three files; the CSV files start with a byte-order mark, so spreadsheets read UTF-8."""
        return {
            "responses.csv": ("\ufeff" + self.responses_csv).encode(),
            "codebook.csv": ("\ufeff" + self.codebook_csv).encode(),
            "codebook.txt": self.codebook_notes.encode(),
        }

    def zip_bytes(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files().items():
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # not even the export's time
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, content)
        return out.getvalue()


def _writer(out: io.StringIO) -> Any:
    return csv.writer(out, delimiter=";", lineterminator="\r\n")


def plain_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(round(float(value), 4))


def _value(answer: Answer) -> str:
    if answer.not_applicable:
        return ""
    if answer.options is not None:
        return "|".join(answer.options)
    if answer.option is not None:
        return answer.option
    if answer.number is not None:
        return plain_number(answer.number)
    return answer.text or ""


def cell_counts(session: Session, survey_round: SurveyRound) -> dict[Cell, int]:
    rows = session.execute(
        select(col(Response.unit_id), col(Response.group_id), func.count())
        .where(col(Response.round_id) == survey_round.id, col(Response.status) == "submitted")
        .group_by(col(Response.unit_id), col(Response.group_id))
    ).tuples()
    return {(unit_id, group_id): n for unit_id, group_id, n in rows}


def export_round(session: Session, survey_round: SurveyRound, *, rng: random.Random | None = None) -> Export:
    """The round's submitted answers in long format, with their codebook."""
    units = {u.id: u for u in session.execute(select(OrgUnit)).scalars()}
    parents = {unit_id: unit.parent_id for unit_id, unit in units.items() if unit_id is not None}
    groups = {g.id: g.code for g in session.execute(select(RespondentGroup)).scalars()}
    counts = cell_counts(session, survey_round)
    suppression = suppress(counts, parents, survey_round.min_group_size)
    released = [cell for cell in counts if cell not in suppression.left_out]

    responses = _released_responses(session, survey_round, released)
    (rng or random.SystemRandom()).shuffle(responses)
    number = {response_id: n for n, (response_id, _, _) in enumerate(responses, start=1)}
    survey = session.get_one(Survey, survey_round.survey_id)
    questions = _questions(session, survey)
    order = {q.id: i for i, q in enumerate(questions)}
    by_id = {q.id: q for q in questions}

    answers = list(session.execute(select(Answer).where(col(Answer.response_id).in_(list(number)))).scalars())
    answers.sort(key=lambda a: (number[a.response_id], order.get(a.question_id, 0)))
    place = {response_id: (unit_id, group_id) for response_id, unit_id, group_id in responses}
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow(RESPONSE_COLUMNS)
    for answer in answers:
        if answer.is_empty() or answer.question_id not in by_id:
            continue
        unit_id, group_id = place[answer.response_id]
        writer.writerow(
            [
                number[answer.response_id],
                units[unit_id].code,
                groups.get(group_id, "") if group_id is not None else "",
                by_id[answer.question_id].code,
                _value(answer),
                plain_number(answer.score),
                1 if answer.not_applicable else 0,
            ]
        )
    codebook = codebook_csv(session, survey, questions)
    notes = codebook_notes(survey, survey_round, len(responses), counts, suppression)
    return Export(out.getvalue(), codebook, notes, len(responses), suppression)


def _released_responses(
    session: Session, survey_round: SurveyRound, released: list[Cell]
) -> list[tuple[int, int, int | None]]:
    """(id, unit, group) of the submitted responses in released cells — ids stay in this module."""
    if not released:
        return []
    keep = set(released)
    rows = session.execute(
        select(col(Response.id), col(Response.unit_id), col(Response.group_id)).where(
            col(Response.round_id) == survey_round.id, col(Response.status) == "submitted"
        )
    ).tuples()
    return [(rid, unit_id, group_id) for rid, unit_id, group_id in rows if (unit_id, group_id) in keep and rid]


def _questions(session: Session, survey: Survey) -> list[Question]:
    """In the order a respondent meets them: page by page, then within the page."""
    return list(
        session.execute(
            select(Question)
            .join(SurveySection, col(SurveySection.id) == col(Question.section_id))
            .where(col(Question.survey_id) == survey.id)
            .order_by(col(SurveySection.position), col(Question.position))
        ).scalars()
    )


def _values_text(
    question: Question,
    options: list[QuestionOption],
    levels: list[LevelDescriptor],
    likert: list[dict[str, str]],
) -> str:
    if question.kind == "level":
        return "|".join(f"{d.level}={d.name_nb}/{d.name_en}" for d in levels)
    if question.kind == "likert":
        return "|".join(f"{n}={label.get('nb', '')}/{label.get('en', '')}" for n, label in enumerate(likert, start=1))
    if question.kind in ("single", "multi"):
        text = "|".join(f"{o.code}={o.text_nb}/{o.text_en}" for o in options)
        return text + (" (several, joined by |)" if question.kind == "multi" else "")
    if question.kind == "number":
        parts = ["number"]
        if question.min_value is not None:
            parts.append(f"from {plain_number(question.min_value)}")
        if question.max_value is not None:
            parts.append(f"to {plain_number(question.max_value)}")
        if question.unit_nb or question.unit_en:
            parts.append(f"({question.unit_nb}/{question.unit_en})")
        return " ".join(parts)
    return "free text"


def _scoring_text(question: Question) -> str:
    if question.kind not in SCORED_KINDS:
        return "not scored"
    rule = "(value - 1) * 25"
    return f"100 - {rule}" if question.reverse else rule


def codebook_csv(session: Session, survey: Survey, questions: list[Question]) -> str:
    """One row per question: what it asks and how its values and scores are coded."""
    sections = {s.id: n for n, s in enumerate(sections_of(session, survey), start=1)}
    dimensions = {d.id: d.code for d in session.execute(select(Dimension)).scalars()}
    options = options_by_question(session, [q.id for q in questions if q.id is not None])
    levels: dict[int, list[LevelDescriptor]] = {}
    dimension_ids = {q.dimension_id for q in questions if q.dimension_id is not None}
    for level in session.execute(
        select(LevelDescriptor)
        .where(col(LevelDescriptor.dimension_id).in_(dimension_ids))
        .order_by(col(LevelDescriptor.level))
    ).scalars():
        levels.setdefault(level.dimension_id, []).append(level)
    out = io.StringIO()
    writer = _writer(out)
    writer.writerow(CODEBOOK_COLUMNS)
    for q in questions:
        values = _values_text(
            q, options.get(q.id or 0, []), levels.get(q.dimension_id or 0, []), survey.likert_labels or []
        )
        writer.writerow(
            [
                q.code,
                sections.get(q.section_id, ""),
                q.kind,
                dimensions.get(q.dimension_id, "") if q.dimension_id is not None else "",
                q.text_nb,
                q.text_en,
                values,
                _scoring_text(q),
                1 if q.reverse else 0,
                1 if q.required else 0,
                1 if q.allow_na else 0,
            ]
        )
    return out.getvalue()


def codebook_notes(
    survey: Survey, survey_round: SurveyRound, respondents: int, counts: dict[Cell, int], suppression: Suppression
) -> str:
    left_out = sum(counts[c] for c in suppression.left_out)
    return (
        f"Survey: {survey.code} version {survey.version} - {survey.title_en} / {survey.title_nb}\n"
        f"Round: {survey_round.name_en} / {survey_round.name_nb} ({survey_round.period_label}), "
        f"answers {survey_round.anonymity}\n"
        f"Minimum group size k: {survey_round.min_group_size}\n\n"
        "responses.csv: one row per answer of a submitted response (semicolon-separated, UTF-8, "
        "decimal point).\n"
        "  respondent      a number given at random in this export only; it is not stored and changes "
        "from one export to the next\n"
        "  unit            the code of the respondent's unit\n"
        "  group           the code of the respondent's group (empty when none)\n"
        "  question        the question's code (codebook.csv)\n"
        "  value           level or Likert point 1-5, an option code, several option codes joined by |, "
        "a number or a text; empty when not applicable\n"
        "  score           0-100 for scored questions (codebook.csv: scoring), empty otherwise\n"
        "  not_applicable  1 when the respondent chose 'not applicable / don't know', else 0\n"
        "There is no identifier of any kind: no database ids, e-mail addresses, links or times.\n\n"
        f"Respondents in this export: {respondents}\n"
        f"Unit x group cells left out because they have fewer than k submitted responses: "
        f"{len(suppression.below_k)}\n"
        f"Further cells left out so that those cannot be worked out from totals shown elsewhere: "
        f"{len(suppression.complementary)}\n"
        f"Submitted responses left out in all: {left_out}\n"
        "Which cells were left out is not said.\n"
    )
