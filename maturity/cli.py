"""The ``maturity`` command line."""

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import click
from sqlmodel import Session

from maturity import i18n
from maturity.audit.services import Actor
from maturity.auth.models import Role
from maturity.auth.services import RoleSpec, create_user
from maturity.db import Database
from maturity.errors import InvalidInput, Problem
from maturity.settings import Settings, SettingsError


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


def database_from_env() -> Database:
    """The database named by MATURITY_DATABASE_URL, for commands that do not serve."""
    return Database.from_url(_settings().database_url)


def report_invalid_input(exc: InvalidInput, source: str) -> None:
    """Print every located problem and exit with status 1."""
    _fail(exc, source)


def _fail(exc: InvalidInput, source: str) -> None:
    click.echo(f"{source}: nothing was changed; {len(exc.problems)} problem(s):", err=True)
    for problem in exc.problems:
        click.echo(f"  {_describe(problem)}", err=True)
    sys.exit(1)


@dataclass(frozen=True, slots=True)
class CliContext:
    """What the composition root hands the command line: the other packages' demo data."""

    # Each step loads its package's demo data and may return lines to print (links, say).
    demo_steps: list[Callable[[Session, str], list[str] | None]] = field(default_factory=list)
    # After the demo data is committed: given the demo's settings and whether the app will be
    # served (work may then go on in the background), each may return lines to print.
    after_demo: list[Callable[[Settings, bool], list[str] | None]] = field(default_factory=list)


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
    database = Database.from_url(_settings().database_url)
    try:
        with database.transaction() as session:
            result = import_units_csv(session, data, Actor.system(f"command line: units import {file.name}"))
    except InvalidInput as exc:
        _fail(exc, str(file))
    finally:
        database.dispose()
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
    password: str,
) -> None:
    """Create a user. Every user is staff; add --leader-of and --strategy-office as needed."""
    roles = [RoleSpec(Role.STAFF)]
    roles += [RoleSpec(Role.LEADER, code) for code in leader_of]
    if strategy_office:
        roles.append(RoleSpec(Role.STRATEGY_OFFICE))
    database = Database.from_url(_settings().database_url)
    try:
        with database.transaction() as session:
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
            click.echo(f"Created user {user.email} ({', '.join(r.role.value for r in roles)}).")
    except InvalidInput as exc:
        _fail(exc, "users create")
    finally:
        database.dispose()


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
@click.pass_obj
def demo(obj: "CliContext | None", database_path: Path, host: str, port: int, no_serve: bool) -> None:
    """Create a fresh SQLite demo database, load the demo data and serve it."""
    from maturity.demo import DEMO_LOGO, load_demo
    from maturity.migrate import upgrade

    # The demo institution's logo on report covers, unless one is configured; in the environment,
    # so the demo's report workers (other processes) read it as the app does.
    os.environ.setdefault("MATURITY_INSTITUTION_LOGO", str(DEMO_LOGO))

    database_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database_path.resolve()}"
    upgrade(url)
    database = Database.from_url(url)
    with database.transaction() as session:
        logins = load_demo(session)
        base_url = f"http://{host}:{port}"
        notes = [line for step in (obj.demo_steps if obj else []) for line in (step(session, base_url) or [])]
    database.dispose()
    settings = _settings(
        mode="demo",
        database_url=url,
        base_url=f"http://{host}:{port}",
        report_storage=database_path.parent / "demo-reports",
    )
    notes += [line for step in (obj.after_demo if obj else []) for line in (step(settings, not no_serve) or [])]
    click.echo(f"Demo database: {database_path}")
    click.echo("Demo logins:")
    for login in logins:
        click.echo(f"  {login.role:<16} {login.email:<28} password: {login.password}")
    for note in notes:
        click.echo(note)
    if no_serve:
        return
    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C stops)")
    _serve(settings, host, port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, help="App processes (use PostgreSQL for more than one).")
def serve(host: str, port: int, workers: int) -> None:
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
        _serve(settings, host, port)


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from maturity.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=True, log_level="info")
