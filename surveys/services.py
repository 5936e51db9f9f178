"""Rounds, invitations and answering: a respondent opens a round by personal link, answers
(each answer an idempotent upsert), submits, and may reopen until the round closes."""

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, bindparam, func, or_, select, text
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.csvio import read_csv
from maturity.db import UTCDateTime, utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.mail import send_mail
from maturity.maturity_model.models import Dimension, LevelDescriptor
from maturity.numbers import NumberProblem, parse_number
from maturity.scoring import question_score
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from maturity.units.services import subtree_ids
from surveys.models import (
    SCORED_KINDS,
    Anonymity,
    Answer,
    Invitation,
    InvitationToken,
    Question,
    QuestionOption,
    RespondentGroup,
    Response,
    ResponseInvitation,
    RoundUnit,
    Survey,
    SurveyRound,
    SurveySection,
)

MAX_TEXT = 5000
NOT_APPLICABLE = "na"


class RoundClosed(Exception):
    """The round is not open: nothing can be written."""


class AlreadySubmitted(Exception):
    """This link's invitation has a submitted response from another link: one response per invitation."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resume_key(secret: str, token: str) -> str:
    """Finds a response again from its link token. Keyed, and unlike ``token_hash``, so the stored
    invitation and the stored response cannot be matched without the token itself."""
    return hmac.new(secret.encode(), b"response:" + token.encode(), hashlib.sha256).hexdigest()


# --- rounds -------------------------------------------------------------------------------------


def freeze(session: Session, survey: Survey, now: datetime) -> None:
    """From the first opening on, a survey version's questions stay as they are."""
    if survey.frozen_at is None:
        survey.frozen_at = now
        session.add(survey)


def create_round(
    session: Session,
    survey: Survey,
    *,
    name_nb: str,
    name_en: str,
    period_label: str,
    opens_at: datetime,
    closes_at: datetime,
    unit_codes: Sequence[str],
    anonymity: str = Anonymity.ANONYMOUS,
    min_group_size: int = 5,
    actor: Actor,
) -> SurveyRound:
    problems: list[Problem] = []
    if not name_nb.strip() or not name_en.strip():
        problems.append(Problem(N_("The name is empty."), path="name"))
    if closes_at <= opens_at:
        problems.append(Problem(N_("The round must close after it opens."), path="closes_at"))
    if anonymity not in (Anonymity.ANONYMOUS, Anonymity.CONFIDENTIAL):
        problems.append(Problem(N_("Choose one of the options."), path="anonymity", value=anonymity))
    if min_group_size < 2:
        problems.append(Problem(N_("Must be at least %(limit)s."), {"limit": 2}, path="min_group_size"))
    units = {u.code: u for u in session.execute(select(OrgUnit).where(col(OrgUnit.code).in_(unit_codes))).scalars()}
    for code in unit_codes:
        if code not in units:
            problems.append(Problem(N_("Unknown unit %(value)s."), {"value": code}, path="units", value=code))
    if not unit_codes:
        problems.append(Problem(N_("Name at least one unit."), path="units"))
    if problems:
        raise InvalidInput(problems)
    assert survey.id is not None
    survey_round = SurveyRound(
        survey_id=survey.id,
        name_nb=name_nb.strip(),
        name_en=name_en.strip(),
        period_label=period_label.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        anonymity=anonymity,
        min_group_size=min_group_size,
    )
    session.add(survey_round)
    session.flush()
    assert survey_round.id is not None
    session.add_all(RoundUnit(round_id=survey_round.id, unit_id=u.id) for u in units.values() if u.id is not None)
    if opens_at <= utcnow():
        freeze(session, survey, utcnow())
    session.flush()
    record_event(session, actor, "create", survey_round, label=survey_round.name_en, after=snapshot(survey_round))
    return survey_round


def round_unit_ids(session: Session, survey_round: SurveyRound) -> set[int]:
    """Every unit the round is for: its target units and everything below them."""
    roots = list(
        session.execute(select(col(RoundUnit.unit_id)).where(col(RoundUnit.round_id) == survey_round.id)).scalars()
    )
    return {unit_id for unit_id in session.execute(subtree_ids(roots)).scalars() if unit_id is not None}


# --- invitations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Invitee:
    email: str
    unit_code: str
    group_code: str | None = None
    line: int | None = None


def invite(
    session: Session, survey_round: SurveyRound, invitees: Sequence[Invitee], *, actor: Actor
) -> list[tuple[Invitation, str]]:
    """One single-use link per person, all or none; returns each invitation with its token (shown once)."""
    problems: list[Problem] = []
    allowed = round_unit_ids(session, survey_round)
    units = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    groups = {g.code: g for g in session.execute(select(RespondentGroup)).scalars()}
    already = set(
        session.execute(select(col(Invitation.email)).where(col(Invitation.round_id) == survey_round.id)).scalars()
    )
    seen: set[str] = set()
    for person in invitees:
        email = person.email.strip().lower()
        if "@" not in email or len(email) > 254:
            problems.append(
                Problem(
                    N_("%(value)s is not an e-mail address."),
                    {"value": email},
                    column="email",
                    value=email,
                    line=person.line,
                )
            )
        elif email in seen or email in already:
            problems.append(
                Problem(
                    N_("%(value)s is invited twice."), {"value": email}, column="email", value=email, line=person.line
                )
            )
        seen.add(email)
        unit = units.get(person.unit_code)
        if unit is None or unit.id not in allowed:
            problems.append(
                Problem(
                    N_("Unknown unit %(value)s."),
                    {"value": person.unit_code},
                    column="unit",
                    value=person.unit_code,
                    line=person.line,
                )
            )
        if person.group_code and person.group_code not in groups:
            problems.append(
                Problem(
                    N_("Unknown group %(value)s."),
                    {"value": person.group_code},
                    column="group",
                    value=person.group_code,
                    line=person.line,
                )
            )
    if problems:
        raise InvalidInput(problems)
    assert survey_round.id is not None
    out = []
    for person in invitees:
        token = secrets.token_urlsafe(24)
        group = groups.get(person.group_code) if person.group_code else None
        invitation = Invitation(
            round_id=survey_round.id,
            token_hash=token_hash(token),
            email=person.email.strip().lower(),
            unit_id=units[person.unit_code].id,
            group_id=group.id if group else None,
        )
        session.add(invitation)
        out.append((invitation, token))
    session.flush()
    record_event(session, actor, "invite", survey_round, label=survey_round.name_en, after={"invitations": len(out)})
    return out


