"""``maturity reports …``: batch builds with a progress bar, and verifying a stored report."""

import click

from maturity.audit.services import Actor
from maturity.cli import command_transaction, settings_from_env
from reports.batch import BatchResult, languages_of, plan, run_batch
from reports.narratives import check_period
from reports.services import BuildOutcome, verify_report


@click.group()
def reports() -> None:
    """Progress reports (PDF): build them in batches, verify stored ones."""


@reports.command("build")
@click.option("--period", required=True, help="The reporting period, e.g. 2024 or 2024-S1.")
@click.option("--unit", "units", multiple=True, help="Unit code (repeatable); default: every unit.")
@click.option("--lang", "language", type=click.Choice(["nb", "en", "all"]), default="nb", show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes (default: the CPUs, at most 4).")
def build(period: str, units: tuple[str, ...], language: str, workers: int | None) -> None:
    """Build the reports of PERIOD; reports whose inputs did not change are skipped."""
    settings = settings_from_env()
    with command_transaction("reports build") as session:
        period = check_period(period)
        jobs = plan(session, list(units), languages_of(language))
    storage = settings.report_storage
    with click.progressbar(length=len(jobs), label=f"Reports {period}", show_pos=True, show_eta=True) as bar:

        def advance(_result: BatchResult, _outcome: BuildOutcome | None) -> None:
            bar.update(1)

        result = run_batch(
            settings.database_url,
            storage,
            period,
            jobs,
            generated_by=Actor.system("command line: reports build").label,
            workers=workers,
            on_progress=advance,
        )
    click.echo(
        f"{result.built} built, {result.skipped} unchanged (skipped), {result.failed} failed; files in {storage}."
    )
    for error in result.errors:
        click.echo(f"  {error}", err=True)
    if result.failed:
        raise SystemExit(1)


@reports.command("verify")
@click.argument("report_id", type=int)
def verify(report_id: int) -> None:
    """Re-hash a stored report and render its snapshot again; exit 1 when anything differs."""
    from maturity.units.services import UnitScope
    from reports.services import get_report

    settings = settings_from_env()
    try:
        with command_transaction(f"report {report_id}") as session:
            report, unit = get_report(session, UnitScope(everything=True, roots=frozenset()), report_id)
    except Exception as exc:
        raise click.ClickException(f"No report {report_id}.") from exc
    outcome = verify_report(settings.report_storage, report)
    for label, ok in (
        ("file present", outcome.file_present),
        ("PDF hash", outcome.pdf_matches),
        ("snapshot hash", outcome.snapshot_matches),
        ("rendered again from the snapshot", outcome.rerender_matches),
    ):
        click.echo(f"{label:<34} {'not tried' if ok is None else 'ok' if ok else 'DIFFERS'}")
    if outcome.earlier_version:
        click.echo(
            "This report was made by an earlier version of Maturity: it is not rendered again from its"
            " snapshot; its file and snapshot hashes are checked above."
        )
    click.echo(
        f"Report {report_id} ({unit.code} {report.period} {report.language}): {'verified' if outcome.ok else 'NOT verified'}"
    )
    if not outcome.ok:
        raise SystemExit(1)
