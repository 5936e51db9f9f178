"""Benchmarks: how long the all-or-nothing imports take on files of realistic and large size.

Run with ``make bench`` (SQLite) or ``MATURITY_TEST_BACKEND=postgresql make bench``. Figures are
printed; the assertions check only that the work was done, never the time it took.
"""

import io
import resource
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from indicators.demo import DEMO_STRATEGY, periods_until
from indicators.models import Kpi, KpiRecord
from indicators.record_files import import_kpi_csv
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.demo import load_demo
from maturity.periods import Frequency
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from tests.conftest import BACKEND

EVERYTHING = UnitScope(everything=True, roots=frozenset())


def measure(label: str, work: Callable[[], Any]) -> tuple[Any, float, float]:
    """Wall time of ``work`` and the process's peak resident memory after it (no tracing overhead)."""
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n[{BACKEND}] {label}: {seconds:.2f} s, process peak RSS {peak:.0f} MiB")
    return result, seconds, peak


def kpi_file(session: Session, years: range) -> tuple[bytes, int]:
    """Every non-ratio, non-institution KPI × every unit × every period of the years: a big export."""
    units = [code for (code,) in session.execute(select(OrgUnit.code).where(OrgUnit.parent_id.is_not(None)))]  # type: ignore[union-attr]  # column
    kpis = session.execute(select(Kpi).where(Kpi.aggregation.in_(["sum", "mean"]))).scalars().all()  # type: ignore[attr-defined]  # column
    out = io.StringIO()
    out.write("kpi;unit;period;value;source\n")
    rows = 0
    for kpi in kpis:
        periods = list(periods_until(Frequency(kpi.frequency), years.start, date(years.stop, 1, 1)))
        for unit in units:
            for n, period in enumerate(periods):
                out.write(f"{kpi.code};{unit};{period};{(n * 7 + len(unit)) % 90 + 3},5;Benchmark\n")
                rows += 1
    return out.getvalue().encode(), rows


class TestImportSpeed:
    def test_strategy_file_import_and_export(self, session: Session) -> None:
        load_demo(session)
        content = DEMO_STRATEGY.read_bytes()
        summary, _, _ = measure(
            f"strategy import ({len(content) // 1024} KiB YAML)",
            lambda: import_strategy(session, content, Actor.system("bench")),
        )
        text, _, _ = measure("strategy export", lambda: export_strategy(session, summary.strategy_id))
        assert summary.created == 100
        assert "oslomet-digital-2018" in text

    def test_a_large_kpi_file(self, session: Session) -> None:
        load_demo(session)
        import_strategy(session, DEMO_STRATEGY.read_bytes(), Actor.system("bench"))
        session.commit()
        content, rows = kpi_file(session, range(2012, 2026))
        print(f"\n[{BACKEND}] KPI file: {rows} rows, {len(content) / 1024 / 1024:.1f} MiB")

        preview, check_s, _ = measure(
            "KPI import, dry run", lambda: import_kpi_csv(session, content, EVERYTHING, Actor.system("b"), dry_run=True)
        )
        assert preview.new == rows
        assert session.execute(select(func.count()).select_from(KpiRecord)).scalar_one() == 0

        summary, commit_s, _ = measure(
            "KPI import, commit",
            lambda: import_kpi_csv(session, content, EVERYTHING, Actor.system("b"), dry_run=False),
        )
        session.commit()
        assert summary.new == rows
        print(f"[{BACKEND}] throughput: {rows / check_s:,.0f} rows/s checked, {rows / commit_s:,.0f} rows/s recorded")

        again, repeat_s, _ = measure(
            "KPI import of the same file again (all unchanged)",
            lambda: import_kpi_csv(session, content, EVERYTHING, Actor.system("b"), dry_run=False),
        )
        assert again.unchanged == rows
        assert repeat_s > 0
