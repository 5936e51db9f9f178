"""Validating, creating, updating, deleting and reordering one item of the strategy or the
maturity model, driven by its kind's description in ``indicators/editing.py``; every change
leaves an audit event with the item before and after."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.editing import KINDS, PARENT_MODELS, KindSpec
from indicators.models import Goal, Kpi, KpiRecord, Strategy, SuccessIndicator
from maturity.audit.services import Actor, record_event, snapshot
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import Choice, FormField, FormState, InvalidForm, read_form
from maturity.maturity_model.models import Dimension
from maturity.units.models import OrgUnit


def get_item(session: Session, spec: KindSpec, item_id: int) -> Any:
    item = session.get(spec.model, item_id)
    if item is None:
        raise NotFound(f"{spec.kind} {item_id}")
    return item


def get_parent(session: Session, spec: KindSpec, parent_id: int | None) -> Any:
    if spec.parent_kind is None:
        return None
    parent = session.get(PARENT_MODELS[spec.parent_kind], parent_id) if parent_id else None
    if parent is None:
        raise NotFound(f"{spec.parent_kind} {parent_id}")
    return parent


def form_from_item(session: Session, spec: KindSpec, item: Any) -> FormState:
    values: dict[str, str] = {}
    for f in spec.fields:
        if f.name == "unit":
            unit = session.get(OrgUnit, item.unit_id) if item.unit_id else None
            values["unit"] = unit.code if unit else ""
        elif f.name == "dimension":
            dimension = session.get(Dimension, item.dimension_id)
            values["dimension"] = dimension.code if dimension else ""
        elif f.kind == "checkbox":
            values[f.name] = "1" if getattr(item, f.name) else ""
        else:
            value = getattr(item, f.name)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            values[f.name] = "" if value is None else str(value)
    return FormState(values)


def _choices(session: Session, spec: KindSpec, parent_id: int | None, f: FormField) -> tuple[Choice, ...]:
    if f.choices:
        return f.choices
    if spec.choices_from:
        return spec.choices_from(session, parent_id).get(f.name, ())
    return ()


def field_choices(session: Session, spec: KindSpec, parent_id: int | None) -> dict[str, tuple[Choice, ...]]:
    return {f.name: _choices(session, spec, parent_id, f) for f in spec.fields if f.kind == "select"}


def validate(
    session: Session, spec: KindSpec, form: Mapping[str, str], *, parent_id: int | None, item_id: int | None
) -> tuple[dict[str, Any], FormState]:
    """Read the form (``maturity.forms.read_form``), then the rules of the database: units and
    dimensions named by code, values unique among siblings, the kind's own rules. Returns the model
    values and the form state (with its problems)."""
    values, state = read_form(spec.fields, form, field_choices(session, spec, parent_id))
    problems: list[Problem] = []
    _resolve_references(session, values, problems)
    if spec.kind == "level" and str(values.get("level") or "").isdigit():
        values["level"] = int(values["level"])
    if not problems and not state.errors:
        problems += _check_siblings(session, spec, values, parent_id, item_id)
        if spec.extra_check:
            problems += spec.extra_check(session, spec, values, parent_id, item_id)
    state.add(problems)
    return values, state


def _resolve_references(session: Session, values: dict[str, Any], problems: list[Problem]) -> None:
    """Forms name units and dimensions by code; the tables hold ids."""
    if "unit" in values:
        code = values.pop("unit")
        values["unit_id"] = None
        if code:
            unit_id = session.execute(select(col(OrgUnit.id)).where(col(OrgUnit.code) == code)).scalar()
            if unit_id is None:
                problems.append(Problem(N_("Unknown unit %(value)s."), {"value": code}, path="unit", value=code))
            values["unit_id"] = unit_id
    if "dimension" in values:
        code = values.pop("dimension")
        values["dimension_id"] = session.execute(select(col(Dimension.id)).where(col(Dimension.code) == code)).scalar()


def _check_siblings(
    session: Session, spec: KindSpec, values: dict[str, Any], parent_id: int | None, item_id: int | None
) -> list[Problem]:
    problems = []
    for name in spec.siblings_unique:
        column = getattr(spec.model, name)
        statement = select(func.count()).select_from(spec.model).where(column == values.get(name))
        if spec.parent_field:
            statement = statement.where(getattr(spec.model, spec.parent_field) == parent_id)
        if item_id is not None:
            statement = statement.where(spec.model.id != item_id)  # type: ignore[attr-defined]  # every editable table has an id
        if session.execute(statement).scalar_one():
            shown = {"dimension_id": "dimension"}.get(name, name)
            problems.append(
                Problem(N_("Another item here already has this value."), path=shown, value=str(values.get(name)))
            )
    return problems


def create_item(
    session: Session, spec: KindSpec, form: Mapping[str, str], *, parent_id: int | None, actor: Actor
) -> Any:
    parent = get_parent(session, spec, parent_id)
    values, state = validate(session, spec, form, parent_id=parent_id, item_id=None)
    if state.errors:
        raise InvalidForm(state)
    if spec.parent_field:
        values[spec.parent_field] = parent.id
    if spec.ordered:
        values["position"] = _next_position(session, spec, parent_id)
    item = spec.model(**values)
    session.add(item)
    session.flush()
    record_event(session, actor, "create", item, label=spec.label_of(item, "en"), after=snapshot(item))
    return item


def update_item(session: Session, spec: KindSpec, item_id: int, form: Mapping[str, str], *, actor: Actor) -> Any:
    item = get_item(session, spec, item_id)
    parent_id = getattr(item, spec.parent_field) if spec.parent_field else None
    values, state = validate(session, spec, form, parent_id=parent_id, item_id=item_id)
    if state.errors:
        raise InvalidForm(state)
    before = snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    after = snapshot(item)
    if before != after:
        session.add(item)
        session.flush()
        record_event(session, actor, "update", item, label=spec.label_of(item, "en"), before=before, after=after)
    return item


def records_of(session: Session, spec: KindSpec, item_id: int) -> int:
    """How many KPI records deleting this item would delete with it."""
    statement = select(func.count(col(KpiRecord.id))).join(Kpi, col(Kpi.id) == col(KpiRecord.kpi_id))
    if spec.kind == "kpi":
        statement = statement.where(col(Kpi.id) == item_id)
    elif spec.kind == "indicator":
        statement = statement.where(col(Kpi.indicator_id) == item_id)
    elif spec.kind == "goal":
        statement = statement.join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id)).where(
            col(SuccessIndicator.goal_id) == item_id
        )
    elif spec.kind == "strategy":
        statement = (
            statement.join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
            .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
            .where(col(Goal.strategy_id) == item_id)
        )
    else:
        return 0
    return int(session.execute(statement).scalar_one())


def delete_item(session: Session, spec: KindSpec, item_id: int, *, actor: Actor) -> Any:
    """Delete an item and what hangs under it; refused while KPI records would go with it."""
    item = get_item(session, spec, item_id)
    recorded = records_of(session, spec, item_id)
    if recorded:
        raise InvalidInput(
            [
                Problem(
                    N_("%(count)s recorded KPI values belong here; they must not be lost, so this cannot be deleted."),
                    {"count": recorded},
                )
            ]
        )
    record_event(session, actor, "delete", item, label=spec.label_of(item, "en"), before=snapshot(item))
    parent_id = getattr(item, spec.parent_field) if spec.parent_field else None
    session.delete(item)
    session.flush()
    return parent_id


def move_item(session: Session, spec: KindSpec, item_id: int, direction: str, *, actor: Actor) -> None:
    """Swap an item with its neighbour above or below."""
    if not spec.ordered or spec.parent_field is None or direction not in ("up", "down"):
        raise NotFound(spec.kind)
    item = get_item(session, spec, item_id)
    parent_id = getattr(item, spec.parent_field)
    model: Any = spec.model  # every ordered kind has id, code and position
    siblings = list(
        session.execute(
            select(model).where(getattr(model, spec.parent_field) == parent_id).order_by(model.position, model.code)
        ).scalars()
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.id == item_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
        session.add(sibling)
    session.flush()
    record_event(
        session, actor, "move", item, label=spec.label_of(item, "en"), after={"position": other, "direction": direction}
    )


def _next_position(session: Session, spec: KindSpec, parent_id: int | None) -> int:
    statement = select(func.max(spec.model.position))  # type: ignore[attr-defined]  # ordered kinds have a position
    if spec.parent_field:
        statement = statement.where(getattr(spec.model, spec.parent_field) == parent_id)
    current = session.execute(statement).scalar()
    return 0 if current is None else int(current) + 1


def owning_strategy(session: Session, spec: KindSpec, item: Any) -> Strategy | None:
    """The strategy an item belongs to (for a maturity-model item: a strategy using that model)."""
    kind, current = spec.kind, item
    while kind != "strategy":
        if kind == "model":
            return (
                session.execute(select(Strategy).where(col(Strategy.maturity_model_id) == current.id)).scalars().first()
            )
        parent_spec = KINDS[kind]
        parent_kind = parent_spec.parent_kind
        assert parent_kind is not None
        assert parent_spec.parent_field is not None
        current = session.get(PARENT_MODELS[parent_kind], getattr(current, parent_spec.parent_field))
        if current is None:
            return None
        kind = parent_kind
    return current if isinstance(current, Strategy) else None


def strategy_of_parent(session: Session, spec: KindSpec, parent: Any) -> Strategy | None:
    """The strategy a new item will belong to, from its parent."""
    if parent is None or spec.parent_kind is None:
        return None
    if spec.parent_kind == "model":
        return session.execute(select(Strategy).where(col(Strategy.maturity_model_id) == parent.id)).scalars().first()
    return owning_strategy(session, KINDS[spec.parent_kind], parent)
