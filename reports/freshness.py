"""Whether a stored report may be out of date, without building it again.

A report is a pure function of its inputs, so the exact test is to build the report object and
compare the snapshot's SHA-256 (``services.build_report`` does). That scores the period, which is
too slow for a download link that should answer at once, so this module first asks the database
whether anything a report reads was written after the report's inputs were last read
(``Report.confirmed_at``):

- an audit event of a definition, a unit, a survey or anything else not known to be irrelevant
  (sign-ins, tokens, invitations, reminders, reports themselves), and of a KPI value only when it
  belongs to the unit, a unit below it or above it (roll-ups and institution-wide KPIs);
- the unit's narrative for the period;
- a survey round that closed by its date (closing by hand is an audit event);
- a strategy that ended, or a period that was still running, since then (pace and final status
  depend on the day).

"Nothing written since" serves the stored PDF; anything else sends the caller to the exact test.
The check is conservative: it may send a report to the exact test for a write that changes
nothing in it, never the other way round.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Strategy
from maturity.audit.models import AuditEvent
from maturity.db import utcnow
from maturity.periods import Period
from maturity.units.models import OrgUnit
from reports.content import SNAPSHOT_VERSION, snapshot_version
from reports.models import Narrative, Report
from surveys.models import SurveyRound

# Writes that no report reads.
IRRELEVANT_TYPES = (
    "app_user",
    "role_assignment",
    "user_session",
    "login_failure",
    "api_token",
    "api_token_unit",
    "invitation",
    "invitation_token",
    "report",
    "report_batch",
    "narrative",  # read from the narrative table itself, per unit and period
)
IRRELEVANT_ACTIONS = ("invite", "remind", "login", "logout", "issue", "revoke")
UNIT_DATA = "kpi_record"  # audit events whose unit says which reports they reach
# A write stamped just before a report read its inputs may commit just after: the download path
# looks this far back before trusting that nothing was written.
COMMIT_MARGIN = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class InputChanges:
    """The newest writes since ``since`` that reports read, by what they reach."""

    since: datetime
    today: date
    general: datetime | None = None  # reaches every report
    by_unit: dict[int, datetime] = field(default_factory=dict)  # KPI values, by the unit they belong to
    narratives: dict[tuple[int, str], datetime] = field(default_factory=dict)
    parents: dict[int, int | None] = field(default_factory=dict)

    def changed_after(self, unit_id: int, period: str, when: datetime) -> bool:
        """Whether a report of ``unit_id`` and ``period`` whose inputs were read at ``when`` may
        differ now."""
        if self.general is not None and self.general > when:
            return True
        narrative = self.narratives.get((unit_id, period))
        if narrative is not None and narrative > when:
            return True
        if Period.parse(period).end >= when.date() and when.date() != self.today:
            return True  # the period was still running: pace depends on the day
        return any((at := self.by_unit.get(u)) is not None and at > when for u in self._related(unit_id))

    def _related(self, unit_id: int) -> set[int]:
        """The unit, its ancestors and every unit below it."""
        related = {unit_id}
        parent = self.parents.get(unit_id)
        while parent is not None and parent not in related:
            related.add(parent)
            parent = self.parents.get(parent)
        children: dict[int, list[int]] = {}
        for child, up in self.parents.items():
            if up is not None:
                children.setdefault(up, []).append(child)
        stack = [unit_id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in related:
                    related.add(child)
                    stack.append(child)
        return related


def input_changes(session: Session, since: datetime, *, now: datetime | None = None) -> InputChanges:
    """What was written since ``since`` (five small statements, whatever the archive's size)."""
    now = now or utcnow()
    relevant = (
        col(AuditEvent.at) > since,
        col(AuditEvent.object_type).not_in(IRRELEVANT_TYPES),
        col(AuditEvent.action).not_in(IRRELEVANT_ACTIONS),
    )
    general = [
        session.execute(
            select(func.max(AuditEvent.at)).where(*relevant, col(AuditEvent.object_type) != UNIT_DATA)
        ).scalar_one_or_none(),
        session.execute(
            select(func.max(SurveyRound.closes_at)).where(
                col(SurveyRound.closes_at) > since, col(SurveyRound.closes_at) <= now
            )
        ).scalar_one_or_none(),
    ]
    ended = session.execute(
        select(func.max(Strategy.period_end)).where(
            col(Strategy.period_end) >= since.date(), col(Strategy.period_end) < now.date()
        )
    ).scalar_one_or_none()
    if ended is not None:
        general.append(now)  # a strategy ended: its reports read as final now
    by_unit = {
        unit_id: at
        for unit_id, at in session.execute(
            select(col(AuditEvent.unit_id), func.max(AuditEvent.at))
            .where(*relevant, col(AuditEvent.object_type) == UNIT_DATA, col(AuditEvent.unit_id).is_not(None))
            .group_by(col(AuditEvent.unit_id))
        ).tuples()
        if unit_id is not None
    }
    narratives = {
        (unit_id, period): at
        for unit_id, period, at in session.execute(
            select(col(Narrative.unit_id), col(Narrative.period), col(Narrative.updated_at)).where(
                col(Narrative.updated_at) > since
            )
        ).tuples()
    }
    parents = {
        unit_id: parent
        for unit_id, parent in session.execute(select(col(OrgUnit.id), col(OrgUnit.parent_id))).tuples()
        if unit_id is not None
    }
    stamps = [g for g in general if g is not None]
    return InputChanges(
        since=since,
        today=now.date(),
        general=max(stamps) if stamps else None,
        by_unit=by_unit,
        narratives=narratives,
        parents=parents,
    )


def may_be_out_of_date(session: Session, report: Report, *, now: datetime | None = None) -> bool:
    """The download path's question: anything written since the report's inputs were last read
    (less ``COMMIT_MARGIN``), or a report made by an earlier version of the report object."""
    if snapshot_version(report.snapshot) != SNAPSHOT_VERSION:
        return True
    changes = input_changes(session, report.confirmed_at - COMMIT_MARGIN, now=now)
    return changes.changed_after(report.unit_id, report.period, report.confirmed_at - COMMIT_MARGIN)


def archive_marks(session: Session, reports: Iterable[Report], *, now: datetime | None = None) -> dict[int, str]:
    """Each report's mark in the archive: ``superseded`` when a newer one of its unit, period and
    language exists; else ``earlier_version`` when an earlier version of Maturity made it (the
    report object or its layout has changed since), ``out_of_date`` when its data changed since,
    else ``current``."""
    newest: dict[tuple[int, str, str], Report] = {}
    listed = [r for r in reports if r.id is not None]
    for report in listed:
        key = (report.unit_id, report.period, report.language)
        if key not in newest or (report.generated_at, report.id or 0) > (
            newest[key].generated_at,
            newest[key].id or 0,
        ):
            newest[key] = report
    marks = {r.id: "superseded" for r in listed if r.id is not None}
    if not newest:
        return marks
    changes = input_changes(session, min(r.confirmed_at for r in newest.values()), now=now)
    for report in newest.values():
        assert report.id is not None
        if snapshot_version(report.snapshot) != SNAPSHOT_VERSION:
            marks[report.id] = "earlier_version"
        elif changes.changed_after(report.unit_id, report.period, report.confirmed_at):
            marks[report.id] = "out_of_date"
        else:
            marks[report.id] = "current"
    return marks
