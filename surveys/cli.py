"""``maturity survey …``: reminders and the data export of a round."""

from pathlib import Path

import click
from sqlmodel import Session

from maturity.audit.services import Actor, record_event
from maturity.cli import database_from_env, report_invalid_input, settings_from_env
from maturity.db import Database, utcnow
from maturity.errors import InvalidInput
from surveys.export import export_round
from surveys.models import SurveyRound
from surveys.reminders import send_reminders


@click.group()
def survey() -> None:
    """Survey rounds: reminders and the data export."""


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
    database = Database.from_url(settings.database_url)
    try:
        with database.transaction() as session:
            survey_round = _round(session, round_id)
            result = send_reminders(
                session, settings, survey_round, now=utcnow(), actor=Actor.system("command line: survey remind")
            )
    except InvalidInput as exc:
        report_invalid_input(exc, f"round {round_id}")
    finally:
        database.dispose()
    click.echo(f"Round {round_id}: {result.sent} reminder(s) sent.")
    if result.failed:
        raise click.ClickException(f"The mail server refused; {result.failed} reminder(s) were not sent.")


@survey.command("export-responses")
@click.argument("round_id", type=int)
@click.option(
    "--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write to."
)
def survey_export(round_id: int, out: Path) -> None:
    """Write the submitted answers of ROUND_ID in long format (responses.csv) with the codebook
    (codebook.csv, codebook.txt) to the folder OUT; small units and groups are left out."""
    database = database_from_env()
    try:
        with database.transaction() as session:
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
    finally:
        database.dispose()
    out.mkdir(parents=True, exist_ok=True)
    for name, content in exported.files().items():
        (out / name).write_bytes(content)
    click.echo(f"Round {round_id}: {exported.respondents} respondents written to {out}.")
