"""Reminders of the updates people owe, as a periodic task: one committed mail at a time (the
``update_reminder`` row of each person mailed is committed right after the mail server took the
mail, so a refusal or a dead worker never loses who was reminded); a refusal ends the run and
the next run goes on with those not yet reminded."""

import logging
from typing import Any

from maturity.audit.services import Actor
from maturity.db import utcnow
from maturity.jobs import PeriodicSpec, Runtime, TaskSpec, every
from reports.update_reminders import owed_values_now, record_update_reminders, send_update_reminders

log = logging.getLogger("maturity.reports")
REMIND_UPDATES = "reports.remind_updates"
MAIL_QUEUE = "mail"


def remind_updates(runtime: Runtime, actor: str = "scheduled reminders") -> dict[str, Any]:
    """Remind everyone due, one committed mail at a time; the counts sent and refused."""
    who = Actor.system(actor)
    sent = 0
    with runtime.database.transaction() as session:
        values = owed_values_now(session, utcnow())  # once for the run, not once per mail
    if values is None:
        return {"sent": 0, "failed": 0}
    nothing_due: set[int] = set()  # who owes nothing due yet: looked at once for the run, too
    try:
        while True:
            with runtime.database.transaction() as session:
                result = send_update_reminders(
                    session,
                    runtime.settings,
                    now=utcnow(),
                    actor=who,
                    limit=1,
                    audit=False,
                    values=values,
                    nothing_due=nothing_due,
                )
            sent += result.sent
            if result.failed:
                log.warning("the mail server refused after %s update reminder(s); the next run goes on", sent)
                return {"sent": sent, "failed": result.failed}
            if not result.sent:
                return {"sent": sent, "failed": 0}
    finally:
        if sent:
            with runtime.database.transaction() as session:
                record_update_reminders(session, who, sent)


def remind_updates_task(runtime: Runtime, timestamp: int) -> dict[str, Any]:
    """``timestamp``: the period this run is for (procrastinate's periodic deferrer sets it)."""
    return {**remind_updates(runtime), "for": timestamp}


REMIND = TaskSpec(REMIND_UPDATES, remind_updates_task, queue=MAIL_QUEUE)
TASKS = [REMIND]
PERIODIC = [PeriodicSpec(REMIND, lambda settings: every(settings.update_reminder_check_seconds))]
