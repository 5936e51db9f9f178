"""Reminders to those who have not submitted.

The server keeps only the hash of a link, so it cannot send the first link again: each reminder
carries a newly minted link to the same invitation, and the earlier links keep working. In an
anonymous round the only thing known is the invitation's ``used`` flag, so a reminder cannot
tell whether someone has started; in a confidential round it can, and every link of an
invitation leads to the same response.
"""

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event
from maturity.errors import N_, InvalidInput, Problem
from maturity.mail import send_mail
from maturity.settings import Settings
from surveys.invitations import answer_link, mint_token
from surveys.models import Anonymity, Invitation, Response, ResponseInvitation, Survey, SurveyRound


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    not_submitted: int  # invitations not used
    due: int  # of those, not reminded within the interval
    interval_hours: int


@dataclass(frozen=True, slots=True)
class ReminderResult:
    sent: int
    failed: int  # the mail server refused; these are left for the next try


def _not_submitted(survey_round: SurveyRound) -> list[ColumnElement[bool]]:
    return [col(Invitation.round_id) == survey_round.id, col(Invitation.used).is_(False)]


def _due(survey_round: SurveyRound, now: datetime, interval: timedelta) -> list[ColumnElement[bool]]:
    return [
        *_not_submitted(survey_round),
        or_(col(Invitation.reminded_at).is_(None), col(Invitation.reminded_at) <= now - interval),
    ]


def reminder_plan(session: Session, settings: Settings, survey_round: SurveyRound, *, now: datetime) -> ReminderPlan:
    interval = timedelta(hours=settings.reminder_interval_hours)
    count = select(func.count()).select_from(Invitation)
    return ReminderPlan(
        not_submitted=session.execute(count.where(*_not_submitted(survey_round))).scalar_one(),
        due=session.execute(count.where(*_due(survey_round, now, interval))).scalar_one(),
        interval_hours=settings.reminder_interval_hours,
    )


def _started(session: Session, survey_round: SurveyRound) -> set[int]:
    """Confidential rounds only: the invitations with a response in draft."""
    if survey_round.anonymity != Anonymity.CONFIDENTIAL:
        return set()
    rows = session.execute(
        select(col(ResponseInvitation.invitation_id))
        .join(Response, col(Response.id) == col(ResponseInvitation.response_id))
        .where(col(Response.round_id) == survey_round.id, col(Response.status) == "draft")
    ).scalars()
    return set(rows)


def check_open_for_reminders(survey_round: SurveyRound, now: datetime) -> None:
    if not survey_round.is_open(now):
        raise InvalidInput([Problem(N_("Reminders can only be sent while the round is open."))])


def send_reminders(
    session: Session,
    settings: Settings,
    survey_round: SurveyRound,
    *,
    now: datetime,
    actor: Actor,
    limit: int | None = None,
    audit: bool = True,
) -> ReminderResult:
    """A new link by e-mail to everyone who has not submitted and was not reminded within the
    interval (at most ``limit`` of them). Stops at the first mail-server error, keeping the
    reminders already sent; ``audit=False`` leaves the audit event to the caller."""
    check_open_for_reminders(survey_round, now)
    survey = session.get_one(Survey, survey_round.survey_id)
    interval = timedelta(hours=settings.reminder_interval_hours)
    statement = select(Invitation).where(*_due(survey_round, now, interval)).order_by(col(Invitation.email))
    due = list(session.execute(statement.limit(limit) if limit else statement).scalars().all())
    started = _started(session, survey_round)
    sent = 0
    for invitation in due:
        token = mint_token(session, invitation)
        body = reminder_body(survey, survey_round, answer_link(settings.base_url, token), invitation.id in started)
        try:
            send_mail(
                settings,
                to=invitation.email,
                subject=f"Påminnelse: {survey.title_nb} / Reminder: {survey.title_en}",
                body=body,
            )
        except (OSError, smtplib.SMTPException):
            break
        invitation.reminded_at = now
        session.add(invitation)
        sent += 1
    session.flush()
    if sent and audit:
        record_reminders(session, actor, survey_round, sent)
    return ReminderResult(sent=sent, failed=len(due) - sent)


def record_reminders(session: Session, actor: Actor, survey_round: SurveyRound, sent: int) -> None:
    record_event(session, actor, "remind", survey_round, label=survey_round.name_en, after={"reminders": sent})


def reminder_body(survey: Survey, survey_round: SurveyRound, link: str, started: bool) -> str:
    """Both languages, as the invitation (we do not know which the person reads)."""
    closes = survey_round.closes_at.astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y %H:%M")
    if started:  # confidential rounds only
        nb = "Du har begynt, men ikke sendt inn svarene dine. Lenken under tar deg tilbake til dem."
        en = "You have started but not submitted your answers. The link below takes you back to them."
    elif survey_round.anonymity == Anonymity.CONFIDENTIAL:
        nb = "Vi har ikke mottatt svarene dine ennå. Her er en ny personlig lenke."
        en = "We have not received your answers yet. Here is a new personal link."
    else:
        nb = (
            "Vi har ikke mottatt svarene dine ennå. Her er en ny personlig lenke. Svarene er anonyme, så vi vet "
            "ikke om du har begynt: har du begynt med en tidligere lenke, fortsett med den, for svarene dine er "
            "lagret der. Den nye lenken begynner et nytt svar."
        )
        en = (
            "We have not received your answers yet. Here is a new personal link. Answers are anonymous, so we "
            "do not know whether you have started: if you began with an earlier link, continue with that one, "
            "as your answers are kept there. The new link starts a new set of answers."
        )
    return (
        f"{survey.title_nb}\n\n{nb}\n\nDin personlige lenke: {link}\n"
        f"Undersøkelsen er åpen til {closes}. Ikke del lenken: den er din.\n\n"
        "— English —\n\n"
        f"{survey.title_en}\n\n{en}\n\nYour personal link: {link}\n"
        f"The survey is open until {closes} (Norwegian time). Do not share the link: it is yours.\n"
    )
