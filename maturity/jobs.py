"""Background work: tasks each package declares, run by procrastinate workers on PostgreSQL or
by a local runner in the app's own process (the SQLite default).

A task is a plain function of a ``Runtime`` (settings, database, what a warm process keeps) and
JSON arguments, declared with ``TaskSpec``; a periodic one with ``PeriodicSpec``. The same
function runs in both runners:

- ``ProcrastinateQueue`` defers jobs into procrastinate's tables; ``maturity worker`` processes
  on any machine that reaches the database run them (LISTEN/NOTIFY, retries, queueing locks,
  periodic tasks deferred once per period however many workers run, stalled jobs of a dead
  worker retried by the ``retry_stalled_jobs`` periodic task).
- ``LocalRunner`` runs them in threads of the process that deferred them, with the same
  queueing locks, retries and schedules; what it held is lost if the process dies, so each task
  keeps its own state in the database and the app re-defers what was left undone at start-up.

``maturity.all_tasks`` collects every package's tasks (the composition root's part).
"""

import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from procrastinate import BaseRetryStrategy, RetryDecision

from maturity.db import Database
from maturity.settings import Settings

log = logging.getLogger("maturity.jobs")
DEFAULT_QUEUE = "default"


@dataclass
class Runtime:
    """What a task is given: the process's settings and database, and what it keeps warm between
    tasks (``cache``; each package names its own keys)."""

    settings: Settings
    database: Database
    cache: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)  # guards ``cache``

    def kept(self, key: str, make: Callable[[], Any]) -> Any:
        with self.lock:
            if key not in self.cache:
                self.cache[key] = make()
            return self.cache[key]


TaskFunction = Callable[..., object]


@dataclass(frozen=True, slots=True)
class Retry:
    """How often a failed task is tried again, waiting ``wait × 2^(attempt−1)`` seconds between
    tries (exponential backoff); ``wait`` may be read from the settings."""

    attempts: int = 0  # tries after the first
    wait: float | Callable[[Settings], float] = 1.0

    def wait_seconds(self, settings: Settings) -> float:
        return self.wait(settings) if callable(self.wait) else self.wait

    def delay(self, attempt: int, settings: Settings) -> float:
        return self.wait_seconds(settings) * 2 ** max(attempt - 1, 0)


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    function: TaskFunction  # function(runtime, **kwargs)
    queue: str = DEFAULT_QUEUE
    retry: Retry = Retry()


@dataclass(frozen=True, slots=True)
class PeriodicSpec:
    """A task deferred on a schedule: ``cron`` reads the schedule from the settings (a
    five-field cron line, or six with seconds last)."""

    task: TaskSpec
    cron: Callable[[Settings], str]


class AlreadyQueued(Exception):
    """A job with the same queueing lock is waiting to run."""


@runtime_checkable
class JobQueue(Protocol):
    def defer(self, task: str, *, lock: str | None = None, **kwargs: Any) -> bool:
        """Queue ``task``; False when a job with the same ``lock`` is already waiting."""
        ...

    def close(self) -> None: ...


# --- procrastinate --------------------------------------------------------------------------


