"""The job queue's two runners follow the same rules: a queueing lock refuses a second waiting
job, a failed task is tried again with doubling waits, a periodic task fires on its schedule.
Procrastinate's rules are checked on its in-memory connector (the real PostgreSQL queue is
exercised by the worker tests in tests/reports and tests/surveys)."""

import threading
import time
from datetime import UTC, datetime
from typing import Any

from croniter import croniter
from procrastinate.testing import InMemoryConnector

from maturity.db import Database
from maturity.jobs import (
    LocalRunner,
    PeriodicSpec,
    ProcrastinateQueue,
    Retry,
    Runtime,
    TaskSpec,
    every,
    procrastinate_app,
)
from maturity.settings import Settings

SETTINGS = Settings(mode="test", secret_key="t" * 40, mail_retry_seconds=1)


def runtime(db: Database) -> Runtime:
    return Runtime(SETTINGS, db)


class TestEvery:
    def test_seconds_and_minutes(self) -> None:
        start = datetime(2026, 1, 1, 0, 0, 7, tzinfo=UTC)
        seconds = croniter(every(30), start)
        assert [seconds.get_next(datetime).second for _ in range(3)] == [30, 0, 30]
        minutes = croniter(every(300), start)
        assert [minutes.get_next(datetime).minute for _ in range(2)] == [5, 10]


class TestLocalRunner:
    def test_a_lock_refuses_a_second_waiting_job_and_each_job_runs_once(self, db: Database) -> None:
        release = threading.Event()
        ran: list[int] = []

        def slow(_runtime: Runtime, n: int) -> None:
            release.wait(10)
            ran.append(n)

        runner = LocalRunner(runtime(db), [TaskSpec("slow", slow)], threads=2)
        try:
            assert runner.defer("slow", lock="x", n=1)
            time.sleep(0.3)  # the first is running: a second may wait behind it
            assert runner.defer("slow", lock="x", n=2)
            assert not runner.defer("slow", lock="x", n=3)  # one is waiting already
            release.set()
            assert runner.wait_idle(10)
        finally:
            runner.close()
        assert ran == [1, 2]  # never two of one lock at once, in order

    def test_a_failing_task_is_tried_again_with_doubling_waits(self, db: Database) -> None:
        tries: list[float] = []

        def flaky(_runtime: Runtime) -> None:
            tries.append(time.monotonic())
            if len(tries) < 3:
                raise OSError("not yet")

        spec = TaskSpec("flaky", flaky, retry=Retry(attempts=3, wait=lambda settings: settings.mail_retry_seconds / 4))
        runner = LocalRunner(runtime(db), [spec])
        try:
            runner.defer("flaky")
            assert runner.wait_idle(10)
        finally:
            runner.close()
        assert len(tries) == 3
        assert tries[2] - tries[1] >= 2 * (tries[1] - tries[0]) * 0.8  # the wait doubled

    def test_a_periodic_task_fires_each_period(self, db: Database) -> None:
        stamps: list[int] = []

        def tick(_runtime: Runtime, timestamp: int) -> None:
            stamps.append(timestamp)

        spec = TaskSpec("tick", tick)
        runner = LocalRunner(runtime(db), [spec], [PeriodicSpec(spec, lambda _settings: every(1))])
        try:
            time.sleep(3.2)
        finally:
            runner.close()
        assert len(stamps) >= 2
        assert len(set(stamps)) == len(stamps)  # once per period


class TestProcrastinateApp:
    def test_every_task_is_registered_with_its_retry_and_locks_refuse_twice(self) -> None:
        def task(_runtime: Runtime, n: int) -> int:
            return n

        specs = [TaskSpec("t.one", task, queue="q", retry=Retry(attempts=2, wait=5))]
        app = procrastinate_app(SETTINGS.with_(database_url="postgresql+psycopg://x@localhost/y"), specs, [])
        assert {"t.one", "maturity.retry_stalled_jobs"} <= set(app.tasks)
        assert app.tasks["t.one"].queue == "q"
        connector = InMemoryConnector()
        with app.replace_connector(connector):
            queue = ProcrastinateQueue(app)
            assert queue.defer("t.one", lock="L", n=1)
            assert not queue.defer("t.one", lock="L", n=2)
            queue.close()
        jobs: list[dict[str, Any]] = list(connector.jobs.values())
        assert [(job["task_name"], job["queueing_lock"], job["args"]) for job in jobs] == [("t.one", "L", {"n": 1})]
