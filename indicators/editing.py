"""Editing the strategy and the maturity model one item at a time: goals, actions, indicators,
KPIs, baselines and targets, survey measures, dimensions and level descriptors.

One description per kind (its fields and parent) drives validation, the generic form, create,
update, delete and reorder; every change leaves an audit event with the item before and after.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from indicators.models import (
    Action,
    Goal,
    Kpi,
    KpiRecord,
    KpiTarget,
    Strategy,
    SuccessIndicator,
    SurveyMeasure,
)
from maturity.audit.services import Actor, record_event, snapshot
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.forms import REQUIRED, FormState, InvalidForm, check_text, read_number
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel
from maturity.units.models import OrgUnit


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str  # message id


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    label: str  # message id
    kind: str = "text"  # text, textarea, number, int, select, date, code
    required: bool = True
    choices: tuple[Choice, ...] = ()
    help: str = ""  # message id
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 300
    lang: str | None = None  # the language of a text field, for the lang attribute


def _texts(name: str, label_nb: str, label_en: str, kind: str = "text", required: bool = True) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec(f"{name}_nb", label_nb, kind, required, lang="nb", max_length=300 if kind == "text" else 20000),
        FieldSpec(f"{name}_en", label_en, kind, required, lang="en", max_length=300 if kind == "text" else 20000),
    )


CODE = FieldSpec("code", N_("Code"), "code", help=N_("Letters, digits, '.', '_' or '-'; unique."))
WEIGHT = FieldSpec("weight", N_("Weight"), "number", minimum=0.001, maximum=1000, help=N_("Relative to its siblings."))
DIRECTIONS = (Choice("higher", N_("Higher is better")), Choice("lower", N_("Lower is better")))
SCORING = (
    Choice("progress", N_("Progress from baseline to target")),
    Choice("maintain", N_("Stay within a band")),
    Choice("binary", N_("Yes or no")),
)
FREQUENCIES = (
    Choice("year", N_("Year")),
    Choice("semester", N_("Semester")),
    Choice("tertial", N_("Tertial")),
    Choice("quarter", N_("Quarter")),
    Choice("month", N_("Month")),
)
AGGREGATIONS = (
    Choice("sum", N_("Sum (counts)")),
    Choice("ratio", N_("Share: Σ numerators / Σ denominators")),
    Choice("mean", N_("Mean weighted by headcount (indices)")),
    Choice("institution_only", N_("Institution only")),
)
TARGET_KINDS = (Choice("baseline", N_("Baseline")), Choice("target", N_("Target")))
LEVEL_CHOICES = tuple(Choice(str(n), str(n)) for n in range(1, 6))


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str  # message id
    model: type[SQLModel]
    parent_kind: str | None
    parent_field: str | None
    fields: tuple[FieldSpec, ...]
    ordered: bool = True
    siblings_unique: tuple[str, ...] = ("code",)  # fields unique among siblings
    choices_from: Callable[[Session, int | None], dict[str, tuple[Choice, ...]]] | None = None
    extra_check: Callable[[Session, "KindSpec", dict[str, Any], int | None, int | None], list[Problem]] | None = None

    def label_of(self, item: Any, locale: str) -> str:
        code = getattr(item, "code", None)
        for name in ("title", "name"):
            if hasattr(item, f"{name}_nb"):
                return f"{code} {item.tr(name, locale)}".strip() if code else item.tr(name, locale)
        return str(code or item.id)


def _unit_choices(session: Session, _: int | None) -> dict[str, tuple[Choice, ...]]:
    units = session.execute(select(col(OrgUnit.code), col(OrgUnit.name_en)).order_by(OrgUnit.code)).tuples()
    return {"unit": (Choice("", N_("The whole organisation")), *(Choice(code, code) for code, _ in units))}


def _dimension_choices(session: Session, indicator_id: int | None) -> dict[str, tuple[Choice, ...]]:
    statement = (
        select(col(Dimension.code), col(Dimension.name_nb))
        .join(Strategy, col(Strategy.maturity_model_id) == col(Dimension.model_id))
        .join(Goal, col(Goal.strategy_id) == col(Strategy.id))
        .join(SuccessIndicator, col(SuccessIndicator.goal_id) == col(Goal.id))
        .where(col(SuccessIndicator.id) == indicator_id)
        .order_by(col(Dimension.position))
    )
    return {"dimension": tuple(Choice(code, f"{code} {name}") for code, name in session.execute(statement).tuples())}


def _check_target(
    session: Session, spec: "KindSpec", values: dict[str, Any], kpi_id: int | None, _: int | None
) -> list[Problem]:
    kpi = session.get(Kpi, kpi_id) if kpi_id else None
    problems: list[Problem] = []
    if kpi is None:
        return problems
    band = any(values.get(k) is not None for k in ("lower", "upper", "tolerance"))
    if kpi.scoring == "maintain" and values.get("kind") == "target":
        if values.get("lower") is None or values.get("upper") is None:
            problems.append(Problem(N_("A maintain KPI's target is a band: give lower and upper."), path="lower"))
        elif values["lower"] > values["upper"]:
            problems.append(Problem(N_("Lower must not be above upper."), path="lower"))
    else:
        if band:
            problems.append(Problem(N_("Only a maintain KPI's target has lower, upper and tolerance."), path="lower"))
        if values.get("value") is None:
            problems.append(Problem(N_("This field is required."), path="value"))
    if kpi.scoring == "binary" and values.get("value") not in (None, 0, 1):
        problems.append(Problem(N_("A yes/no KPI has the values 0 (no) and 1 (yes)."), path="value"))
    if kpi.aggregation == "ratio":
        for name in ("value", "lower", "upper"):
            if values.get(name) is not None and not 0 <= values[name] <= 100:
                problems.append(Problem(N_("A share is between 0 and 100 %%."), path=name))
    if kpi.aggregation == "institution_only" and values.get("unit_id") is not None:
        problems.append(Problem(N_("An institution-only KPI has no targets per unit."), path="unit"))
    return problems


def _check_kpi_code(
    session: Session, spec: "KindSpec", values: dict[str, Any], _: int | None, item_id: int | None
) -> list[Problem]:
    """KPI codes are unique across strategies: files and the API name KPIs by code."""
    other = session.execute(select(col(Kpi.id)).where(col(Kpi.code) == values.get("code"))).scalar()
    if other is not None and other != item_id:
        return [Problem(N_("The code %(value)s is already in use."), {"value": values["code"]}, path="code")]
    return []


def _check_strategy(
    session: Session, spec: "KindSpec", values: dict[str, Any], _: int | None, item_id: int | None
) -> list[Problem]:
    problems = []
    if values.get("period_start") and values.get("period_end") and values["period_end"] <= values["period_start"]:
        problems.append(Problem(N_("The period must end after it starts."), path="period_end"))
    if (values.get("behind_threshold") or 0) >= (values.get("on_track_threshold") or 0):
        problems.append(Problem(N_("The 'behind' threshold must be below 'on track'."), path="behind_threshold"))
    return problems


KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            "strategy",
            N_("Strategy"),
            Strategy,
            None,
            None,
            (
                CODE,
                *_texts("title", N_("Title (Norwegian)"), N_("Title (English)")),
                *_texts("description", N_("Description (Norwegian)"), N_("Description (English)"), "textarea", False),
                FieldSpec("period_start", N_("Period starts"), "date"),
                FieldSpec("period_end", N_("Period ends"), "date"),
                FieldSpec(
                    "on_track_threshold",
                    N_("On track from"),
                    "number",
                    minimum=0.01,
                    maximum=1.5,
                    help=N_("Score divided by expected progress; at or above this is on track (e.g. 0.95)."),
                ),
                FieldSpec(
                    "behind_threshold",
                    N_("Behind from"),
                    "number",
                    minimum=0.01,
                    maximum=1.5,
                    help=N_("Below 'on track' and at or above this is behind; lower is at risk (e.g. 0.85)."),
                ),
            ),
            ordered=False,
            extra_check=_check_strategy,
        ),
        KindSpec(
            "goal",
            N_("Goal"),
            Goal,
            "strategy",
            "strategy_id",
            (
                CODE,
                *_texts("title", N_("Title (Norwegian)"), N_("Title (English)")),
                *_texts("description", N_("Description (Norwegian)"), N_("Description (English)"), "textarea", False),
                WEIGHT,
            ),
        ),
        KindSpec(
            "action",
            N_("Course of action"),
            Action,
            "goal",
            "goal_id",
            (CODE, *_texts("title", N_("Title (Norwegian)"), N_("Title (English)"), "textarea")),
        ),
        KindSpec(
            "indicator",
            N_("Success indicator"),
            SuccessIndicator,
            "goal",
            "goal_id",
            (CODE, *_texts("title", N_("Title (Norwegian)"), N_("Title (English)"), "textarea"), WEIGHT),
        ),
        KindSpec(
            "kpi",
            N_("KPI"),
            Kpi,
            "indicator",
            "indicator_id",
            (
                CODE,
                *_texts("name", N_("Name (Norwegian)"), N_("Name (English)")),
                *_texts(
                    "description",
                    N_("How it is measured (Norwegian)"),
                    N_("How it is measured (English)"),
                    "textarea",
                    False,
                ),
                FieldSpec("unit_nb", N_("Unit of measure (Norwegian)"), required=False, max_length=60, lang="nb"),
                FieldSpec("unit_en", N_("Unit of measure (English)"), required=False, max_length=60, lang="en"),
                FieldSpec("direction", N_("Direction"), "select", choices=DIRECTIONS),
                FieldSpec("scoring", N_("Scoring"), "select", choices=SCORING),
                FieldSpec("frequency", N_("Reported per"), "select", choices=FREQUENCIES),
                FieldSpec(
                    "aggregation",
                    N_("Across units"),
                    "select",
                    choices=AGGREGATIONS,
                    help=N_("How values of units add up to their parent."),
                ),
                WEIGHT,
                FieldSpec("decimals", N_("Decimals shown"), "int", minimum=0, maximum=6),
            ),
            extra_check=_check_kpi_code,
        ),
        KindSpec(
            "target",
            N_("Baseline or target"),
            KpiTarget,
            "kpi",
            "kpi_id",
            (
                FieldSpec("kind", N_("Kind"), "select", choices=TARGET_KINDS),
                FieldSpec(
                    "unit", N_("Unit"), "select", required=False, help=N_("Leave empty for the whole organisation.")
                ),
                FieldSpec(
                    "valid_from",
                    N_("Valid from"),
                    "date",
                    help=N_("Applies to periods ending on or after this date, until a later row."),
                ),
                FieldSpec("value", N_("Value"), "number", required=False),
                FieldSpec("lower", N_("Lower bound"), "number", required=False, help=N_("Maintain KPIs only.")),
                FieldSpec("upper", N_("Upper bound"), "number", required=False, help=N_("Maintain KPIs only.")),
                FieldSpec(
                    "tolerance",
                    N_("Tolerance"),
                    "number",
                    required=False,
                    minimum=0,
                    help=N_("How far outside the band the score falls to zero."),
                ),
            ),
            ordered=False,
            siblings_unique=(),
            choices_from=_unit_choices,
            extra_check=_check_target,
        ),
        KindSpec(
            "measure",
            N_("Survey measure"),
            SurveyMeasure,
            "indicator",
            "indicator_id",
            (
                FieldSpec("dimension", N_("Dimension"), "select"),
                WEIGHT,
                FieldSpec("baseline", N_("Baseline (0–100)"), "number", minimum=0, maximum=100),
                FieldSpec("target", N_("Target (0–100)"), "number", minimum=0, maximum=100),
            ),
            siblings_unique=("dimension_id",),
            choices_from=_dimension_choices,
        ),
        KindSpec(
            "dimension",
            N_("Dimension"),
            Dimension,
            "model",
            "model_id",
            (
                CODE,
                *_texts("name", N_("Name (Norwegian)"), N_("Name (English)")),
                *_texts("description", N_("Description (Norwegian)"), N_("Description (English)"), "textarea", False),
            ),
        ),
        KindSpec(
            "level",
            N_("Level descriptor"),
            LevelDescriptor,
            "dimension",
            "dimension_id",
            (
                FieldSpec("level", N_("Level"), "select", choices=LEVEL_CHOICES),
                *_texts("name", N_("Name (Norwegian)"), N_("Name (English)")),
                *_texts(
                    "description",
                    N_("What a unit at this level does (Norwegian)"),
                    N_("What a unit at this level does (English)"),
                    "textarea",
                ),
            ),
            ordered=False,
            siblings_unique=("level",),
        ),
    )
}
PARENT_MODELS: dict[str, type[SQLModel]] = {
    "strategy": Strategy,
    "goal": Goal,
    "indicator": SuccessIndicator,
    "kpi": Kpi,
    "model": MaturityModel,
    "dimension": Dimension,
}


def spec_for(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise NotFound(kind) from None


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
        else:
            value = getattr(item, f.name)
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            values[f.name] = "" if value is None else str(value)
    return FormState(values)


def _choices(session: Session, spec: KindSpec, parent_id: int | None, f: FieldSpec) -> tuple[Choice, ...]:
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
    """Parse and check a form. Returns the model values and the form state (with its problems)."""
    state = FormState({f.name: str(form.get(f.name, "")).strip() for f in spec.fields})
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in spec.fields:
        raw = state.values[f.name]
        if not raw:
            if f.required:
                problems.append(Problem(REQUIRED, path=f.name))
            values[f.name] = None if f.kind in ("number", "int", "date") or f.name in ("unit",) else ""
            continue
        problems += check_text(f.name, raw, max_length=f.max_length, code=f.kind == "code")
        if f.kind in ("number", "int"):
            number, found = read_number(f.name, raw, whole=f.kind == "int", minimum=f.minimum, maximum=f.maximum)
            problems += found
            if number is not None:
                values[f.name] = number
        elif f.kind == "date":
            try:
                values[f.name] = date.fromisoformat(raw)
            except ValueError:
                problems.append(Problem(N_("Not a date (YYYY-MM-DD)."), path=f.name, value=raw))
        elif f.kind == "select":
            allowed = {c.value for c in _choices(session, spec, parent_id, f)}
            if raw not in allowed:
                problems.append(Problem(N_("Choose one of the options."), path=f.name, value=raw))
            values[f.name] = raw
        else:
            values[f.name] = raw
    _resolve_references(session, values, problems)
    if spec.kind == "level" and values.get("level"):
        values["level"] = int(values["level"])
    if not problems:
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
