"""What a batch is made of (``plan``: every unit × language asked for), and the memory care a
process that renders many reports needs.

WeasyPrint and vl-convert keep some of the memory a report grew; ``release_memory`` after each
report frees its boxes and pages (reference cycles) and hands the freed heap back to the system,
so a worker that builds hundreds of reports stays near its start-up size.
"""

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.errors import N_, InvalidInput, Problem
from maturity.settings import LOCALES
from maturity.units.models import OrgUnit


@dataclass(frozen=True, slots=True)
class Job:
    unit_id: int
    unit_code: str
    language: str


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


def _glibc(function: str) -> Callable[..., int] | None:
    name = ctypes.util.find_library("c")
    found = getattr(ctypes.CDLL(name), function, None) if name else None  # glibc only
    return found if callable(found) else None


_trim = _glibc("malloc_trim")
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
M_ARENA_MAX = -8
MMAP_THRESHOLD = 128 * 1024
WORKER_ARENAS = 2


def limit_malloc() -> None:
    """For a worker process, before its threads start: at most ``WORKER_ARENAS`` malloc heaps
    (glibc makes one per thread that allocates, up to 8 per core, each keeping what its thread
    freed), and blocks of 128 KiB or more always mapped apart and unmapped when freed (glibc
    would raise that threshold to 32 MiB after the first large block freed, and keep the later
    ones in the heap)."""
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(M_ARENA_MAX, WORKER_ARENAS)
        mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def release_memory() -> None:
    """Free the last report's boxes and pages (they hold reference cycles) and hand the freed
    heap back to the system, so the next report does not grow the worker further.

    The boxes and pages were all made while collection was paused (``render_pdf``), so they are
    in the youngest generation: collecting it alone frees them. It is usually done already —
    the first collection after the pause — and is then nearly free. A full collection here
    found nothing more to free and walked every object of the batch's shared scores after
    each report: 3 % of a worker's time."""
    gc.collect(0)
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
