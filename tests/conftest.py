"""Test databases built with ``alembic upgrade head``, on SQLite or PostgreSQL.

``make test`` runs the suite twice: with SQLite (the default) and with
``MATURITY_TEST_BACKEND=postgresql``. SQLite tests get a fresh copy of a migrated database file;
PostgreSQL tests share one migrated database per run, emptied after each test.

Tests commit for real, on connections of their own, as the app does in production: a test
transaction rolled back at the end (savepoint join mode) would put every session on one
connection and so could not show what the app keeps when a request fails (the login rate
limit), nor what concurrent requests do.
"""

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from indicators.models import Strategy
from indicators.strategy_file import import_strategy
from maturity.app import create_app
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.db import Database, make_engine
from maturity.migrate import upgrade
from maturity.settings import Settings
from tests.factories import STRATEGY_YAML, Org, make_org, make_user

BACKEND = os.environ.get("MATURITY_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("MATURITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pytest_report_header() -> str:
    return f"maturity test backend: {BACKEND}"


def _admin_url() -> URL:
    return make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")


def pytest_sessionstart(session: pytest.Session) -> None:
    if BACKEND != "postgresql":
        return
    engine = create_engine(_admin_url())
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means the same here
        where = _admin_url().render_as_string(hide_password=True)
        if os.environ.get("CI"):
            pytest.exit(f"PostgreSQL is required in CI but not reachable at {where}: {exc}", returncode=1)
        pytest.exit(f"PostgreSQL not reachable at {where}: the PostgreSQL part of the suite was SKIPPED.", returncode=0)
    finally:
        engine.dispose()


@dataclass
class Backend:
    name: str
    template_url: str  # a migrated database that tests copy or join
    workdir: Path

    def fresh_url(self) -> str:
        """A new, migrated, committed database of its own (for the CLI and other processes)."""
        if self.name == "sqlite":
            target = self.workdir / f"db-{secrets.token_hex(6)}.sqlite"
            shutil.copyfile(self.template_url.removeprefix("sqlite:///"), target)
            return f"sqlite:///{target}"
        name = f"{make_url(self.template_url).database}_{secrets.token_hex(4)}"
        _create_database(name, template=make_url(self.template_url).database)
        return make_url(self.template_url).set(database=name).render_as_string(hide_password=False)


def _create_database(name: str, template: str | None = None) -> None:
    assert re.fullmatch(r"[a-z0-9_]+", name)
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        suffix = f" TEMPLATE {template}" if template else ""
        connection.exec_driver_sql(f"CREATE DATABASE {name}{suffix}")
    engine.dispose()


def _drop_databases(prefix: str) -> None:
    engine = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        names = (
            connection.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": prefix + "%"})
            .scalars()
            .all()
        )
        for name in names:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    engine.dispose()


_TRUNCATE: dict[str, str] = {}


def _empty_tables(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        if url not in _TRUNCATE:
            names = connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            ).scalars()
            _TRUNCATE[url] = "TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY CASCADE"
        connection.exec_driver_sql(_TRUNCATE[url])
    engine.dispose()


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    workdir = tmp_path_factory.mktemp("db")
    if BACKEND == "sqlite":
        url = f"sqlite:///{workdir / 'template.sqlite'}"
        upgrade(url)
        yield Backend("sqlite", url, workdir)
        return
    run = f"maturity_test_{secrets.token_hex(4)}"
    _create_database(run)
    url = (
        make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=run).render_as_string(hide_password=False)
    )
    upgrade(url)
    try:
        yield Backend("postgresql", url, workdir)
    finally:
        _drop_databases(run)  # this run's databases only: other runs may be going on


@pytest.fixture
def db(backend: Backend) -> Iterator[Database]:
    """The test's database. Everything a test writes is gone afterwards."""
    if backend.name == "sqlite":
        database = Database.from_url(backend.fresh_url())
        yield database
        database.dispose()
        return
    database = Database(make_engine(backend.template_url, pool_size=4))
    try:
        yield database
    finally:
        database.dispose()
        _empty_tables(backend.template_url)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session for arranging data and checking results; commit it to make data visible to the app."""
    s = db.session()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        mode="test",
        secure_cookies=False,
        secret_key="test-" + "s" * 40,
        login_max_failures=5,
        periodic_tasks=False,  # a test that wants the schedule turns it on
    )


@pytest.fixture
def app(settings: Settings, db: Database) -> Litestar:
    return create_app(settings, db=db)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
def org(session: Session) -> Org:
    """The small organisation of tests/factories.py, committed."""
    org = make_org(session)
    session.commit()
    return org


@pytest.fixture
def people(session: Session, org: Org) -> dict[str, User]:
    """One user per role: staff in DEP-A1, the leader of FAC-A, the strategy office."""
    users = {
        "staff": make_user(session, "staff@example.org", home="DEP-A1"),
        "leader": make_user(session, "leader@example.org", home="FAC-A", leader_of=("FAC-A",)),
        "office": make_user(session, "office@example.org", home="UNI", office=True),
    }
    session.commit()
    return users


@pytest.fixture
def strategy(session: Session, org: Org) -> Strategy:
    """The small strategy of tests/factories.py (KPIs KSUM, KRATIO, KINST, KLOW; model D1, D2)."""
    summary = import_strategy(session, STRATEGY_YAML.encode(), Actor.system("test"))
    session.commit()
    return session.get_one(Strategy, summary.strategy_id)