def conninfo(database_url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL (psycopg wants no driver name)."""
    from sqlalchemy import make_url

    url = make_url(database_url)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def procrastinate_app(settings: Settings, tasks: Sequence[TaskSpec], periodic: Sequence[PeriodicSpec]) -> Any:
    """A procrastinate App with every task registered under its own name (not opened)."""
    import procrastinate

    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url)),
        periodic_defaults={"max_delay": settings.periodic_max_delay_seconds},
    )
    registered: dict[str, Any] = {}

    @app.periodic(cron=every(settings.stalled_check_seconds), periodic_id="retry_stalled_jobs")
    @app.task(name="maturity.retry_stalled_jobs", queueing_lock="maturity.retry_stalled_jobs", pass_context=True)
    async def retry_stalled_jobs(context: Any, timestamp: int) -> None:
        """Jobs left running by a worker that stopped sending heartbeats (killed, its machine
        gone) go back to the queue; their tasks finish what the dead worker had not committed."""
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.stalled_after_seconds):
            log.warning("job %s (%s) of a stalled worker is queued again", job.id, job.task_name)
            await manager.retry_job(job)

    for spec in tasks:
        registered[spec.name] = _register(app, spec, settings)
    for schedule in periodic:
        app.periodic(cron=schedule.cron(settings), periodic_id=schedule.task.name)(registered[schedule.task.name])
    return app


def _register(app: Any, spec: TaskSpec, settings: Settings) -> Any:

    retry = DoublingRetry(spec.retry, settings) if spec.retry.attempts else False

    def run(context: Any, **kwargs: Any) -> object:
        return spec.function(context.additional_context["runtime"], **kwargs)

    run.__name__ = spec.name.replace(".", "_")
    return app.task(name=spec.name, queue=spec.queue, pass_context=True, retry=retry)(run)


class DoublingRetry(BaseRetryStrategy):
    """procrastinate's retries with our ``Retry``'s waits: the first wait, doubled on each try."""

    def __init__(self, retry: Retry, settings: Settings) -> None:
        self.retry = retry
        self.settings = settings

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> RetryDecision | None:
        if job.attempts >= self.retry.attempts:
            return None
        return RetryDecision(retry_in={"seconds": round(self.retry.delay(job.attempts + 1, self.settings))})


class ProcrastinateQueue:
    """Defers into procrastinate's tables, from any thread (a sync connection pool)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._opened = False
        self._lock = threading.Lock()

    def defer(self, task: str, *, lock: str | None = None, **kwargs: Any) -> bool:
        from procrastinate.exceptions import AlreadyEnqueued

        with self._lock:
            if not self._opened:
                self.app.open()
                self._opened = True
        options: dict[str, Any] = {"allow_unknown": False}
        if lock is not None:
            # queueing_lock: no second waiting job; lock: never two running at once either.
            options.update(queueing_lock=lock, lock=lock)
        try:
            self.app.configure_task(task, **options).defer(**kwargs)
        except AlreadyEnqueued:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            if self._opened:
                self.app.close()
                self._opened = False


# --- the local runner -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Job:
    task: TaskSpec
    kwargs: Mapping[str, Any]
    lock: str | None
    attempt: int = 1
    not_before: float = 0.0


class LocalRunner:
    """Runs tasks in ``threads`` threads of this process, with procrastinate's rules: a job whose
    lock is already waiting is refused, two jobs with one lock never run at once, a failed task is
    tried again with backoff, periodic tasks fire once per period of their schedule."""

    def __init__(
        self,
        runtime: Runtime,
        tasks: Sequence[TaskSpec],
        periodic: Sequence[PeriodicSpec] = (),
        *,
        threads: int = 1,
    ) -> None:
        self.runtime = runtime
        self.tasks = {spec.name: spec for spec in tasks}
        self.periodic = list(periodic)
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._waiting: set[str] = set()
        self._running: set[str] = set()
        self._state = threading.Condition()
        self._outstanding = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._work, name=f"maturity-task-{n}", daemon=True) for n in range(max(threads, 1))
        ]
        if self.periodic:
            self._threads.append(threading.Thread(target=self._schedule, name="maturity-periodic", daemon=True))
        for thread in self._threads:
            thread.start()

    def defer(self, task: str, *, lock: str | None = None, **kwargs: Any) -> bool:
        spec = self.tasks[task]  # an unknown task is a programming error, as in procrastinate
        with self._state:
            if lock is not None:
                if lock in self._waiting:
                    return False
                self._waiting.add(lock)
            self._outstanding += 1
        self._queue.put(_Job(spec, dict(kwargs), lock))
        return True

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every deferred job has finished (tests, the command line)."""
        with self._state:
            return self._state.wait_for(lambda: self._outstanding == 0, timeout)

    def close(self) -> None:
        self._stop.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout=30)

    def _work(self) -> None:
        while not self._stop.is_set():
            job = self._queue.get()
            if job is None:
                return
            if job.not_before > time.monotonic() or not self._take_lock(job):
                self._queue.put(job)  # not yet, or its lock's other job is running: back in line
                time.sleep(0.05)
                continue
            self._run(job)

    def _take_lock(self, job: _Job) -> bool:
        with self._state:
            if job.lock is None:
                return True
            if job.lock in self._running:
                return False
            self._running.add(job.lock)
            self._waiting.discard(job.lock)
            return True

    def _run(self, job: _Job) -> None:
        retry: _Job | None = None
        try:
            job.task.function(self.runtime, **job.kwargs)
        except Exception:
            if job.attempt <= job.task.retry.attempts:
                delay = job.task.retry.delay(job.attempt, self.runtime.settings)
                log.warning("task %s failed (try %s); trying again in %.1f s", job.task.name, job.attempt, delay)
                retry = _Job(job.task, job.kwargs, job.lock, job.attempt + 1, time.monotonic() + delay)
            else:
                log.exception("task %s failed", job.task.name)
        with self._state:
            if job.lock is not None:
                self._running.discard(job.lock)
                if retry is not None:
                    self._waiting.add(job.lock)
            if retry is None:
                self._outstanding -= 1
                self._state.notify_all()
        if retry is not None:
            self._queue.put(retry)

    def _schedule(self) -> None:
        from croniter import croniter

        now = datetime.now(UTC)
        plans = [(schedule, croniter(schedule.cron(self.runtime.settings), now)) for schedule in self.periodic]
        due = {schedule.task.name: plan.get_next(datetime) for schedule, plan in plans}
        while not self._stop.wait(0.5):
            now = datetime.now(UTC)
            for schedule, plan in plans:
                name = schedule.task.name
                if due[name] <= now:
                    self.defer(name, lock=f"periodic:{name}", timestamp=int(due[name].timestamp()))
                    while due[name] <= now:
                        due[name] = plan.get_next(datetime)


# --- choosing ---------------------------------------------------------------------------------


def uses_procrastinate(settings: Settings) -> bool:
    if settings.task_runner == "local":
        return False
    if settings.task_runner == "procrastinate":
        return True
    return not settings.is_sqlite


def open_queue(
    settings: Settings,
    runtime: Runtime,
    tasks: Sequence[TaskSpec],
    periodic: Sequence[PeriodicSpec],
    *,
    threads: int = 1,
) -> JobQueue:
    """Procrastinate on PostgreSQL (workers run the tasks), else a local runner in this process."""
    if uses_procrastinate(settings):
        return ProcrastinateQueue(procrastinate_app(settings, tasks, periodic))
    return LocalRunner(runtime, tasks, periodic, threads=threads)


def every(seconds: int) -> str:
    """A cron line for "every ``seconds`` seconds" (croniter's six fields, as procrastinate reads
    them: seconds last)."""
    if seconds < 60:
        return f"* * * * * */{max(seconds, 1)}"
    return f"*/{max(seconds // 60, 1)} * * * *"


# --- workers ----------------------------------------------------------------------------------

WarmUp = Callable[[Runtime], None]


def run_worker(
    settings: Settings,
    tasks: Sequence[TaskSpec],
    periodic: Sequence[PeriodicSpec],
    warm_ups: Sequence[WarmUp],
    *,
    concurrency: int = 1,
    queues: Sequence[str] = (),
    wait: bool = True,
) -> None:
    """A procrastinate worker in this process, warmed up before its first job, until stopped
    (SIGINT/SIGTERM finish the running jobs first) or, without ``wait``, until no job waits."""
    import gc

    database = Database.from_url(settings.database_url, pool_size=concurrency + 1)
    runtime = Runtime(settings, database)
    for warm in warm_ups:
        warm(runtime)
    gc.collect()
    gc.freeze()  # what start-up made lives as long as the worker: collections skip it
    app = procrastinate_app(settings, tasks, periodic)
    runtime.cache["procrastinate"] = app
    try:
        app.run_worker(
            queues=list(queues) or None,
            concurrency=concurrency,
            wait=wait,
            additional_context={"runtime": runtime},
            update_heartbeat_interval=settings.worker_heartbeat_seconds,
            stalled_worker_timeout=settings.stalled_after_seconds,
        )
    finally:
        database.dispose()


def live_workers(database: Database, settings: Settings) -> int:
    """Procrastinate workers that sent a heartbeat lately (0 where there are none, or no queue)."""
    from sqlalchemy import text

    if database.dialect != "postgresql":
        return 0
    with database.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT count(*) FROM procrastinate_workers"
                " WHERE last_heartbeat > now() - make_interval(secs => :seconds)"
            ),
            {"seconds": settings.stalled_after_seconds},
        ).scalar_one()
    return int(found)
