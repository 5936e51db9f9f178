"""The ``maturity`` command line, run as an operator runs it, against a database of its own."""

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, inspect, select, text
from sqlmodel import Session, col

from maturity.auth.models import Role, RoleAssignment, User
from maturity.auth.services import authenticate, find_user_by_email
from maturity.cli import CliContext, main
from maturity.csvio import DEFAULT_MAX_BYTES
from maturity.db import Database
from maturity.demo import DEMO_LOGINS
from maturity.settings import Settings
from maturity.units.models import OrgUnit
from tests.conftest import Backend
from tests.factories import ORG_CSV, PASSWORD


@pytest.fixture
def url(backend: Backend) -> str:
    return backend.fresh_url()


@pytest.fixture
def database(url: str) -> Iterator[Database]:
    database = Database.from_url(url)
    yield database
    database.dispose()


def run(url: str, *args: str, stdin: str | None = None) -> Result:
    env = {"MATURITY_DATABASE_URL": url, "MATURITY_MODE": None, "MATURITY_SECRET_KEY": None}
    return CliRunner(env=env, catch_exceptions=False).invoke(main, list(args), input=stdin)


def unit_names(database: Database) -> dict[str, str]:
    with database.session() as session:
        return {u.code: u.name_nb for u in session.execute(select(OrgUnit)).scalars()}


def user_count(database: Database) -> int:
    with database.session() as session:
        return session.execute(select(func.count()).select_from(User)).scalar_one()


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    path = tmp_path / "units.csv"
    path.write_bytes(ORG_CSV.encode("cp1252"))  # as old Excel saves it
    return path


@pytest.fixture
def with_org(url: str, org_file: Path) -> None:
    assert run(url, "units", "import", str(org_file)).exit_code == 0


