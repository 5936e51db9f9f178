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
