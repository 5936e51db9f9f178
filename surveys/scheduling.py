"""Rounds from the builder: scheduled for a survey version, opened now, closed now; all audited."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import Choice, FormData, FormField, FormState, InvalidForm, local_time_value, read_form
from maturity.units.models import OrgUnit
from maturity.units.services import as_tree
from surveys.models import Anonymity, Question, Survey, SurveyRound, SurveySection
from surveys.rounds import create_round, freeze

ANONYMITY = [
    Choice(Anonymity.ANONYMOUS, N_("Anonymous: nothing links an answer to a person")),
    Choice(Anonymity.CONFIDENTIAL, N_("Confidential: reminders can go to those who have not finished")),
]
ROUND_FIELDS = [
    FormField("name_nb", N_("Name (Norwegian)"), max_length=200, lang="nb"),
    FormField("name_en", N_("Name (English)"), max_length=200, lang="en"),
    FormField(
        "period_label",
        N_("Period"),
        max_length=20,
        help=N_("The headcount period response rates are measured against, e.g. 2026."),
    ),
    FormField("opens_at", N_("Opens"), "datetime", help=N_("Norwegian time.")),
    FormField("closes_at", N_("Closes"), "datetime", help=N_("Norwegian time.")),
    FormField("units", N_("Target units"), "checkboxes", help=N_("Each unit with everything below it.")),
    FormField("anonymity", N_("Anonymity"), "radio"),
    FormField(
        "min_group_size",
        N_("Minimum group size (k)"),
        "int",
        minimum=2,
        help=N_("No result is shown for a group of fewer respondents."),
    ),
    FormField(
        "office_exact_counts",
        N_("The strategy office sees exact response counts below k"),
        "checkbox",
        required=False,
        help=N_("To follow the round up. Leaders, the API and reports read “fewer than k” either way."),
    ),
]


def round_choices(session: Session) -> dict[str, list[Choice]]:
    units = list(session.execute(select(OrgUnit)).scalars())
    return {
        "units": [
            Choice(n.unit.code, f"{n.unit.code} {n.unit.name_nb} / {n.unit.name_en}", False) for n in as_tree(units)
        ],
        "anonymity": ANONYMITY,
    }


def unit_tree(session: Session) -> list[tuple[OrgUnit, int]]:
    return [(n.unit, n.depth) for n in as_tree(list(session.execute(select(OrgUnit)).scalars()))]


def new_round_form(now: datetime) -> FormState:
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return FormState(
        {
            "period_label": str(start.year),
            "opens_at": local_time_value(start),
            "closes_at": local_time_value(start + timedelta(days=14)),
            "units": [],
            "anonymity": Anonymity.ANONYMOUS,
            "min_group_size": "5",
            "office_exact_counts": True,
        }
    )


def readiness_problems(session: Session, survey: Survey) -> list[Problem]:
    """A round can only be made for a version with questions on every page."""
    counts = dict(
        session.execute(
            select(col(SurveySection.id), func.count(col(Question.id)))
            .outerjoin(Question, col(Question.section_id) == col(SurveySection.id))
            .where(col(SurveySection.survey_id) == survey.id)
            .group_by(col(SurveySection.id))
        )
        .tuples()
        .all()
    )
    if not any(counts.values()):
        return [Problem(N_("The survey has no questions yet."))]
    if any(n == 0 for n in counts.values()):
        return [Problem(N_("A section has no questions: add some, or remove the section, before making a round."))]
    return []


def schedule_round(session: Session, survey: Survey, form: FormData, actor: Actor) -> SurveyRound:
    """A round of this version as the form describes it; every problem at its field, nothing written."""
    values, state = read_form(ROUND_FIELDS, form, round_choices(session))
    state.add(readiness_problems(session, survey))
    if values.get("opens_at") and values.get("closes_at") and values["closes_at"] <= values["opens_at"]:
        state.add([Problem(N_("The round must close after it opens."), path="closes_at")])
    if state.errors:
        raise InvalidForm(state)
    try:
        survey_round = create_round(
            session,
            survey,
            name_nb=values["name_nb"],
            name_en=values["name_en"],
            period_label=values["period_label"],
            opens_at=values["opens_at"],
            closes_at=values["closes_at"],
            unit_codes=values["units"],
            anonymity=values["anonymity"],
            min_group_size=values["min_group_size"],
            actor=actor,
        )
    except InvalidInput as exc:
        state.add(
            [
                Problem(p.message, p.params, value=p.value, path={"name": "name_nb"}.get(p.path or "", p.path))
                for p in exc.problems
            ]
        )
        raise InvalidForm(state) from None
    survey_round.office_exact_counts = values["office_exact_counts"]
    session.add(survey_round)
    session.flush()
    return survey_round


def get_round(session: Session, round_id: int) -> SurveyRound:
    survey_round = session.get(SurveyRound, round_id)
    if survey_round is None:
        raise NotFound(f"round {round_id}")
    return survey_round


def open_round_now(session: Session, survey_round: SurveyRound, actor: Actor, now: datetime) -> None:
    """A scheduled round opens at once; its survey version is frozen from now on."""
    if survey_round.status(now) != "scheduled":
        raise InvalidInput([Problem(N_("Only a scheduled round can be opened."))])
    survey_round.opens_at = now
    survey_round.opened_at = now
    session.add(survey_round)
    freeze(session, session.get_one(Survey, survey_round.survey_id), now)
    session.flush()
    record_event(session, actor, "open", survey_round, label=survey_round.name_en, after={"opens_at": now.isoformat()})


def close_round_now(session: Session, survey_round: SurveyRound, actor: Actor, now: datetime) -> None:
    """No answers from now on; what was submitted stays."""
    if survey_round.status(now) == "closed":
        raise InvalidInput([Problem(N_("The round is already closed."))])
    survey_round.closed_at = now
    session.add(survey_round)
    session.flush()
    record_event(
        session, actor, "close", survey_round, label=survey_round.name_en, after={"closed_at": now.isoformat()}
    )


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    opened: list[int]
    closed: list[int]


def keep_rounds_on_schedule(session: Session, now: datetime) -> ScheduleResult:
    """Open the rounds whose opening time has come and close those whose closing time has passed,
    as if someone had clicked at that moment (the version frozen, the event audited). Rows another
    process is changing are left for the next run (SKIP LOCKED), so two runs never do one twice."""
    actor = Actor.system("schedule")
    due_open = (
        select(SurveyRound)
        .where(col(SurveyRound.opened_at).is_(None), col(SurveyRound.opens_at) <= now)
        .order_by(col(SurveyRound.id))
        .with_for_update(skip_locked=True)
    )
    opened = []
    for survey_round in session.execute(due_open).scalars().all():
        survey_round.opened_at = survey_round.opens_at
        session.add(survey_round)
        freeze(session, session.get_one(Survey, survey_round.survey_id), survey_round.opens_at)
        session.flush()
        at = survey_round.opens_at.isoformat()
        record_event(session, actor, "open", survey_round, label=survey_round.name_en, after={"opens_at": at})
        opened.append(survey_round.id or 0)
    due_close = (
        select(SurveyRound)
        .where(col(SurveyRound.closed_at).is_(None), col(SurveyRound.closes_at) <= now)
        .order_by(col(SurveyRound.id))
        .with_for_update(skip_locked=True)
    )
    closed = []
    for survey_round in session.execute(due_close).scalars().all():
        survey_round.closed_at = survey_round.closes_at
        session.add(survey_round)
        session.flush()
        at = survey_round.closes_at.isoformat()
        record_event(session, actor, "close", survey_round, label=survey_round.name_en, after={"closed_at": at})
        closed.append(survey_round.id or 0)
    return ScheduleResult(opened, closed)
