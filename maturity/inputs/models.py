from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint
from sqlmodel import Field, SQLModel

from maturity.db import UTCDateTime, utcnow

INPUT_VERSION_ID = 1  # the table has this one row


class InputVersion(SQLModel, table=True):
    """One row: a random number written anew, in the same transaction, by every write to what
    scores are made from (``maturity.inputs.services``). Scores kept under one version are
    those the database would give while it stays."""

    __tablename__ = "input_version"
    __table_args__ = (CheckConstraint(f"id = {INPUT_VERSION_ID}", name="one_row"),)

    id: int = Field(default=INPUT_VERSION_ID, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
