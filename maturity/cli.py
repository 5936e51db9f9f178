"""The ``maturity`` command line."""

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from sqlmodel import Session

from maturity import i18n
from maturity.audit.services import Actor
from maturity.auth.models import Role
from maturity.auth.services import RoleSpec, create_user
from maturity.db import Database
from maturity.errors import InvalidInput, Problem
from maturity.settings import Settings, SettingsError

if TYPE_CHECKING:
    from maturity.demo import DemoLogin


LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}  # noqa: S104  # names, not bound here


def _settings(*, serving: bool = False, **overrides: object) -> Settings:
    """Settings from the environment. Commands that do not serve need no secret key."""
    if not serving and "MATURITY_MODE" not in os.environ:
        overrides.setdefault("mode", "development")
    try:
        return Settings.from_env(None, **overrides)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _describe(problem: Problem) -> str:
    where = []
    if problem.line is not None:
        where.append(f"line {problem.line}")
    if problem.column:
        where.append(f"column {problem.column}")
    if problem.path:
        where.append(problem.path)
    if problem.value not in (None, ""):
        where.append(f"value {problem.value!r}")
    text = problem.render(lambda m: i18n.translate("en", m))
    return f"{', '.join(where)}: {text}" if where else text


def settings_from_env() -> Settings:
    """Settings for a command that does not serve (no secret key needed outside production)."""
    return _settings()


@contextmanager
def command_transaction(source: str, database_url: str | None = None) -> Iterator[Session]:
    """The one transaction of a command: committed when the block ends, rolled back on any error;
    InvalidInput prints every located problem (``source`` names what was read) and exits with
    status 1; the database is disposed either way. ``database_url``: else MATURITY_DATABASE_URL."""
    database = Database.from_url(database_url or _settings().database_url)
    try:
        with database.transaction() as session:
            yield session
    except InvalidInput as exc:
        _fail(exc, source)
    finally:
        database.dispose()


def _fail(exc: InvalidInput, source: str) -> None:
    click.echo(f"{source}: nothing was changed; {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {_describe(problem)}", err=True)
    sys.exit(1)


@dataclass(frozen=True, slots=True)
class CliContext:
    """What the composition root hands the command line: the app to serve and the other packages'
    demo data (so this module imports no package to its right, nor ``maturity.app``)."""

    create_app: Callable[[Settings], Any] | None = None  # ``maturity.app.create_app``

    # Each step loads its package's demo data and may return lines to print (links, say).
    demo_steps: list[Callable[[Session, str], list[str] | None]] = field(default_factory=list)
    # After the demo data is committed: given the demo's settings, whether the app will be served
    # (work may then go on in the background) and a function that prints a line at once.
    after_demo: list[Callable[[Settings, bool, Callable[[str], None]], None]] = field(default_factory=list)


@click.group()
def main() -> None:
    """Maturity: strategy, KPIs, maturity surveys and progress reports."""


# --- db ---------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Create and upgrade the database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (creates the database schema on first run)."""
    from maturity.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url, revision)
    click.echo(f"Database at {settings.database_url.split('@')[-1]} is at revision {revision}.")


# --- background work --------------------------------------------------------------------------


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs at once in this process; reports render one at a time per process, so run one worker per core.",
)
@click.option("--queue", "queues", multiple=True, help="Only this queue (repeatable; reports, mail, default).")
@click.option("--until-idle", is_flag=True, help="Stop when no job is waiting instead of waiting for more.")
def worker(concurrency: int, queues: tuple[str, ...], until_idle: bool) -> None:
    """Run background tasks (report batches, invitations, schedules) from the PostgreSQL queue.

    Start as many as you like, on any machine that reaches the database and the report storage;
    SIGINT or SIGTERM lets the running jobs finish first.
    """
    from maturity.all_tasks import work
    from maturity.jobs import uses_procrastinate

    settings = _settings()
    if not uses_procrastinate(settings):
        raise click.ClickException(
            "Workers need PostgreSQL (MATURITY_DATABASE_URL=postgresql://…). With SQLite the app runs its"
            " background tasks in its own process: no worker is needed."
        )
    work(settings, concurrency=concurrency, queues=queues, wait=not until_idle)


# --- units ------------------------------------------------------------------------------------


@main.group()
def units() -> None:
    """Organisation units."""


@units.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(file: Path) -> None:
    """Create or update units from a CSV file (code, parent_code, kind, name_nb, name_en, headcount_<period>…)."""
    from maturity.csvio import DEFAULT_MAX_BYTES
    from maturity.units.services import import_units_csv

    with file.open("rb") as handle:
        data = handle.read(DEFAULT_MAX_BYTES + 1)  # enough to tell it is too large, not a byte more
    with command_transaction(str(file)) as session:
        result = import_units_csv(session, data, Actor.system(f"command line: units import {file.name}"))
    click.echo(f"{file}: {result.created} units created, {result.updated} updated, {result.headcounts} headcounts set.")


# --- users ------------------------------------------------------------------------------------


