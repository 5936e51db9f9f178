"""Benchmark: autosave throughput and latency under 200 concurrent respondents, on PostgreSQL,
against a bare Litestar endpoint doing the same upsert with one raw SQL statement.

Both apps are served the way production serves Maturity: uvicorn in a subprocess with the same
worker count (``MATURITY_BENCH_WORKERS``, default 2 — the cores of these machines), the same
pool size (``MATURITY_DB_POOL_SIZE`` 10 per process), ``MATURITY_MODE=production`` and no access
log. Secure cookies are off only because the benchmark speaks plain http on 127.0.0.1.

Each simulated respondent has its own HTTP client (cookie jar, connection): it opens its link
(page 1, which gives it the CSRF cookie and token), then autosaves a sequence of answers as HTMX
does — one urlencoded field per POST with ``HX-Request``, ``HX-Trigger``, ``HX-Target``,
``HX-Current-URL`` and the ``x-csrftoken`` header — waiting for each reply before the next
change. The runs alternate real app and bare endpoint ``MATURITY_BENCH_REPEATS`` times (default
3), so a busy neighbour on the shared machine shows up as spread rather than as a bias.

Figures are printed; the assertions check only that every request succeeded and that the
database holds exactly the last value given to each answer, never the time it took. Run with
``make bench`` (needs PostgreSQL at ``MATURITY_TEST_POSTGRES_URL``; skipped with a notice if it
is not reachable).
"""

import asyncio
import gc
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlmodel import Session, col

from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.db import Database, utcnow
from maturity.migrate import upgrade
from surveys.invitations import Invitee, invite, resume_key
from surveys.models import Answer, Question, Response, Survey
from surveys.rounds import create_round
from surveys.survey_file import import_survey
from tests.conftest import POSTGRES_URL, _admin_url, _create_database, _drop_databases
from tests.factories import STRATEGY_YAML, make_org
from tests.surveys.conftest import SURVEY_YAML

