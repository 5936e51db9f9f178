from sqlalchemy import CheckConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from maturity.bilingual import Bilingual

LEVELS = (1, 2, 3, 4, 5)


class MaturityModel(Bilingual, SQLModel, table=True):
    """A digital maturity model: dimensions, each with five level descriptors."""

    __tablename__ = "maturity_model"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    name_nb: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    description_nb: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)


class Dimension(Bilingual, SQLModel, table=True):
    __tablename__ = "dimension"
    __table_args__ = (UniqueConstraint("model_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    model_id: int = Field(foreign_key="maturity_model.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=40)
    name_nb: str = Field(max_length=300)
    name_en: str = Field(max_length=300)
    description_nb: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
    position: int = 0


class LevelDescriptor(Bilingual, SQLModel, table=True):
    """What a unit does at one level (1–5) of a dimension; behaviourally anchored."""

    __tablename__ = "level_descriptor"
    __table_args__ = (
        UniqueConstraint("dimension_id", "level"),
        CheckConstraint("level BETWEEN 1 AND 5", name="level_1_to_5"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dimension_id: int = Field(foreign_key="dimension.id", index=True, ondelete="CASCADE")
    level: int
    name_nb: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    description_nb: str = Field(default="", sa_type=Text)
    description_en: str = Field(default="", sa_type=Text)
