"""The maturity model: loading it whole, for pages, files, surveys and reports."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.errors import NotFound
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel


@dataclass
class DimensionNode:
    dimension: Dimension
    levels: list[LevelDescriptor] = field(default_factory=list)

    def level(self, n: int) -> LevelDescriptor | None:
        return next((lv for lv in self.levels if lv.level == n), None)


@dataclass
class ModelTree:
    model: MaturityModel
    dimensions: list[DimensionNode]

    def dimension(self, code: str) -> DimensionNode | None:
        return next((d for d in self.dimensions if d.dimension.code == code), None)


def load_model_tree(session: Session, model_id: int) -> ModelTree:
    """The model with its dimensions (in order) and their level descriptors, in three queries."""
    model = session.get(MaturityModel, model_id)
    if model is None:
        raise NotFound(f"maturity model {model_id}")
    dimensions = list(
        session.execute(
            select(Dimension)
            .where(col(Dimension.model_id) == model_id)
            .order_by(col(Dimension.position), col(Dimension.code))
        ).scalars()
    )
    levels = session.execute(
        select(LevelDescriptor)
        .where(col(LevelDescriptor.dimension_id).in_([d.id for d in dimensions]))
        .order_by(col(LevelDescriptor.level))
    ).scalars()
    nodes = {d.id: DimensionNode(d) for d in dimensions}
    for level in levels:
        nodes[level.dimension_id].levels.append(level)
    return ModelTree(model, list(nodes.values()))


def find_model(session: Session, code: str) -> MaturityModel | None:
    return session.execute(select(MaturityModel).where(col(MaturityModel.code) == code)).scalars().first()
