from datetime import datetime

from sqlalchemy import LargeBinary
from sqlmodel import Field, SQLModel

from maturity.db import UTCDateTime, utcnow


class PendingUpload(SQLModel, table=True):
    """A checked file waiting for its owner to confirm the import: the preview's form names it by
    ``token``, so the file is not sent back and forth. Gone when confirmed or expired."""

    __tablename__ = "pending_upload"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)  # random: the form's handle on the file
    owner_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=40)  # what the file is for: kpi-values, units, staff …
    filename: str = Field(default="", max_length=255)
    content: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
