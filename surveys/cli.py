"""``maturity survey …``: a survey as a YAML file in and out, reminders, and the data export of a round."""

import sys
from pathlib import Path

import click
from sqlmodel import Session

from maturity.audit.services import Actor, record_event
from maturity.cli import command_transaction, settings_from_env
from maturity.db import utcnow
from surveys.export import export_round
from surveys.models import SurveyRound
from surveys.reminders import send_reminders
from surveys.survey_file import MAX_BYTES, export_survey, find_version, import_survey


@click.group()
def survey() -> None:
    """Surveys as YAML files (format maturity-survey/1), reminders and the data export of a round."""


@survey.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def survey_import(file: Path) -> None:
    """Create a survey, or replace its latest version while no round has opened, else add a version; all or nothing."""
    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)  # enough to tell it is too large
    with command_transaction(str(file)) as session:
        imported = import_survey(session, data, Actor.system(f"command line: survey import {file.name}"))
        code, version = imported.code, imported.version
    click.echo(f"{file}: survey {code} is at version {version}.")


@survey.command("export")
@click.argument("code")
@click.option("--version", "version", type=int, help="This version instead of the latest.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def survey_export(code: str, version: int | None, output: Path | None) -> None:
    """Write the survey CODE (its latest version, or --version N) as YAML, in the format `survey import` reads."""
    with command_transaction("survey export") as session:
        found = find_version(session, code, version)
        if found is None:
            which = f" version {version}" if version is not None else ""
            raise click.ClickException(f"No survey {code!r}{which}.")
        text = export_survey(session, found)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")


def _round(session: Session, round_id: int) -> SurveyRound:
    found = session.get(SurveyRound, round_id)
    if found is None:
        raise click.ClickException(f"No survey round with id {round_id}.")
    return found


@survey.command("remind")
@click.argument("round_id", type=int)
def survey_remind(round_id: int) -> None:
    """E-mail a new link to everyone invited to ROUND_ID who has not submitted (SMTP from the
    MATURITY_SMTP_* settings, else the outbox folder); no one twice within
    MATURITY_REMINDER_INTERVAL_HOURS."""
    settings = settings_from_env()
    with command_transaction(f"round {round_id}", settings.database_url) as session:
        survey_round = _round(session, round_id)
        result = send_reminders(
            session, settings, survey_round, now=utcnow(), actor=Actor.system("command line: survey remind")
        )
    click.echo(f"Round {round_id}: {result.sent} reminder(s) sent.")
    if result.failed:
        raise click.ClickException(f"The mail server refused; {result.failed} reminder(s) were not sent.")


@survey.command("export-responses")
@click.argument("round_id", type=int)
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write to."
)
def survey_export_responses(round_id: int, out: Path) -> None:
    """Write the submitted answers of ROUND_ID in long format (responses.csv) with the codebook
    (codebook.csv, codebook.txt) to the folder OUT; small units and groups are left out."""
    with command_transaction("survey export-responses") as session:
        survey_round = _round(session, round_id)
        exported = export_round(session, survey_round)
        record_event(
            session,
            Actor.system("command line: survey export-responses"),
            "export",
            survey_round,
            label=survey_round.name_en,
            after={"respondents": exported.respondents},
        )
    out.mkdir(parents=True, exist_ok=True)
    for name, content in exported.files().items():
        (out / name).write_bytes(content)
    click.echo(f"Round {round_id}: {exported.respondents} respondents written to {out}.")
