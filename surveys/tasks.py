"""The surveys' background tasks: rounds open and close at their times without anyone clicking
(a periodic task, deferred once per period however many workers run), and invitations and
reminders sent by e-mail with retries.

Mails go one per transaction: each person's ``sent_at`` or ``reminded_at`` is committed right
after the mail server took their mail, so a mail-server error or a dead worker never loses who
was already mailed (a worker killed between the server's answer and the commit can send that one
person a second mail, never more). A refusal ends the try; the task is tried again with
exponential backoff and goes on with those not yet reminded.
"""

import logging
from typing import Any

from maturity.audit.services import Actor
from maturity.db import utcnow
from maturity.errors import InvalidInput
from maturity.jobs import PeriodicSpec, Retry, Runtime, TaskSpec, every
from surveys.invitations import send_invitations
from surveys.reminders import record_reminders, send_reminders
from surveys.scheduling import get_round, keep_rounds_on_schedule

log = logging.getLogger("maturity.surveys")
ROUND_SCHEDULE = "surveys.round_schedule"
SEND_REMINDERS = "surveys.send_reminders"
SEND_INVITATIONS = "surveys.send_invitations"
MAIL_QUEUE = "mail"


class MailNotDone(Exception):
    """The mail server refused; the reminders not sent yet wait for the next try."""


def reminders_lock(round_id: int) -> str:
    return f"reminders:{round_id}"


def send_reminders_task(runtime: Runtime, round_id: int, actor: str) -> dict[str, Any]:
    """Remind everyone due in the round, one committed mail at a time."""
    sent = 0
    who = Actor.system(actor)
    try:
        while True:
            with runtime.database.transaction() as session:
                survey_round = get_round(session, round_id)
                result = send_reminders(
                    session, runtime.settings, survey_round, now=utcnow(), actor=who, limit=1, audit=False
                )
            sent += result.sent
            if result.failed:
                raise MailNotDone(f"round {round_id}: the mail server refused after {sent} reminder(s)")
            if not result.sent:
                return {"sent": sent}
    except InvalidInput:
        log.info("round %s is no longer open: its reminders are not sent", round_id)
        return {"sent": sent}
    finally:
        if sent:
            with runtime.database.transaction() as session:
                record_reminders(session, who, get_round(session, round_id), sent)


def send_invitations_task(runtime: Runtime, round_id: int, invitation_ids: list[int]) -> dict[str, Any]:
    """Mail these invitations their links, one committed mail at a time (those mailed already,
    by an earlier try or another task, are not mailed again)."""
    sent = 0
    while True:
        with runtime.database.transaction() as session:
            survey_round = get_round(session, round_id)
            result = send_invitations(session, runtime.settings, survey_round, invitation_ids, limit=1)
        sent += result.sent
        if result.failed:
            raise MailNotDone(f"round {round_id}: the mail server refused after {sent} invitation(s)")
        if not result.sent:
            return {"sent": sent}


def round_schedule_task(runtime: Runtime, timestamp: int) -> dict[str, Any]:
    """``timestamp``: the period this run is for (procrastinate's periodic deferrer sets it)."""
    with runtime.database.transaction() as session:
        result = keep_rounds_on_schedule(session, utcnow())
    return {"opened": result.opened, "closed": result.closed, "for": timestamp}


SCHEDULE = TaskSpec(ROUND_SCHEDULE, round_schedule_task)
MAIL_RETRY = Retry(attempts=6, wait=lambda settings: settings.mail_retry_seconds)
TASKS = [
    SCHEDULE,
    TaskSpec(SEND_INVITATIONS, send_invitations_task, queue=MAIL_QUEUE, retry=MAIL_RETRY),
    TaskSpec(
        SEND_REMINDERS,
        send_reminders_task,
        queue=MAIL_QUEUE,
        retry=MAIL_RETRY,
    ),
]
PERIODIC = [PeriodicSpec(SCHEDULE, lambda settings: every(settings.schedule_check_seconds))]
