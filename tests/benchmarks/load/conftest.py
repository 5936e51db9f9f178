"""Fixtures of the load and fault tests: a fresh migrated PostgreSQL database with enough links,
and app servers that are stopped (or killed) whatever happens."""

import os
import secrets
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import make_url

from maturity.migrate import upgrade
from tests.benchmarks.load.dataset import Plan, build
from tests.benchmarks.load.harness import AppServer
from tests.conftest import POSTGRES_URL, _create_database, _drop_databases

USERS = [int(n) for n in os.environ.get("LOAD_USERS", "200,500").split(",")]
SECONDS = int(os.environ.get("LOAD_SECONDS", "30"))
REPEAT = int(os.environ.get("LOAD_REPEAT", "1"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
POOL_SIZE = int(os.environ.get("LOAD_POOL_SIZE", "5"))
FAULT_USERS = int(os.environ.get("LOAD_FAULT_USERS", "200"))
PG_CLUSTER = Path("/etc/postgresql")


@dataclass
class DataSet:
    url: str
    tokens: list[str]
    questions: dict[str, list[list[str]]]
    pages: int
    workdir: Path
    used: int = 0

    def plan(self, users: int) -> Path:
        """A plan for ``users`` respondents, each with a link no earlier run has used."""
        tokens = self.tokens[self.used : self.used + users]
        assert len(tokens) == users, "not enough invitations: raise the number in the dataset fixture"
        self.used += users
        return Plan(tokens, self.questions, self.pages).write(self.workdir / f"plan-{self.used}.json")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load")


@pytest.fixture(scope="session")
def dataset(workdir: Path) -> Iterator[DataSet]:
    """A database of its own, created and migrated for this run, dropped afterwards."""
    name = f"maturity_load_{secrets.token_hex(4)}"
    _create_database(name)
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name).render_as_string(False)
    try:
        upgrade(url)
        invitations = REPEAT * sum(USERS) + 2 * FAULT_USERS + 100
        tokens, questions, pages = build(url, invitations)
        print(f"\n[load] database {name}: {invitations} personal links, {len(questions)} questions on {pages} pages")
        yield DataSet(url, tokens, questions, pages, workdir)
    finally:
        ensure_postgresql_running()
        _drop_databases(name)


@pytest.fixture(scope="session")
def serve(dataset: DataSet, workdir: Path) -> Iterator[Callable[[int], AppServer]]:
    """Start ``maturity serve --workers N`` on a port; every server is stopped at the end."""
    servers: list[AppServer] = []

    def start(port: int) -> AppServer:
        server = AppServer(dataset.url, port, WORKERS, POOL_SIZE, workdir / f"app-{port}.log")
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


def ensure_postgresql_running() -> None:
    """Other engineers' tests use this PostgreSQL: it is up again, whatever a test did."""
    for version in os.listdir(PG_CLUSTER) if PG_CLUSTER.is_dir() else []:
        status = subprocess.run(["pg_ctlcluster", version, "main", "status"], capture_output=True, check=False)  # noqa: S603, S607
        if status.returncode != 0:
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],  # noqa: S607
                check=False,
            )
