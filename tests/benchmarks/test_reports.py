"""Benchmarks: report rendering, warm, against WeasyPrint alone on the same HTML; the demo
organisation and a 200-unit synthetic organisation as parallel batches.

Run with ``make bench`` (``-k reports`` for these only). Figures are printed; the assertions
check that the work was done, never the time it took. Goals (issue 6): ≤ 1 s per report warm,
≤ 1.25 × WeasyPrint alone, 200 units ≤ 100 s on 2 cores, ≤ 300 MB per worker.
"""

import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from indicators.demo import load_demo_strategy
from maturity.db import Database
from maturity.demo import load_demo
from maturity.units.models import OrgUnit
from maturity.units.services import import_units_csv
from reports.assembly import build_content
from reports.batch import plan, run_batch
from reports.rendering import render_html_pdf, render_print_html, warm_up
from tests.conftest import BACKEND, Backend

WORKERS = 2
SYNTHETIC_UNITS = 200


def demo_database(backend: Backend, *, extra_units: int = 0) -> Iterator[Database]:
    database = Database.from_url(backend.fresh_url())
    with database.transaction() as session:
        load_demo(session)
        if extra_units:
            lines = ["code;parent_code;kind;name_nb;name_en;headcount_2025"]
            lines += [f"SYN-{i:03d};TKD;section;Seksjon {i};Section {i};{5 + i % 40}" for i in range(extra_units)]
            import_units_csv(session, "\n".join(lines).encode())
        load_demo_strategy(session, "http://127.0.0.1:8000")
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    backend = _backend(tmp_path_factory)
    yield from demo_database(backend)


def _backend(tmp_path_factory: pytest.TempPathFactory) -> Backend:
    from maturity.migrate import upgrade

    workdir = tmp_path_factory.mktemp("bench-db")
    url = f"sqlite:///{workdir / 'template.sqlite'}"
    upgrade(url)
    return Backend("sqlite", url, workdir)


def _unit(session: Session, code: str) -> OrgUnit:
    return session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalars().one()


def test_one_report_warm_against_weasyprint_alone(demo_db: Database) -> None:
    warm_up()
    period = "2024"
    with demo_db.transaction() as session:
        unit = _unit(session, "TKD")

        def whole() -> tuple[bytes, str]:
            content = build_content(session, unit, period, "nb")
            html = render_print_html(content)
            return render_html_pdf(html, content).data, html

        whole()  # the first report of the process fills caches (templates, translations)
        totals, alone = [], []
        for _ in range(3):
            started = time.perf_counter()
            pdf, html = whole()
            totals.append(time.perf_counter() - started)
            content = build_content(session, unit, period, "nb")
            started = time.perf_counter()
            render_html_pdf(html, content)
            alone.append(time.perf_counter() - started)
        tracemalloc.start()
        whole()
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    total, weasy = statistics.median(totals), statistics.median(alone)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n[{BACKEND}] one report warm (TKD {period}, {len(pdf) // 1024} KiB): {total:.2f} s median of 3;"
        f" WeasyPrint alone on the same HTML {weasy:.2f} s; ratio {total / weasy:.2f};"
        f" Python peak (tracemalloc) {traced_peak / 2**20:.0f} MiB; process peak RSS {rss:.0f} MiB"
    )
    assert pdf.startswith(b"%PDF")


def _batch(database: Database, storage: Path, label: str) -> None:
    with database.transaction() as session:
        jobs = plan(session, [], ["nb"])
    url = database.engine.url.render_as_string(hide_password=False)
    started = time.perf_counter()
    result = run_batch(url, storage, "2024", jobs, generated_by="benchmark", workers=WORKERS)
    seconds = time.perf_counter() - started
    worker_peak = result.worker_peak_mib
    print(
        f"\n[{BACKEND}] {label}: {len(jobs)} reports in {seconds:.1f} s with {WORKERS} workers"
        f" ({seconds / max(len(jobs), 1):.2f} s per report; CPUs here: {os.cpu_count()});"
        f" largest worker peak RSS {worker_peak:.0f} MiB; built {result.built}, failed {result.failed}"
    )
    assert result.failed == 0
    assert result.built == len(jobs)
    started = time.perf_counter()
    again = run_batch(url, storage, "2024", jobs, generated_by="benchmark", workers=WORKERS)
    print(
        f"[{BACKEND}] {label}, re-run with nothing changed: {time.perf_counter() - started:.1f} s, skipped {again.skipped}"
    )
    assert again.skipped == len(jobs)


def test_the_demo_organisation_in_parallel(demo_db: Database, tmp_path: Path) -> None:
    _batch(demo_db, tmp_path / "reports", "demo organisation")


def test_a_200_unit_organisation_in_parallel(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    backend = _backend(tmp_path_factory)
    for database in demo_database(backend, extra_units=SYNTHETIC_UNITS - 38):
        with database.transaction() as session:
            count = len(plan(session, [], ["nb"]))
        assert count >= SYNTHETIC_UNITS
        _batch(database, tmp_path / "reports", f"{count}-unit organisation (as of {date.today()})")
