from enum import StrEnum

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from maturity.errors import N_


class UnitKind(StrEnum):
    INSTITUTION = "institution"
    FACULTY = "faculty"
    DEPARTMENT = "department"
    SECTION = "section"
    CENTRE = "centre"
    OTHER = "other"


KIND_LABELS = {
    UnitKind.INSTITUTION: N_("Institution"),
    UnitKind.FACULTY: N_("Faculty"),
    UnitKind.DEPARTMENT: N_("Department"),
    UnitKind.SECTION: N_("Section"),
    UnitKind.CENTRE: N_("Centre"),
    UnitKind.OTHER: N_("Other unit"),
}


class OrgUnit(SQLModel, table=True):
    """A node of the organisation: institution → faculty → department → section, any depth."""

    __tablename__ = "org_unit"
    __table_args__ = (CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_nb: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    kind: str = Field(default=UnitKind.OTHER, sa_type=String(20))
    parent_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True, ondelete="RESTRICT")
    # The unit's id in the identity provider's groups (Feide: ``fc:org:<realm>:unit:<id>``), so a
    # person signing in is placed in it; None where the staff list decides the home unit.
    external_id: str | None = Field(default=None, max_length=200, unique=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_nb


class UnitHeadcount(SQLModel, table=True):
    """How many people a unit has in a period; the denominator of response rates."""

    __tablename__ = "unit_headcount"
    __table_args__ = (
        UniqueConstraint("unit_id", "period"),
        CheckConstraint("headcount >= 0", name="headcount_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="org_unit.id", ondelete="CASCADE")
    period: str = Field(max_length=10)
    headcount: int
