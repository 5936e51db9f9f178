"""``maturity survey …``: a survey as a YAML file, in and out."""

import sys
from pathlib import Path

import click

from maturity.audit.services import Actor
from maturity.cli import database_from_env, report_invalid_input
from maturity.errors import InvalidInput
from surveys.survey_file import MAX_BYTES, export_survey, find_version, import_survey


@click.group()
def survey() -> None:
    """Surveys as YAML files (format maturity-survey/1)."""


@survey.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def survey_import(file: Path) -> None:
    """Create a survey, or replace its latest version while no round has opened, else add a version; all or nothing."""
    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)  # enough to tell it is too large
    database = database_from_env()
    try:
        with database.transaction() as session:
            imported = import_survey(session, data, Actor.system(f"command line: survey import {file.name}"))
            code, version = imported.code, imported.version
    except InvalidInput as exc:
        report_invalid_input(exc, str(file))
    finally:
        database.dispose()
    click.echo(f"{file}: survey {code} is at version {version}.")


@survey.command("export")
@click.argument("code")
@click.option("--version", "version", type=int, help="This version instead of the latest.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def survey_export(code: str, version: int | None, output: Path | None) -> None:
    """Write the survey CODE (its latest version, or --version N) as YAML, in the format `survey import` reads."""
    database = database_from_env()
    try:
        with database.transaction() as session:
            found = find_version(session, code, version)
            if found is None:
                which = f" version {version}" if version is not None else ""
                raise click.ClickException(f"No survey {code!r}{which}.")
            text = export_survey(session, found)
    finally:
        database.dispose()
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
