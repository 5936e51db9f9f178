"""The surveys' background tasks: rounds open and close at their times without anyone clicking
(a periodic task, deferred once per period however many workers run)."""

from typing import Any

from maturity.db import utcnow
from maturity.jobs import PeriodicSpec, Runtime, TaskSpec, every
from surveys.scheduling import keep_rounds_on_schedule

ROUND_SCHEDULE = "surveys.round_schedule"


def round_schedule_task(runtime: Runtime, timestamp: int) -> dict[str, Any]:
    """``timestamp``: the period this run is for (procrastinate's periodic deferrer sets it)."""
    with runtime.database.transaction() as session:
        result = keep_rounds_on_schedule(session, utcnow())
    return {"opened": result.opened, "closed": result.closed, "for": timestamp}


TASKS = [TaskSpec(ROUND_SCHEDULE, round_schedule_task)]
PERIODIC = [PeriodicSpec(TASKS[0], lambda settings: every(settings.schedule_check_seconds))]