ROOT = Path(__file__).resolve().parents[2]
RESPONDENTS = 200
WORKERS = int(os.environ.get("MATURITY_BENCH_WORKERS", "2"))
POOL_SIZE = 10
SAVES = int(os.environ.get("MATURITY_BENCH_SAVES", "25"))  # measured autosaves per respondent and run
THINK = (0.5, 1.5)  # seconds between two changes in the paced phase: ~200 autosaves/s offered
REPEATS = int(os.environ.get("MATURITY_BENCH_REPEATS", "3"))
WARM_UP = 3  # autosaves per respondent before the first measured run of each app
SECRET = "bench-" + "s" * 40
PORTS = {"real": 8130, "bare": 8131}
QUESTIONS = ["D1-L", "D1-Q1", "D1-Q2", "D2-L"]  # the scored questions of the test survey
VALUES = ["1", "2", "3", "4", "5", "na"]
ACTOR = Actor.system("bench")
# Saturation: no pause between changes, so the server's throughput is the limit (and latency is
# concurrency / throughput). Paced: respondents who click an answer about once a second — far
# faster than people read — so latency is measured at a load the server can carry.
PHASES = [("saturation", SAVES, None), ("paced", max(SAVES // 2, 1), THINK)]


# --- the database -----------------------------------------------------------------------------


def _reachable() -> bool:
    engine = create_engine(_admin_url())
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to connect means the same here
        return False
    finally:
        engine.dispose()


@dataclass
class Setup:
    url: str
    tokens: dict[str, list[str]]  # per app, one link per respondent (each app its own round)


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    if not _reachable():
        pytest.skip(f"PostgreSQL not reachable at {_admin_url().render_as_string(hide_password=True)}")
    name = f"maturity_bench_{secrets.token_hex(4)}"
    _create_database(name)
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    try:
        upgrade(url)
        database = Database.from_url(url)
        with database.transaction() as session:
            tokens = {app: _round_with_invitations(session, app) for app in PORTS}
        database.dispose()
        yield Setup(url, tokens)
    finally:
        _drop_databases(name)


def _round_with_invitations(session: Session, app: str) -> list[str]:
    if session.execute(select(Survey)).first() is None:
        make_org(session)
        import_strategy(session, STRATEGY_YAML.encode(), ACTOR)
        import_survey(session, SURVEY_YAML.encode(), ACTOR)
    survey = session.execute(select(Survey)).scalars().one()
    now = utcnow()
    survey_round = create_round(
        session,
        survey,
        name_nb=f"Måling {app}",
        name_en=f"Benchmark {app}",
        period_label="2025",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        unit_codes=["FAC-A"],
        actor=ACTOR,
    )
    units, groups = ["DEP-A1", "DEP-A2", "SEC-A2X"], ["academic", "admin", None]
    people = [Invitee(f"{app}{n}@example.org", units[n % 3], groups[n % 3]) for n in range(RESPONDENTS)]
    return [token for _, token in invite(session, survey_round, people, actor=ACTOR)]


def stored_answers(url: str, tokens: list[str]) -> dict[tuple[str, str], str]:
    """(token, question code) → the stored value, as the form would send it."""
    by_key = {resume_key(SECRET, token): token for token in tokens}
    database = Database.from_url(url)
    with database.transaction() as session:
        rows = session.execute(
            select(col(Response.resume_hash), col(Question.code), Answer)
            .join(Answer, col(Answer.response_id) == col(Response.id))
            .join(Question, col(Question.id) == col(Answer.question_id))
            .where(col(Response.resume_hash).in_(by_key))
        ).tuples()
        out = {(by_key[key], code): "na" if a.not_applicable else str(int(a.number or 0)) for key, code, a in rows}
    database.dispose()
    return out


# --- the servers --------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(name: str, factory: str, url: str, *, workers: int = WORKERS, port: int | None = None) -> Server:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MATURITY_MODE": "production",
        "MATURITY_DATABASE_URL": url,
        "MATURITY_SECRET_KEY": SECRET,
        "MATURITY_SECURE_COOKIES": "false",  # plain http on 127.0.0.1
        "MATURITY_DB_POOL_SIZE": str(POOL_SIZE),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
    port = port or PORTS[name]
    command += ["--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning"]
    command += ["--timeout-keep-alive", "120"]  # idle respondents keep their connection, as behind a proxy
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603  # our own interpreter and arguments
    server = Server(name, port, process)
    deadline = time.monotonic() + 120  # a busy shared machine starts slowly
    while time.monotonic() < deadline:
        try:
            httpx.get(server.base + "/", timeout=1)
            return server
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError(f"{name} server exited with {process.returncode}") from None
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"{name} server did not start on port {server.port}")


def stop(server: Server) -> None:
    server.process.send_signal(signal.SIGINT)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="module")
def servers(setup: Setup) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        started["real"] = start("real", "maturity.app:app_from_env", setup.url)
        started["bare"] = start("bare", "tests.benchmarks.bare_autosave:create_app", setup.url)
        yield started
    finally:
        for server in started.values():
            stop(server)


# --- the respondents ------------------------------------------------------------------------------

CSRF_IN_PAGE = re.compile(r'"x-csrftoken": "([^"]+)"')


@dataclass
class Respondent:
    token: str
    rng: random.Random
    client: httpx.AsyncClient
    csrf: str = ""
    last: dict[str, str] = field(default_factory=dict)

    async def open_link(self) -> None:
        page = await self.client.get(f"/s/{self.token}/p/1")
        assert page.status_code == 200, page.text[:300]
        found = CSRF_IN_PAGE.search(page.text)
        assert found, "no CSRF token in the page"
        self.csrf = found.group(1)

    async def autosave(self, latencies: list[float], failures: list[str]) -> None:
        code, value = self.rng.choice(QUESTIONS), self.rng.choice(VALUES)
        page_url = f"{self.client.base_url}s/{self.token}/p/{1 if code.startswith('D1') else 2}"
        headers = {
            "hx-request": "true",
            "hx-trigger": f"question-{code}",
            "hx-target": f"status-{code}",
            "hx-current-url": page_url,
            "x-csrftoken": self.csrf,
            "accept-language": "nb-NO,nb;q=0.9,en;q=0.8",
        }
        started = time.perf_counter()
        reply = await self.client.post(f"/s/{self.token}/answer/{code}", data={f"q-{code}": value}, headers=headers)
        latencies.append(time.perf_counter() - started)
        if reply.status_code != 200 or reply.text.strip() not in ("Lagret", "Saved"):
            failures.append(f"{reply.status_code} {reply.text[:200]}")
        else:
            self.last[code] = value


@dataclass
class Run:
    app: str
    phase: str
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: int) -> float:
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    def line(self) -> str:
        return (
            f"{self.phase}, {self.app:>4}: {self.throughput:7.0f} req/s  p50 {self.percentile(50):6.1f} ms  "
            f"p95 {self.percentile(95):6.1f} ms  p99 {self.percentile(99):6.1f} ms  ({self.requests} in {self.seconds:.1f} s)"
        )