# --- answering ----------------------------------------------------------------------------------


@dataclass
class Respondent:
    """An open response and what it belongs to, as found from a link token."""

    response: Response
    survey_round: SurveyRound
    survey: Survey
    invitation: Invitation


def find_invitation(session: Session, token: str) -> Invitation | None:
    """The invitation a link token belongs to: its first link, or one minted later."""
    digest = token_hash(token)
    invitation = session.execute(select(Invitation).where(col(Invitation.token_hash) == digest)).scalars().first()
    if invitation is None:
        invitation = (
            session.execute(
                select(Invitation)
                .join(InvitationToken, col(InvitationToken.invitation_id) == col(Invitation.id))
                .where(col(InvitationToken.token_hash) == digest)
            )
            .scalars()
            .first()
        )
    return invitation


def mint_token(session: Session, invitation: Invitation) -> str:
    """A further link to the invitation (the first one cannot be rebuilt: only its hash is kept).
    The earlier links keep working."""
    assert invitation.id is not None
    token = secrets.token_urlsafe(24)
    session.add(InvitationToken(token_hash=token_hash(token), invitation_id=invitation.id))
    session.flush()
    return token


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


def _options(session: Session, question: AnswerRule) -> set[str]:
    return set(
        session.execute(
            select(col(QuestionOption.code)).where(col(QuestionOption.question_id) == question.id)
        ).scalars()
    )


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
        if values[0] not in _options(session, question):
            raise bad(N_("Choose one of the options."))
        return {**empty, "option": values[0]}
    if kind == "multi":
        allowed = _options(session, question)
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


def questions_of(session: Session, survey: Survey) -> list[Question]:
    return list(
        session.execute(
            select(Question).where(col(Question.survey_id) == survey.id).order_by(col(Question.position))
        ).scalars()
    )


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


# --- what the answering pages show ----------------------------------------------------------------


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


def sections_of(session: Session, survey: Survey) -> list[SurveySection]:
    return list(
        session.execute(
            select(SurveySection).where(col(SurveySection.survey_id) == survey.id).order_by(col(SurveySection.position))
        ).scalars()
    )


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
    options: dict[int, list[QuestionOption]] = {}
    for option in session.execute(
        select(QuestionOption)
        .where(col(QuestionOption.question_id).in_([q.id for q in questions]))
        .order_by(col(QuestionOption.position))
    ).scalars():
        options.setdefault(option.question_id, []).append(option)
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


# --- staff lists and links ------------------------------------------------------------------------

STAFF_COLUMNS = ["email", "unit", "group"]
STAFF_ALIASES = {"e-post": "email", "epost": "email", "enhet": "unit", "gruppe": "group"}


def invite_from_csv(
    session: Session, survey_round: SurveyRound, data: bytes, *, actor: Actor
) -> list[tuple[Invitation, str]]:
    """A staff list (email, unit, group) → one single-use link each; every problem located, all or nothing."""
    table = read_csv(data, required=["email", "unit"], optional=["group"], aliases=STAFF_ALIASES)
    invitees = [
        Invitee(row.get("email"), row.get("unit"), row.get("group") or None, line=row.line) for row in table.rows
    ]
    return invite(session, survey_round, invitees, actor=actor)


def answer_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/s/{token}"


def links_csv(session: Session, issued: Sequence[tuple[Invitation, str]], base_url: str) -> str:
    """The personal links, once: only their hashes are kept."""
    units = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
    groups = dict(session.execute(select(col(RespondentGroup.id), col(RespondentGroup.code))).tuples().all())
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["email", "unit", "group", "link"])
    for invitation, token in issued:
        group = groups.get(invitation.group_id, "") if invitation.group_id else ""
        writer.writerow([invitation.email, units.get(invitation.unit_id, ""), group, answer_link(base_url, token)])
    return out.getvalue()


def send_invitations(
    session: Session,
    settings: Settings,
    survey: Survey,
    survey_round: SurveyRound,
    issued: Sequence[tuple[Invitation, str]],
) -> int:
    """E-mail each person their link, in both languages (we do not know which they read)."""
    closes = survey_round.closes_at.astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y %H:%M")
    for invitation, token in issued:
        link = answer_link(settings.base_url, token)
        body = (
            f"{survey.title_nb}\n\n{survey.intro_nb}\n\nDin personlige lenke: {link}\n"
            f"Undersøkelsen er åpen til {closes}. Ikke del lenken: den er din.\n\n"
            "— English —\n\n"
            f"{survey.title_en}\n\n{survey.intro_en}\n\nYour personal link: {link}\n"
            f"The survey is open until {closes} (Norwegian time). Do not share the link: it is yours.\n"
        )
        send_mail(settings, to=invitation.email, subject=f"{survey.title_nb} / {survey.title_en}", body=body)
        invitation.sent_at = utcnow()
        session.add(invitation)
    session.flush()
    return len(issued)
