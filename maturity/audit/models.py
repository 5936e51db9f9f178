from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Text
from sqlmodel import Field, SQLModel

from maturity.db import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, when, with the object before and after."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id", index=True, ondelete="SET NULL")
    actor_label: str = Field(max_length=300)  # kept when the user is gone; also names API tokens and the CLI
    action: str = Field(max_length=40, index=True)  # create, update, delete, move, import, record …
    object_type: str = Field(max_length=60, index=True)
    object_id: int | None = None
    object_label: str = Field(default="", max_length=300)
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True, ondelete="SET NULL")
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    note: str = Field(default="", sa_type=Text)
