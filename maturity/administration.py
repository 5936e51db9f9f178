"""The strategy office's administration page: people, API tokens and the audit log at a glance,
each with the way to its own page (the navigation names the three under one entry)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from maturity.audit.models import AuditEvent
from maturity.auth.models import ApiToken, Role, RoleAssignment, User

RECENT_EVENTS = 5
RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Administration:
    active_people: int
    inactive_people: int
    strategy_office: int  # active people with the strategy office's role
    tokens_in_use: int  # neither revoked nor expired
    tokens_ended: int
    token_last_used: datetime | None
    changes_recent: int  # audit events of the last ``RECENT_DAYS`` days
    latest: list[AuditEvent]  # the newest ``RECENT_EVENTS``


def administration(session: Session, now: datetime) -> Administration:
    """What the administration page shows, counted in the database."""
    people = dict(
        session.execute(select(col(User.is_active), func.count()).group_by(col(User.is_active))).tuples().all()
    )
    office = session.execute(
        select(func.count(func.distinct(RoleAssignment.user_id)))
        .join(User, col(User.id) == col(RoleAssignment.user_id))
        .where(col(RoleAssignment.role) == Role.STRATEGY_OFFICE, col(User.is_active))
    ).scalar_one()
    in_use = col(ApiToken.revoked_at).is_(None) & or_(
        col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > now
    )
    tokens = dict(session.execute(select(in_use, func.count()).group_by(in_use)).tuples().all())
    last_used = session.execute(select(func.max(ApiToken.last_used_at)).where(in_use)).scalar_one()
    recent = session.execute(
        select(func.count()).select_from(AuditEvent).where(col(AuditEvent.at) >= now - timedelta(days=RECENT_DAYS))
    ).scalar_one()
    latest = list(
        session.execute(
            select(AuditEvent).order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(RECENT_EVENTS)
        )
        .scalars()
        .all()
    )
    return Administration(
        active_people=people.get(True, 0),
        inactive_people=people.get(False, 0),
        strategy_office=office,
        tokens_in_use=tokens.get(True, 0),
        tokens_ended=tokens.get(False, 0),
        token_last_used=last_used,
        changes_recent=recent,
        latest=latest,
    )