class Crowd:
    """200 respondents of one app, kept between runs so each keeps its cookies and its last values."""

    def __init__(self, server: Server, tokens: list[str]) -> None:
        self.server = server
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.respondents = [
            Respondent(token, random.Random(n), httpx.AsyncClient(base_url=server.base, limits=limits, timeout=60))
            for n, token in enumerate(tokens)
        ]

    async def open(self) -> None:
        await asyncio.gather(*(r.open_link() for r in self.respondents))
        await self.drive(WARM_UP)

    async def drive(self, saves: int, phase: str = "warm-up", think: tuple[float, float] | None = None) -> Run:
        """Every respondent autosaves ``saves`` times, pausing ``think`` seconds (uniform) between
        changes, or not at all (the server's saturation throughput)."""
        latencies: list[float] = []
        failures: list[str] = []

        async def one(respondent: Respondent) -> None:
            for _ in range(saves):
                if think:
                    await asyncio.sleep(respondent.rng.uniform(*think))
                await respondent.autosave(latencies, failures)

        # The load generator's own garbage collector stays off while it measures: its 400 clients
        # make a full collection take from tens to hundreds of milliseconds, which stalled every
        # request in flight and counted as the server's latency (the paced p99 outliers).
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            await asyncio.gather(*(one(r) for r in self.respondents))
            seconds = time.perf_counter() - started
        finally:
            gc.enable()
        assert not failures, f"{len(failures)} autosaves failed on the {self.server.name} app, e.g. {failures[:3]}"
        return Run(self.server.name, phase, len(latencies), seconds, latencies)

    def expected(self) -> dict[tuple[str, str], str]:
        return {(r.token, code): value for r in self.respondents for code, value in r.last.items()}

    async def close(self) -> None:
        await asyncio.gather(*(r.client.aclose() for r in self.respondents))


def summary(runs: list[Run], phase: str) -> str:
    def spread(values: list[float], unit: str, digits: int = 0) -> str:
        low, mid, high = min(values), statistics.median(values), max(values)
        return f"{mid:.{digits}f}{unit} ({low:.{digits}f}–{high:.{digits}f})"

    lines = [f"{phase} — median of {REPEATS} runs (min–max):"]
    for app in PORTS:
        mine = [r for r in runs if r.app == app and r.phase == phase]
        lines.append(
            f"  {app:>4}: {spread([r.throughput for r in mine], ' req/s')}, "
            + ", ".join(f"p{p} {spread([r.percentile(p) for r in mine], ' ms', 1)}" for p in (50, 95, 99))
        )
    real = [r for r in runs if r.app == "real" and r.phase == phase]
    bare = [r for r in runs if r.app == "bare" and r.phase == phase]
    ratios = [a.throughput / b.throughput for a, b in zip(real, bare, strict=True)]
    lines.append(f"  throughput real/bare per run: {', '.join(f'{r:.2f}' for r in ratios)}")
    return "\n".join(lines)


class TestAutosave:
    def test_200_respondents_autosaving_against_the_bare_upsert(self, setup: Setup, servers: dict[str, Server]) -> None:
        async def main() -> tuple[list[Run], dict[str, Crowd]]:
            crowds = {app: Crowd(servers[app], setup.tokens[app]) for app in PORTS}
            for crowd in crowds.values():
                await crowd.open()
            runs = []
            for _ in range(REPEATS):
                for phase, saves, think in PHASES:
                    for app in PORTS:
                        run = await crowds[app].drive(saves, phase, think)
                        print(f"\n[postgresql] {run.line()}", end="")
                        runs.append(run)
            for crowd in crowds.values():
                await crowd.close()
            return runs, crowds

        runs, crowds = asyncio.run(main())
        print(
            f"\n[postgresql] autosave, {RESPONDENTS} concurrent respondents, uvicorn {WORKERS} worker processes, "
            f"pool {POOL_SIZE}+{POOL_SIZE} connections per process, load generator on the same machine"
        )
        for phase, _, _ in PHASES:
            print(summary(runs, phase))
        for app, crowd in crowds.items():
            expected = crowd.expected()
            assert stored_answers(setup.url, setup.tokens[app]) == expected, f"{app}: stored answers differ"
            assert len(expected) > RESPONDENTS
