"""The audit log: every change to definitions and KPI records, with the object before and after."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import Session, SQLModel, col

from maturity.audit.models import AuditEvent
from maturity.auth.models import User
from maturity.db import utcnow
from maturity.errors import N_

# What the log shows for its technical names; anything not listed is shown as it is.
ACTION_LABELS = {
    "create": N_("created"),
    "update": N_("changed"),
    "delete": N_("deleted"),
    "move": N_("moved"),
    "record": N_("recorded"),
    "correct": N_("corrected"),
    "issue": N_("issued"),
    "revoke": N_("revoked"),
    "open": N_("opened"),
    "close": N_("closed"),
    "link": N_("linked to a sign-in"),
    "deactivate": N_("deactivated"),
    "reactivate": N_("reactivated"),
    "invite": N_("sent invitations"),
    "remind": N_("sent reminders"),
}
OBJECT_LABELS = {
    "strategy": N_("Strategy"),
    "strategy_milestone": N_("Milestone"),
    "goal": N_("Goal"),
    "action": N_("Course of action"),
    "action_milestone": N_("Milestone of a course of action"),
    "action_update": N_("Progress update"),
    "action_link": N_("Link from a course of action to a measure"),
    "success_indicator": N_("Success indicator"),
    "kpi": N_("KPI"),
    "kpi_target": N_("Baseline or target"),
    "survey_measure": N_("Survey measure"),
    "maturity_model": N_("Maturity model"),
    "dimension": N_("Dimension"),
    "level_descriptor": N_("Level descriptor"),
    "kpi_record": N_("KPI value"),
    "api_token": N_("API token"),
    "org_unit": N_("Unit"),
    "app_user": N_("User"),
    "survey": N_("Survey version"),
    "survey_section": N_("Survey section"),
    "question": N_("Question"),
    "survey_round": N_("Survey round"),
    "respondent_group": N_("Respondent group"),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change: a user, an API token or the command line."""

    user_id: int | None
    label: str

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(user.id, f"{user.name} <{user.email}>")

    @classmethod
    def system(cls, label: str) -> "Actor":
        return cls(None, label)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(obj: SQLModel, *, exclude: Sequence[str] = ()) -> dict[str, Any]:
    """The object's column values as JSON-ready data."""
    return {k: _plain(v) for k, v in obj.model_dump().items() if k not in exclude}


def event_row(
    actor: Actor,
    action: str,
    *,
    object_type: str,
    object_id: int | None,
    label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    unit_id: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> dict[str, Any]:
    """The column values of one audit event. An update keeps only what changed (and the identity)."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        keep = changed | {"id", "code"}
        before = {k: v for k, v in before.items() if k in keep}
        after = {k: v for k, v in after.items() if k in keep}
    return {
        "at": at or utcnow(),
        "actor_id": actor.user_id,
        "actor_label": actor.label[:300],
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "object_label": label[:300],
        "unit_id": unit_id,
        "before": before,
        "after": after,
        "note": note,
    }


def record_event(
    session: Session,
    actor: Actor,
    action: str,
    obj: SQLModel | None = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    unit_id: int | None = None,
    note: str = "",
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or str(getattr(obj, "__tablename__", type(obj).__name__))
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    row = event_row(
        actor,
        action,
        object_type=object_type or "",
        object_id=object_id,
        label=label,
        before=before,
        after=after,
        unit_id=unit_id,
        note=note,
    )
    event = AuditEvent(**row)
    session.add(event)
    return event


def record_events(session: Session, rows: list[dict[str, Any]]) -> None:
    """Many events in one statement (imports of thousands of values)."""
    if rows:
        session.execute(insert(AuditEvent), rows)


@dataclass(frozen=True, slots=True)
class AuditFilter:
    object_type: str = ""
    action: str = ""
    actor: str = ""  # part of the actor's label
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_events(session: Session, flt: AuditFilter, *, page: int = 1, per_page: int = 50) -> AuditPage:
    """Newest first, filtered; for the strategy office's audit log page."""
    statement = select(AuditEvent)
    if flt.object_type:
        statement = statement.where(col(AuditEvent.object_type) == flt.object_type)
    if flt.action:
        statement = statement.where(col(AuditEvent.action) == flt.action)
    if flt.actor:
        statement = statement.where(func.lower(col(AuditEvent.actor_label)).contains(flt.actor.lower()))
    if flt.since:
        statement = statement.where(col(AuditEvent.at) >= datetime.combine(flt.since, datetime.min.time()).astimezone())
    if flt.until:
        statement = statement.where(col(AuditEvent.at) < datetime.combine(flt.until, datetime.max.time()).astimezone())
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    page = max(1, page)
    if (page - 1) * per_page >= total:  # past the last page (whose offset the database may not even hold)
        return AuditPage([], total, page, per_page)
    events = session.execute(
        statement.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).scalars()
    return AuditPage(list(events), total, page, per_page)


def known_values(session: Session) -> tuple[list[str], list[str]]:
    """The object types and actions present in the log, for the filter form."""
    types = session.execute(select(col(AuditEvent.object_type)).distinct().order_by(AuditEvent.object_type)).scalars()
    actions = session.execute(select(col(AuditEvent.action)).distinct().order_by(AuditEvent.action)).scalars()
    return list(types), list(actions)
