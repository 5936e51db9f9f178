"""``maturity strategy …`` and ``maturity kpi …``."""

import sys
from pathlib import Path

import click

from indicators.models import Strategy
from indicators.record_files import export_kpi_csv, import_kpi_csv
from indicators.strategy_export import export_strategy
from indicators.strategy_file import import_strategy
from indicators.strategy_tree import find_strategy, list_strategies
from maturity.audit.services import Actor
from maturity.cli import command_transaction
from maturity.units.services import UnitScope


@click.group()
def strategy() -> None:
    """The strategy and maturity model as a YAML file."""


@strategy.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def strategy_import(file: Path) -> None:
    """Create or update a strategy (matched by code) and its maturity model; all or nothing."""
    with command_transaction(str(file)) as session:
        summary = import_strategy(
            session, file.read_bytes(), Actor.system(f"command line: strategy import {file.name}")
        )
    click.echo(f"{file}: {summary.created} created, {summary.updated} updated, {summary.deleted} deleted.")


@strategy.command("export")
@click.argument("code", required=False)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def strategy_export(code: str | None, output: Path | None) -> None:
    """Write the strategy CODE (default: the only one) as YAML."""
    with command_transaction("strategy export") as session:
        if code is None:
            strategies = list_strategies(session)
            if len(strategies) != 1:
                codes = ", ".join(s.code for s in strategies) or "none"
                raise click.ClickException(f"Name the strategy to export (there are: {codes}).")
            found: Strategy | None = strategies[0]
        else:
            found = find_strategy(session, code)
        if found is None or found.id is None:
            raise click.ClickException(f"No strategy with code {code!r}.")
        text = export_strategy(session, found.id)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")


@click.group()
def kpi() -> None:
    """KPI records."""


@kpi.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; write nothing.")
def kpi_import(file: Path, dry_run: bool) -> None:
    """Record KPI values from a CSV file (kpi, unit, period, value | numerator+denominator, source, note).

    All rows or none: any problem rejects the whole file, with its line, column and value.
    """
    with command_transaction(str(file)) as session:
        summary = import_kpi_csv(
            session,
            file.read_bytes(),
            UnitScope(everything=True, roots=frozenset()),
            Actor.system(f"command line: kpi import {file.name}"),
            dry_run=dry_run,
        )
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{file}: {summary.new} new values, {summary.changed} corrections and {summary.unchanged} unchanged {verb} recorded."
    )


@kpi.command("export")
@click.option("--kpi", "kpi_codes", multiple=True, help="Only this KPI code (repeatable).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def kpi_export(kpi_codes: tuple[str, ...], output: Path | None) -> None:
    """Write the current KPI records as CSV, in the format `kpi import` reads."""
    with command_transaction("kpi export") as session:
        text = export_kpi_csv(session, UnitScope(everything=True, roots=frozenset()), kpi_codes=kpi_codes)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
