"""Batch builds: one report per unit and language, in a pool of worker processes.

Workers are started with ``spawn`` (vl-convert hangs in a forked child, and WeasyPrint must not
render in threads) and warmed up once: imports, fonts, a first chart and a first tiny PDF. Each
worker opens its own database engine and builds whole reports through ``build_report``, which
skips a report whose input snapshot did not change. Files are written atomically, so a worker
killed mid-run leaves at most a temporary file, removed by the next run, which then completes.

WeasyPrint and vl-convert keep some of the memory they grew (a worker starts near 200 MB and
ends 100 reports under 300 MB), so a worker is replaced after ``TASKS_PER_WORKER`` reports: the
jobs go to the pool in rounds of ``workers × TASKS_PER_WORKER``, each round in a fresh pool.
Not ``max_tasks_per_child``: in Python 3.11–3.13 a pool that replaces a worker while jobs are
queued stops running them and waits forever (CPython gh-115634), which is what stopped
200-unit batches.
"""

import ctypes
import ctypes.util
import gc
import logging
import multiprocessing
import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.charts import compile_templates
from maturity.db import Database
from maturity.errors import N_, InvalidInput, Problem
from maturity.settings import LOCALES
from maturity.units.models import OrgUnit
from reports.services import BuildOutcome, build_report
from reports.shared_scoring import SharedScoring
from reports.storage import remove_leftovers

log = logging.getLogger("maturity.reports")
TASKS_PER_WORKER = 100  # reports per worker process before a fresh one; a fresh one costs ~3 s


@dataclass(frozen=True, slots=True)
class Job:
    unit_id: int
    unit_code: str
    language: str


@dataclass
class BatchResult:
    total: int
    built: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    worker_peak_mib: float = 0.0  # the largest worker's peak resident memory seen

    @property
    def done(self) -> int:
        return self.built + self.skipped + self.failed


def languages_of(choice: str) -> list[str]:
    return list(LOCALES) if choice == "all" else [choice]


def plan(session: Session, unit_codes: Sequence[str], languages: Sequence[str]) -> list[Job]:
    """Every (unit, language) to build: the given units, or all units; unknown codes are refused."""
    statement = select(OrgUnit).order_by(col(OrgUnit.code))
    if unit_codes:
        statement = statement.where(col(OrgUnit.code).in_(list(unit_codes)))
    units = list(session.execute(statement).scalars())
    missing = sorted(set(unit_codes) - {u.code for u in units})
    if missing:
        raise InvalidInput(
            [Problem(N_("There is no unit with the code %(code)s."), {"code": c}, value=c) for c in missing]
        )
    return [Job(u.id, u.code, lang) for u in units if u.id is not None for lang in languages]


# --- in the worker processes ---------------------------------------------------------------------

_worker: dict[str, object] = {}


def init_worker(database_url: str, storage: str, chart_templates: dict[str, str]) -> None:
    """Runs once in each worker: open the database, take the batch's chart templates (so the
    worker never imports Altair: 30 MB less), warm up charts and the PDF renderer."""
    from maturity.charts import install_templates
    from reports.rendering import warm_up

    install_templates(chart_templates)
    _worker["db"] = Database.from_url(database_url, pool_size=1)
    _worker["storage"] = Path(storage)
    _worker["shared"] = SharedScoring()  # the round's pool is new, and so is this
    warm_up()
    gc.collect()
    gc.freeze()  # what start-up made lives as long as the worker: later collections skip it


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None  # glibc only
    return trim if callable(trim) else None


_trim = _malloc_trim()


def release_memory() -> None:
    """Free the last report's boxes and pages (they hold reference cycles) and hand the freed
    heap back to the system, so the next report does not grow the worker further."""
    gc.collect()
    if _trim is not None:
        _trim(0)


def peak_memory_mib() -> float | None:
    """This process's peak resident memory (Linux ``VmHWM``, which starts afresh at exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_job(job: Job, period: str, generated_by: str, batch_id: int | None) -> BuildOutcome:
    database = _worker["db"]
    assert isinstance(database, Database)
    storage = _worker["storage"]
    assert isinstance(storage, Path)
    shared = _worker["shared"]
    assert isinstance(shared, SharedScoring)
    with database.transaction() as session:
        unit = session.get_one(OrgUnit, job.unit_id)
        outcome = build_report(
            session, storage, unit, period, job.language, generated_by=generated_by, batch_id=batch_id, shared=shared
        )
    release_memory()
    return replace(outcome, worker_peak_mib=peak_memory_mib())


JobFunction = Callable[[Job, str, str, int | None], BuildOutcome]


# --- in the process that runs the batch --------------------------------------------------------


def default_workers() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2, 4))


def run_batch(
    database_url: str,
    storage: Path,
    period: str,
    jobs: Sequence[Job],
    *,
    generated_by: str,
    workers: int | None = None,
    batch_id: int | None = None,
    on_progress: Callable[[BatchResult, BuildOutcome | None], None] | None = None,
    job_function: JobFunction = run_job,
    tasks_per_worker: int = TASKS_PER_WORKER,
) -> BatchResult:
    """Build ``jobs`` in spawn pools, a fresh one every ``workers × tasks_per_worker`` jobs;
    ``on_progress`` hears of every finished job."""
    storage.mkdir(parents=True, exist_ok=True)
    removed = remove_leftovers(storage)
    if removed:
        log.warning("removed %s temporary report files left by an interrupted run", removed)
    result = BatchResult(total=len(jobs))
    if not jobs:
        return result
    count = min(workers or default_workers(), len(jobs))
    size = count * max(tasks_per_worker, 1)
    templates = compile_templates()
    for start in range(0, len(jobs), size):
        _run_round(
            jobs[start : start + size],
            result,
            count,
            job_function,
            (database_url, str(storage), templates),
            (period, generated_by, batch_id),
            on_progress,
        )
    return result


def _run_round(
    jobs: Sequence[Job],
    result: BatchResult,
    workers: int,
    job_function: JobFunction,
    worker_args: tuple[str, str, dict[str, str]],
    job_args: tuple[str, str, int | None],
    on_progress: Callable[[BatchResult, BuildOutcome | None], None] | None,
) -> None:
    """One round of jobs in a fresh pool, each outcome added to ``result``."""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=worker_args,
    ) as pool:
        futures: dict[Future[BuildOutcome], Job] = {pool.submit(job_function, job, *job_args): job for job in jobs}
        for future in as_completed(futures):
            job = futures[future]
            outcome: BuildOutcome | None = None
            try:
                outcome = future.result()
            except BrokenProcessPool:
                result.failed += 1
                result.errors.append(f"{job.unit_code} ({job.language}): a worker process died")
            except Exception as exc:  # one report's failure must not stop the others
                result.failed += 1
                result.errors.append(f"{job.unit_code} ({job.language}): {exc}")
                log.error("report %s %s failed:\n%s", job.unit_code, job.language, traceback.format_exc())
            else:
                result.worker_peak_mib = max(result.worker_peak_mib, outcome.worker_peak_mib or 0.0)
                if outcome.status == "built":
                    result.built += 1
                else:
                    result.skipped += 1
            if on_progress is not None:
                on_progress(result, outcome)
