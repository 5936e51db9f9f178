"""The input version: every write to what scores are made from gives it a new random value in
the same transaction, so a reader that finds the version it kept scores under knows they are
still the database's (``indicators.score_cache``).

Every write path takes part without knowing it: a listener on every ORM session writes the new
version before a flush that adds, changes or deletes a row of a table scores may read, and
before an INSERT, UPDATE or DELETE statement on such a table sent through a session (bulk
writes: KPI records, answers of the demo). What never feeds a score is left out (logins, the
audit log, report files and batches, invitations and their links, API tokens, people): these
are written by most requests, and one version row written by every request would make every
writer wait for the one before. Responses and answers are left out too: they are written only
while their round is open (starting, autosaving, submitting — the busiest writes of all), and
no score reads a round before it closes; a round closing on its own time is no write at all,
so ``indicators.score_cache`` keys on the rounds closed by now, and closing or reopening a round
by hand writes the round.

The value is random, not a counter: a transaction rolled back leaves the version as it was
with the data as it was, and no other database (a test's, rolled back and filled again) can
reach the same number by counting.
"""

import secrets
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.dml import UpdateBase
from sqlmodel import col

from maturity.db import utcnow
from maturity.inputs.models import INPUT_VERSION_ID, InputVersion

# Tables no score, chart or figure of the dashboard, overview, API or report reads.
NOT_INPUTS = frozenset(
    {
        "app_user",
        "role_assignment",
        "user_session",
        "login_failure",
        "sign_in_flow",
        "api_token",
        "api_token_unit",
        "audit_event",
        "invitation",
        "invitation_token",
        "response",
        "answer",
        "response_invitation",
        "report",
        "report_batch",
        # A report reads its unit's narrative itself each time, never from kept scores; a
        # narrative saved must not throw away every unit's scores (the PDF on demand after it).
        "narrative",
        "narrative_revision",
        "pending_upload",  # a checked file waiting for its import's confirmation
        "input_version",
        "kpi_owner",  # who owes a value, not the value
        "update_reminder",
    }
)


def input_version(session: Session) -> int | None:
    """The current version (None: a database without the row, whose scores are never kept)."""
    return session.execute(select(col(InputVersion.version)).where(col(InputVersion.id) == INPUT_VERSION_ID)).scalar()


def bump(session: Session) -> None:
    """Give the version a new value in the session's transaction (the row is made again if it
    was removed: a database emptied table by table)."""
    connection = session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    values = {"id": INPUT_VERSION_ID, "version": secrets.randbits(62), "changed_at": utcnow()}
    statement = insert(InputVersion).values(values)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={"version": statement.excluded.version, "changed_at": statement.excluded.changed_at},
        )
    )


def _is_input(instance: Any) -> bool:
    return getattr(instance, "__tablename__", None) not in NOT_INPUTS


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if (
        any(_is_input(o) for o in session.new)
        or any(_is_input(o) for o in session.deleted)
        or any(_is_input(o) and session.is_modified(o) for o in session.dirty)
    ):
        bump(session)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None) if isinstance(state.statement, UpdateBase) else None
    if table is not None and table.name not in NOT_INPUTS:
        bump(state.session)
