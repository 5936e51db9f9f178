"""Benchmark: the dashboard and the overview of a 200-unit organisation (the demo's 38 units and
162 sections more, ``test_reports.demo_database``), each request timed in the app's process
(server time: middleware, handler, template; the test client's hop is in both figures), next to
rendering the same page from a context already computed — scores, scorecard and charts — by a
route that only renders it. Issue 15's goals: p95 ≤ 300 ms, and ≤ 1.5 × rendering alone.

Four figures per page: *kept* (the period's scores kept, charts made before: what a reader gets
while nobody writes), *render only* (the baseline), *after a write* (a KPI value saved before
each request: the period scored again, the unit's series read again, its charts kept) and
*first view* (units never shown before, charts new: vl-convert draws each). Figures are printed
(``make bench``); the assertions check only that the work was done.
"""

import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.plugins.htmx import HTMXRequest
from litestar.response import Template
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from indicators.dashboard_controllers import CACHE, dashboard_context, overview_context
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.score_cache import ScoreCache
from indicators.scorecard import EVERYTHING
from maturity.app import create_app
from maturity.audit.services import Actor
from maturity.charts import clear_caches
from maturity.db import Database
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from maturity.web import render
from tests.benchmarks.test_reports import _backend, demo_database, load
from tests.conftest import BACKEND
from tests.factories import login

UNITS = 200
REPEAT = 30
FIRST_VIEWS = 12
WRITES = 8
OFFICE = ("strategi@demo.oslomet.no", "demo-strategi")


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    yield from demo_database(_backend(tmp_path_factory), extra_units=UNITS - 38)


_KEPT: dict[str, tuple[str, dict[str, Any]]] = {}


@get("/bench/render/dashboard", sync_to_thread=True, dependencies=CACHE)
def render_dashboard(
    request: HTMXRequest,
    db_session: NamedDependency[Session],
    unit_scope: NamedDependency[UnitScope],
    score_cache: NamedDependency[ScoreCache],
    unit: FromQuery[str],
) -> Template:
    """The dashboard's own context, computed at the first request and rendered again after."""
    key = f"dashboard-{unit}"
    if key not in _KEPT:
        _KEPT[key] = dashboard_context(request, db_session, unit_scope, score_cache, unit, None, None)
    page, context = _KEPT[key]
    return render(request, page, context, partial="indicators/partials/dashboard.html")


@get("/bench/render/overview", sync_to_thread=True, dependencies=CACHE)
def render_overview(
    request: HTMXRequest, db_session: NamedDependency[Session], score_cache: NamedDependency[ScoreCache]
) -> Template:
    if "overview" not in _KEPT:
        _KEPT["overview"] = overview_context(request, db_session, score_cache, None, None, None, None)
    page, context = _KEPT["overview"]
    return render(request, page, context, partial="indicators/partials/overview.html")


@pytest.fixture(scope="module")
def client(big_db: Database) -> Iterator[TestClient[Litestar]]:
    settings = Settings(mode="test", secure_cookies=False, secret_key="bench-" + "s" * 40)
    app = create_app(settings, db=big_db)
    app.register(render_dashboard)
    app.register(render_overview)
    with TestClient(app, base_url="http://testserver.local") as c:
        login(c, *OFFICE)
        yield c


def _times(work: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        work()
        out.append(time.perf_counter() - started)
    return out


def _p95(seconds: list[float]) -> float:
    return sorted(seconds)[max(0, round(0.95 * len(seconds)) - 1)]


def _line(label: str, seconds: list[float]) -> str:
    return (
        f"[{BACKEND}] {label:<34} p50 {statistics.median(seconds) * 1000:6.0f} ms   "
        f"p95 {_p95(seconds) * 1000:6.0f} ms   (n = {len(seconds)})"
    )


def _get(client: TestClient[Litestar], path: str, **params: str) -> str:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def _write(database: Database, n: int) -> None:
    """A KPI value of a section saved through the records path: the input version changes."""
    with database.transaction() as session:
        value = [RecordInput("K01", "SYN-001", "2024", value=float(n % 50), note="bench")]  # a value at risk needs one
        record_values(session, check_records(session, value, EVERYTHING), Actor.system("bench"), via="cli")


def _units(database: Database) -> list[str]:
    with database.transaction() as session:
        return list(session.execute(select(col(OrgUnit.code)).order_by(col(OrgUnit.code))).scalars())


def test_dashboard_and_overview_of_a_200_unit_organisation(client: TestClient[Litestar], big_db: Database) -> None:
    print(f"\n[{BACKEND}] dashboard and overview, 200 units: {load()}")
    units = _units(big_db)
    assert len(units) >= UNITS
    figures: dict[str, list[float]] = {}
    pages: dict[str, tuple[str, dict[str, str]]] = {
        "dashboard (institution)": ("/dashboard", {"unit": "OSLOMET"}),
        "dashboard (TKD)": ("/dashboard", {"unit": "TKD"}),
        "overview": ("/overview", {}),
    }
    baselines = {
        "dashboard (institution)": ("/bench/render/dashboard", {"unit": "OSLOMET"}),
        "dashboard (TKD)": ("/bench/render/dashboard", {"unit": "TKD"}),
        "overview": ("/bench/render/overview", {}),
    }
    for name, (path, params) in pages.items():
        text = _get(client, path, **params)  # the first: scores, chart templates
        assert "chart-svg" in text or "heatmap" in text
        base_path, base_params = baselines[name]
        _get(client, base_path, **base_params)
        kept, alone = [], []
        for _ in range(REPEAT):  # alternating, so load on the machine falls on both alike
            kept += _times(lambda p=path, q=params: _get(client, p, **q), 1)
            alone += _times(lambda p=base_path, q=base_params: _get(client, p, **q), 1)
        figures[f"{name}: kept"], figures[f"{name}: render only"] = kept, alone
        after = []
        for n in range(WRITES):
            _write(big_db, n + len(name))
            after += _times(lambda p=path, q=params: _get(client, p, **q), 1)
        figures[f"{name}: after a write"] = after
    clear_caches()
    others = [code for code in units if not code.startswith("SYN-") and code not in ("OSLOMET", "TKD")]
    figures["dashboard: first view, charts new"] = [
        t for code in others[:FIRST_VIEWS] for t in _times(lambda c=code: _get(client, "/dashboard", unit=c), 1)
    ]
    for label, seconds in figures.items():
        print(_line(label, seconds))
    for name in pages:
        ratio = _p95(figures[f"{name}: kept"]) / _p95(figures[f"{name}: render only"])
        print(f"[{BACKEND}] {name}: p95 kept / render only = {ratio:.2f}×  (goal ≤ 300 ms and ≤ 1.5×)")
