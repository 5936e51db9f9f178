"""Building one report (object → snapshot → PDF → file → archive row), the archive within a
reader's scope, and verifying a stored report."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.db import utcnow
from maturity.errors import NotFound
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope
from reports.assembly import build_content
from reports.branding import Branding
from reports.content import (
    SNAPSHOT_VERSION,
    ReportContent,
    canonical_json,
    from_snapshot,
    sha256_text,
    snapshot_version,
)
from reports.freshness import may_be_out_of_date
from reports.models import Report
from reports.pdf import RenderedPdf
from reports.rendering import render_report_pdf
from reports.shared_scoring import SharedScoring
from reports.storage import report_relpath, resolve, sha256_bytes, write_atomically


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    unit_code: str
    language: str
    status: str  # built, skipped
    report_id: int | None
    worker_peak_mib: float | None = None  # set by batch workers


Renderer = Callable[[ReportContent], RenderedPdf]


def latest_report(session: Session, unit: OrgUnit, period: str, language: str) -> Report | None:
    statement = (
        select(Report)
        .where(col(Report.unit_id) == unit.id, col(Report.period) == period, col(Report.language) == language)
        .order_by(col(Report.generated_at).desc(), col(Report.id).desc())
    )
    return session.execute(statement).scalars().first()


def build_report(
    session: Session,
    storage: Path,
    unit: OrgUnit,
    period: str,
    language: str,
    *,
    generated_by: str,
    batch_id: int | None = None,
    force: bool = False,
    shared: SharedScoring | None = None,
    render: Renderer = render_report_pdf,
    branding: Branding | None = None,
) -> BuildOutcome:
    """Build and store the report unless the latest one has the same input snapshot and its file
    is intact (then it is confirmed current as of now). The file is in place before the row is
    written; a crash in between leaves a file that the next run overwrites with the same bytes.
    ``render`` turns the report object into the PDF (the web app's renders in a worker process);
    ``branding`` defaults to the environment's configuration."""
    read_at = utcnow()  # before the inputs are read: a write after this may not be in the snapshot
    content = build_content(session, unit, period, language, shared, branding)
    snapshot = canonical_json(content)
    snapshot_sha = sha256_text(snapshot)
    latest = latest_report(session, unit, period, language)
    if not force and latest is not None and latest.snapshot_sha256 == snapshot_sha and _file_intact(storage, latest):
        latest.confirmed_at = read_at
        session.add(latest)
        session.flush()
        return BuildOutcome(unit.code, language, "skipped", latest.id)
    rendered = render(content)
    pdf = rendered.data
    relpath = report_relpath(period, unit.code, language, snapshot_sha)
    write_atomically(resolve(storage, relpath), pdf)
    assert unit.id is not None
    report = Report(
        unit_id=unit.id,
        period=period,
        language=language,
        generated_by=generated_by,
        confirmed_at=read_at,
        pdf_sha256=sha256_bytes(pdf),
        snapshot_sha256=snapshot_sha,
        snapshot=snapshot,
        file_path=relpath,
        size_bytes=len(pdf),
        pages=rendered.pages,
        batch_id=batch_id,
    )
    session.add(report)
    session.flush()
    return BuildOutcome(unit.code, language, "built", report.id)


def refresh_report(
    session: Session,
    storage: Path,
    unit: OrgUnit,
    period: str,
    language: str,
    *,
    generated_by: str,
    batch_id: int | None = None,
    shared: SharedScoring | None = None,
    render: Renderer = render_report_pdf,
    branding: Branding | None = None,
) -> BuildOutcome:
    """The one way a report is made current, for a download and for a batch's task alike: the
    stored one when nothing it reads was written since its inputs were last read (no scoring,
    no rendering), else ``build_report`` (which confirms it when the snapshot is unchanged, and
    otherwise builds, stores and archives a new one, superseding the older)."""
    latest = latest_report(session, unit, period, language)
    if latest is not None and not may_be_out_of_date(session, latest) and _file_intact(storage, latest):
        return BuildOutcome(unit.code, language, "skipped", latest.id)
    return build_report(
        session,
        storage,
        unit,
        period,
        language,
        generated_by=generated_by,
        batch_id=batch_id,
        shared=shared,
        render=render,
        branding=branding,
    )


def current_report(
    session: Session,
    storage: Path,
    unit: OrgUnit,
    period: str,
    language: str,
    *,
    generated_by: str,
    render: Renderer = render_report_pdf,
    branding: Branding | None = None,
    shared: SharedScoring | None = None,
) -> Report:
    """The report of the data as they are now (``refresh_report``); ``shared`` may lend it the
    period's scores (the app's kept ones, ``shared_scoring.KeptScoring``)."""
    outcome = refresh_report(
        session,
        storage,
        unit,
        period,
        language,
        generated_by=generated_by,
        render=render,
        branding=branding,
        shared=shared,
    )
    assert outcome.report_id is not None
    return session.get_one(Report, outcome.report_id)


def _file_intact(storage: Path, report: Report) -> bool:
    try:
        path = resolve(storage, report.file_path)
    except ValueError:
        return False
    return path.is_file() and sha256_bytes(path.read_bytes()) == report.pdf_sha256


# --- the archive --------------------------------------------------------------------------------


def list_reports(session: Session, scope: UnitScope, *, period: str | None = None) -> list[tuple[Report, OrgUnit]]:
    """Reports of the units in scope, newest first."""
    statement = select(Report, OrgUnit).join(OrgUnit, col(OrgUnit.id) == col(Report.unit_id))
    if period:
        statement = statement.where(col(Report.period) == period)
    statement = scope.filter(statement, Report.unit_id).order_by(
        col(Report.period).desc(), col(OrgUnit.code), col(Report.language), col(Report.generated_at).desc()
    )
    return [(report, unit) for report, unit in session.execute(statement).tuples()]


def get_report(session: Session, scope: UnitScope, report_id: int) -> tuple[Report, OrgUnit]:
    """One report, if its unit is in scope; NotFound otherwise, exactly as for a missing one."""
    statement = scope.filter(
        select(Report, OrgUnit)
        .join(OrgUnit, col(OrgUnit.id) == col(Report.unit_id))
        .where(col(Report.id) == report_id),
        Report.unit_id,
    )
    row = session.execute(statement).tuples().first()
    if row is None:
        raise NotFound(str(report_id))
    return row[0], row[1]


def archived_with(session: Session, report: Report) -> list[Report]:
    """Every stored report of the same unit, period and language (to tell the newest)."""
    statement = select(Report).where(
        col(Report.unit_id) == report.unit_id,
        col(Report.period) == report.period,
        col(Report.language) == report.language,
    )
    return list(session.execute(statement).scalars())


def report_bytes(storage: Path, report: Report) -> bytes:
    try:
        return resolve(storage, report.file_path).read_bytes()
    except (OSError, ValueError):
        raise NotFound(report.file_path) from None


@dataclass(frozen=True, slots=True)
class Verification:
    file_present: bool
    pdf_matches: bool  # the stored file still has the recorded SHA-256
    snapshot_matches: bool  # the stored snapshot still has the recorded SHA-256
    rerender_matches: bool | None  # rendering the snapshot again gives the same PDF (None: not tried)
    earlier_version: bool = False  # the snapshot is of an earlier report object: not rendered again

    @property
    def ok(self) -> bool:
        return self.file_present and self.pdf_matches and self.snapshot_matches and self.rerender_matches is not False


def verify_report(storage: Path, report: Report, *, rerender: bool = True) -> Verification:
    """Re-hash the stored PDF and snapshot, and (``rerender``) render the snapshot again and
    compare the PDF. A snapshot written by an earlier version of the report object is not
    rendered again (this version would not make the same PDF from it); its hashes still check.
    Rendering belongs in a worker or command-line process, not a web thread."""
    try:
        data: bytes | None = resolve(storage, report.file_path).read_bytes()
    except (OSError, ValueError):
        data = None
    snapshot_matches = sha256_text(report.snapshot) == report.snapshot_sha256
    earlier = snapshot_matches and snapshot_version(report.snapshot) != SNAPSHOT_VERSION
    rerender_matches: bool | None = None
    if rerender and not earlier:
        rerendered = render_report_pdf(from_snapshot(report.snapshot)).data if snapshot_matches else b""
        rerender_matches = sha256_bytes(rerendered) == report.pdf_sha256
    return Verification(
        file_present=data is not None,
        pdf_matches=data is not None and sha256_bytes(data) == report.pdf_sha256,
        snapshot_matches=snapshot_matches,
        rerender_matches=rerender_matches,
        earlier_version=earlier,
    )
