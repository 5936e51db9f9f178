"""Every package's background tasks, periodic tasks and worker warm-ups, in one registry.

Part of the composition root, like app.py and all_models.py: the only other module that may
import every package. The app, ``maturity worker`` and the command line take their tasks here;
a package adds its own by listing them in its ``tasks`` module and here.
"""

from collections.abc import Sequence

from maturity.jobs import JobQueue, PeriodicSpec, Runtime, TaskSpec, WarmUp, open_queue, run_worker
from maturity.settings import Settings
from reports import tasks as report_tasks
from reports import update_tasks
from surveys import tasks as survey_tasks

TASKS: list[TaskSpec] = [*report_tasks.TASKS, *update_tasks.TASKS, *survey_tasks.TASKS]
PERIODIC: list[PeriodicSpec] = [*survey_tasks.PERIODIC, *update_tasks.PERIODIC]
WARM_UPS: list[WarmUp] = [report_tasks.warm_up]


def periodic(settings: Settings) -> list[PeriodicSpec]:
    """The periodic tasks, unless ``MATURITY_PERIODIC_TASKS`` turns them off."""
    return PERIODIC if settings.periodic_tasks else []


def queue_for(runtime: Runtime, *, threads: int = 1) -> JobQueue:
    """Procrastinate (PostgreSQL) or a local runner in this process, with every task."""
    return open_queue(runtime.settings, runtime, TASKS, periodic(runtime.settings), threads=threads)


def work(settings: Settings, *, concurrency: int, queues: Sequence[str], wait: bool) -> None:
    run_worker(settings, TASKS, periodic(settings), WARM_UPS, concurrency=concurrency, queues=queues, wait=wait)