class TestUnitsImport:
    def test_it_imports_the_file_and_says_how_much(self, url: str, database: Database, org_file: Path) -> None:
        result = run(url, "units", "import", str(org_file))
        assert result.exit_code == 0, result.output
        assert result.stdout == f"{org_file}: 7 units created, 0 updated, 7 headcounts set.\n"
        assert unit_names(database)["DEP-A2"] == "Institutt A2"

    def test_importing_again_updates(self, url: str, database: Database, org_file: Path, with_org: None) -> None:
        result = run(url, "units", "import", str(org_file))
        assert result.exit_code == 0, result.output
        assert "0 units created, 7 updated, 7 headcounts set." in result.stdout
        assert len(unit_names(database)) == 7

    def test_a_bad_file_exits_1_says_where_and_changes_nothing(
        self, url: str, database: Database, tmp_path: Path, with_org: None
    ) -> None:
        before = unit_names(database)
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "code;parent_code;kind;name_nb;name_en\n"
            "FAC-A;UNI;faculty;Nytt navn;New name\n"
            "NEW;UNI;fakultet;Ny;New\n"
            "NEW2;NOPE;faculty;Ny 2;New 2\n",
            encoding="utf-8",
        )

        result = run(url, "units", "import", str(bad))

        assert result.exit_code == 1
        assert result.stdout == ""
        lines = result.stderr.splitlines()
        assert lines[0] == f"{bad}: nothing was changed; 2 problem(s):"
        assert lines[1].startswith("  line 3, column kind, value 'fakultet': Unknown kind; use one of: centre,")
        assert lines[2] == "  line 4, column parent_code, value 'NOPE': Unknown parent unit NOPE."
        assert unit_names(database) == before  # FAC-A kept its name: all or nothing

    def test_a_file_over_the_size_cap_is_refused(self, url: str, database: Database, tmp_path: Path) -> None:
        huge = tmp_path / "huge.csv"
        with huge.open("wb") as handle:
            handle.write(b"code;parent_code;kind;name_nb;name_en\n")
            row = b"X;;other;Navn;Name\n"
            handle.write(row * (DEFAULT_MAX_BYTES // len(row) + 1))

        result = run(url, "units", "import", str(huge))

        assert result.exit_code == 1
        assert "The file is larger than the limit of 5 MB." in result.stderr
        assert unit_names(database) == {}

    def test_a_missing_file_is_a_usage_error(self, url: str, tmp_path: Path) -> None:
        result = run(url, "units", "import", str(tmp_path / "nope.csv"))
        assert result.exit_code == 2
        assert "does not exist" in result.stderr


class TestUsersCreate:
    def test_it_creates_a_staff_member(self, url: str, database: Database, with_org: None) -> None:
        result = run(
            url, "users", "create", "--email", "Kari@Example.org", "--name", "Kari", "--home-unit", "DEP-A1",
            "--password", PASSWORD,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.stdout == "Created user kari@example.org (staff).\n"
        with database.session() as session:
            user = authenticate(session, "kari@example.org", PASSWORD, client="cli", max_failures=5, window_seconds=60)
            assert user is not None
            assert (user.password_hash or "").startswith("$argon2id$")

    def test_it_creates_a_leader_of_units(self, url: str, database: Database, with_org: None) -> None:
        result = run(
            url, "users", "create", "--email", "leder@example.org", "--name", "Leder", "--home-unit", "FAC-A",
            "--leader-of", "FAC-A", "--leader-of", "DEP-B1", "--locale", "en", "--password", PASSWORD,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Created user leder@example.org (")
        with database.session() as session:
            user = find_user_by_email(session, "leder@example.org")
            assert user is not None
            assert user.locale == "en"
            codes = session.execute(
                select(col(OrgUnit.code))
                .join(RoleAssignment, col(RoleAssignment.unit_id) == OrgUnit.id)
                .where(col(RoleAssignment.user_id) == user.id, col(RoleAssignment.role) == Role.LEADER)
            ).scalars()
            assert set(codes) == {"FAC-A", "DEP-B1"}

    def test_the_password_can_come_from_stdin(self, url: str, database: Database, with_org: None) -> None:
        result = run(
            url, "users", "create", "--email", "piped@example.org", "--name", "Piped",
            stdin=f"{PASSWORD}\n{PASSWORD}\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        with database.session() as session:
            assert authenticate(session, "piped@example.org", PASSWORD, client="c", max_failures=5, window_seconds=60)

    def test_bad_input_exits_1_with_every_problem_and_writes_nothing(
        self, url: str, database: Database, with_org: None
    ) -> None:
        result = run(
            url, "users", "create", "--email", "not-an-address", "--name", "X", "--home-unit", "NOPE",
            "--password", "short",
        )  # fmt: skip
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr.splitlines() == [
            "users create: nothing was changed; 3 problem(s):",
            "  email, value 'not-an-address': not-an-address is not an e-mail address.",
            "  password: The password must be at least 10 characters long.",
            "  unit, value 'NOPE': Unknown unit NOPE.",
        ]
        assert user_count(database) == 0


class TestDbUpgrade:
    def test_it_creates_the_schema_in_an_empty_sqlite_file(self, backend: Backend, tmp_path: Path) -> None:
        if backend.name != "sqlite":
            pytest.skip("an empty file is a SQLite database")
        path = tmp_path / "new.db"
        result = run(f"sqlite:///{path}", "db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "is at revision head" in result.stdout
        database = Database.from_url(f"sqlite:///{path}")
        try:
            assert {"org_unit", "app_user", "user_session", "alembic_version"} <= set(
                inspect(database.engine).get_table_names()
            )
        finally:
            database.dispose()


class TestDemo:
    def test_it_builds_the_demo_database_and_prints_the_logins(self, backend: Backend, tmp_path: Path) -> None:
        if backend.name != "sqlite":
            pytest.skip("the demo runs on SQLite")
        path = tmp_path / "demo" / "demo.db"
        result = CliRunner(env={"MATURITY_MODE": None}, catch_exceptions=False).invoke(
            main, ["demo", "--no-serve", "--database", str(path)]
        )
        assert result.exit_code == 0, result.output
        assert "Serving" not in result.stdout
        for login in DEMO_LOGINS:
            assert login.email in result.stdout
            assert f"password: {login.password}" in result.stdout
        assert len(DEMO_LOGINS) == 3
        database = Database.from_url(f"sqlite:///{path}")
        try:
            assert user_count(database) == 3
            staff = DEMO_LOGINS[-1]
            with database.session() as session:
                assert authenticate(session, staff.email, staff.password, client="c", max_failures=5, window_seconds=60)
        finally:
            database.dispose()

    def test_printed_links_use_the_host_and_port_it_serves_on(self, backend: Backend, tmp_path: Path) -> None:
        if backend.name != "sqlite":
            pytest.skip("the demo runs on SQLite")
        seen: list[tuple[str, bool]] = []

        def links(_session: Session, base_url: str) -> list[str]:
            return [f"link: {base_url}/s/token"]

        def after(settings: Settings, serving: bool, say: Callable[[str], None]) -> None:
            seen.append((settings.base_url, serving))
            say("after the demo")

        everywhere = "0.0.0.0"  # noqa: S104  # the option's value; the test binds nothing
        args = ["demo", "--no-serve", "--database", str(tmp_path / "demo.db"), "--host", everywhere, "--port", "8123"]
        result = CliRunner(env={"MATURITY_MODE": None}, catch_exceptions=False).invoke(
            main, args, obj=CliContext(demo_steps=[links], after_demo=[after])
        )
        assert result.exit_code == 0, result.output
        assert "link: http://127.0.0.1:8123/s/token" in result.stdout  # listening everywhere, reached here
        assert seen == [("http://127.0.0.1:8123", False)]
        assert result.stdout.index("password:") < result.stdout.index("after the demo")  # logins come first
        assert "maturity demo --keep --port 8123" in result.stdout

    def test_keep_uses_the_demo_database_built_before(self, backend: Backend, tmp_path: Path) -> None:
        if backend.name != "sqlite":
            pytest.skip("the demo runs on SQLite")
        path = tmp_path / "demo.db"
        runner = CliRunner(env={"MATURITY_MODE": None})
        missing = runner.invoke(main, ["demo", "--keep", "--no-serve", "--database", str(path)])
        assert missing.exit_code == 1
        assert "No demo database" in missing.output
        assert runner.invoke(main, ["demo", "--no-serve", "--database", str(path)]).exit_code == 0
        database = Database.from_url(f"sqlite:///{path}")
        try:
            with database.transaction() as session:
                session.execute(text("UPDATE app_user SET name = 'Kept' WHERE email = :e"), {"e": DEMO_LOGINS[0].email})
        finally:
            database.dispose()
        kept = runner.invoke(main, ["demo", "--keep", "--no-serve", "--database", str(path)])
        assert kept.exit_code == 0, kept.output
        assert "kept as it was" in kept.stdout
        assert f"password: {DEMO_LOGINS[0].password}" in kept.stdout
        database = Database.from_url(f"sqlite:///{path}")
        try:
            with database.session() as session:
                name = session.execute(text("SELECT name FROM app_user WHERE email = :e"), {"e": DEMO_LOGINS[0].email})
                assert name.scalar_one() == "Kept"  # not rebuilt
        finally:
            database.dispose()


def test_the_worker_command_does_not_load_the_web_app() -> None:
    """``maturity worker`` (and every command but ``serve`` and ``demo``) imports what it runs:
    not Litestar, the controllers or the sign-in clients (~30 MB and ~2 s a worker process)."""
    script = (
        "import sys\n"
        "sys.argv = ['maturity', 'worker', '--help']\n"
        "from maturity.command import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in ('litestar', 'maturity.app', 'authlib', 'indicators.controllers') if m in sys.modules))\n"
    )
    done = subprocess.run(  # noqa: S603 — our own interpreter on a fixed script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert "Run background tasks" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