@main.group()
def users() -> None:
    """Users and roles."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--home-unit", "home_unit", help="Code of the user's home unit.")
@click.option("--leader-of", "leader_of", multiple=True, help="Unit code the user leads (repeatable).")
@click.option("--strategy-office", is_flag=True, help="Give the strategy-office role.")
@click.option("--locale", type=click.Choice(["nb", "en"]))
@click.option("--break-glass", is_flag=True, help="May log in with a password when password login is off.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given; reads stdin when piped.",
)
def users_create(
    email: str,
    name: str,
    home_unit: str | None,
    leader_of: tuple[str, ...],
    strategy_office: bool,
    locale: str | None,
    break_glass: bool,
    password: str,
) -> None:
    """Create a user. Every user is staff; add --leader-of and --strategy-office as needed."""
    roles = [RoleSpec(Role.STAFF)]
    roles += [RoleSpec(Role.LEADER, code) for code in leader_of]
    if strategy_office:
        roles.append(RoleSpec(Role.STRATEGY_OFFICE))
    with command_transaction("users create") as session:
        user = create_user(
            session,
            email=email,
            name=name,
            password=password,
            home_unit_code=home_unit,
            roles=roles,
            locale=locale,
            actor=Actor.system("command line: users create"),
        )
        user.break_glass = break_glass
        click.echo(f"Created user {user.email} ({', '.join(r.role.value for r in roles)}).")


# --- people -----------------------------------------------------------------------------------


@main.group()
def people() -> None:
    """People from the HR staff list."""


@people.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deactivate-missing", is_flag=True, help="Deactivate staff-list people who are not in the file.")
@click.option("--headcount-period", help="Set each unit's headcount for this period (e.g. 2026) from the file.")
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change; save nothing.")
def people_import(file: Path, deactivate_missing: bool, headcount_period: str | None, dry_run: bool) -> None:
    """Create and update people from a staff list (employee_number, email, name, unit, group[, login_name])."""
    from maturity.csvio import DEFAULT_MAX_BYTES
    from maturity.people.staff_list import import_staff_csv

    with file.open("rb") as handle:
        data = handle.read(DEFAULT_MAX_BYTES + 1)
    with command_transaction(str(file)) as session:
        plan = import_staff_csv(
            session,
            data,
            actor=Actor.system(f"command line: people import {file.name}"),
            deactivate_missing=deactivate_missing,
            headcount_period=headcount_period,
            dry_run=dry_run,
        )
        if dry_run:
            session.rollback()
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{file}: {len(plan.create)} people {verb} created, {len(plan.update)} updated, "
        f"{len(plan.deactivate)} deactivated, {plan.unchanged} unchanged; {len(plan.headcounts)} headcounts {verb} set."
    )


# --- demo and serving ---------------------------------------------------------------------------


@main.command()
@click.option(
    "--database",
    "database_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("var/demo.db"),
    show_default=True,
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Build the demo database and stop.")
@click.option("--keep", is_flag=True, help="Serve the demo database built before again, as it is (no rebuild).")
@click.pass_obj
def demo(obj: "CliContext | None", database_path: Path, host: str, port: int, no_serve: bool, keep: bool) -> None:
    """Create a fresh SQLite demo database, load the demo data and serve it (--keep: serve the
    existing one again)."""
    from maturity.demo import DEMO_LOGINS, DEMO_LOGO, load_demo
    from maturity.migrate import upgrade

    # The demo institution's logo on report covers, unless one is configured; in the environment,
    # so the demo's report workers (other processes) read it as the app does.
    os.environ.setdefault("MATURITY_INSTITUTION_LOGO", str(DEMO_LOGO))
    url = f"sqlite:///{database_path.resolve()}"
    # Links are printed for a browser on this machine: an address that listens everywhere is
    # reached through the loopback one.
    base_url = f"http://{LOOPBACK.get(host, host)}:{port}"
    settings = _settings(
        mode="demo", database_url=url, base_url=base_url, report_storage=database_path.parent / "demo-reports"
    )
    if keep:
        if not database_path.exists():
            raise click.ClickException(f"No demo database at {database_path}: run `maturity demo` first.")
        upgrade(url)  # a demo built by an earlier version gets the newer tables
        click.echo(f"Demo database: {database_path} (kept as it was)")
        _echo_logins(DEMO_LOGINS)
        click.echo("The survey links printed when it was built still work; staff also find the survey in My surveys.")
        if not no_serve:
            click.echo(f"Serving on {base_url}  (Ctrl+C stops)")
            _serve(obj, settings, host, port)
        return

    database_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database_path}{suffix}").unlink(missing_ok=True)
    upgrade(url)
    database = Database.from_url(url)
    with database.transaction() as session:
        logins = load_demo(session)
        notes = [line for step in (obj.demo_steps if obj else []) for line in (step(session, base_url) or [])]
    database.dispose()
    click.echo(f"Demo database: {database_path}")
    _echo_logins(logins)
    for note in notes:
        click.echo(note)
    for after in obj.after_demo if obj else []:
        after(settings, not no_serve, click.echo)
    if no_serve:
        click.echo(f"Serve it again with: maturity demo --keep --port {port}")
        return
    click.echo(f"Serving on {base_url}  (Ctrl+C stops)")
    _serve(obj, settings, host, port)


def _echo_logins(logins: "Sequence[DemoLogin]") -> None:
    click.echo("Demo logins:")
    for login in logins:
        click.echo(f"  {login.role:<16} {login.email:<28} password: {login.password}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, help="App processes (use PostgreSQL for more than one).")
@click.pass_obj
def serve(obj: "CliContext | None", host: str, port: int, workers: int) -> None:
    """Serve the app with settings from MATURITY_* environment variables."""
    settings = _settings(serving=True)
    if workers > 1:
        import uvicorn

        uvicorn.run(
            "maturity.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            # uvicorn's supervisor kills a worker that does not answer its ping within this time; the
            # default of 5 s killed healthy workers while they started on a busy host (seen in the load test).
            timeout_worker_healthcheck=30,
        )
    else:
        _serve(obj, settings, host, port)


def _serve(obj: "CliContext | None", settings: Settings, host: str, port: int) -> None:
    import uvicorn

    if obj is None or obj.create_app is None:
        raise click.ClickException("Run the `maturity` command: it knows the app to serve.")
    uvicorn.run(obj.create_app(settings), host=host, port=port, proxy_headers=True, log_level="info")
