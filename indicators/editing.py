"""Editing the strategy and the maturity model one item at a time: goals, actions, indicators,
KPIs, baselines and targets, survey measures, dimensions and level descriptors.

One description per kind (its fields, parent, sibling-unique fields and extra rules, the rules
in ``indicators/editing_rules.py``) drives validation, the generic form, create, update, delete
and reorder (``indicators/editing_services.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlmodel import Session, SQLModel

from indicators.editing_rules import (
    check_kpi,
    check_milestone,
    check_strategy,
    check_target,
    dimension_choices,
    unit_choices,
)
from indicators.models import (
    MAX_DUE_DAYS,
    Action,
    Goal,
    Kpi,
    KpiTarget,
    Strategy,
    StrategyMilestone,
    SuccessIndicator,
    SurveyMeasure,
)
from maturity.errors import N_, NotFound, Problem
from maturity.forms import Choice, FormField, texts
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel


def _texts(name: str, label_nb: str, label_en: str, kind: str = "text", required: bool = True) -> tuple[FormField, ...]:
    return tuple(texts(name, label_nb, label_en, kind, required=required, max_length=300 if kind == "text" else 20000))


CODE = FormField("code", N_("Code"), "code", help=N_("Letters, digits, '.', '_' or '-'; unique."))
WEIGHT = FormField("weight", N_("Weight"), "number", minimum=0.001, maximum=1000, help=N_("Relative to its siblings."))
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
CASCADES = (
    Choice("none", N_("No target for units without their own")),
    Choice("headcount", N_("Share the parent's by headcount")),
    Choice("baseline", N_("Share the parent's by the values before the baseline")),
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
    fields: tuple[FormField, ...]
    ordered: bool = True
    siblings_unique: tuple[str, ...] = ("code",)  # fields unique among siblings
    choices_from: Callable[[Session, int | None], dict[str, tuple[Choice, ...]]] | None = None
    extra_check: Callable[[Session, "KindSpec", dict[str, Any], int | None, int | None], list[Problem]] | None = None

    def label_of(self, item: Any, locale: str) -> str:
        if isinstance(item, StrategyMilestone):
            return f"{item.due} {item.expected:g}"
        code = getattr(item, "code", None)
        for name in ("title", "name"):
            if hasattr(item, f"{name}_nb"):
                return f"{code} {item.tr(name, locale)}".strip() if code else item.tr(name, locale)
        return str(code or item.id)


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
                FormField("period_start", N_("Period starts"), "date"),
                FormField("period_end", N_("Period ends"), "date"),
                FormField(
                    "on_track_threshold",
                    N_("On track from"),
                    "number",
                    minimum=0.01,
                    maximum=1.5,
                    help=N_("Score divided by expected progress; at or above this is on track (e.g. 0.95)."),
                ),
                FormField(
                    "behind_threshold",
                    N_("Behind from"),
                    "number",
                    minimum=0.01,
                    maximum=1.5,
                    help=N_("Below 'on track' and at or above this is behind; lower is at risk (e.g. 0.85)."),
                ),
                FormField(
                    "risk_comment_required",
                    N_("A value at risk needs a comment"),
                    "checkbox",
                    required=False,
                    help=N_(
                        "A KPI value that puts its KPI at risk is saved only with a short comment, "
                        "shown next to the value on the dashboard and in the report."
                    ),
                ),
            ),
            ordered=False,
            extra_check=check_strategy,
        ),
        KindSpec(
            "milestone",
            N_("Milestone"),
            StrategyMilestone,
            "strategy",
            "strategy_id",
            (
                FormField("due", N_("Date"), "date", help=N_("Within the strategy period; one milestone per date.")),
                FormField(
                    "expected",
                    N_("Expected progress (0–100)"),
                    "number",
                    minimum=0,
                    maximum=100,
                    help=N_("Progress expected from this date until the next milestone; higher than the one before."),
                ),
            ),
            ordered=False,
            siblings_unique=("due",),
            extra_check=check_milestone,
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
                FormField("unit_nb", N_("Unit of measure (Norwegian)"), required=False, max_length=60, lang="nb"),
                FormField("unit_en", N_("Unit of measure (English)"), required=False, max_length=60, lang="en"),
                FormField("direction", N_("Direction"), "select", choices=DIRECTIONS),
                FormField("scoring", N_("Scoring"), "select", choices=SCORING),
                FormField("frequency", N_("Reported per"), "select", choices=FREQUENCIES),
                FormField(
                    "aggregation",
                    N_("Across units"),
                    "select",
                    choices=AGGREGATIONS,
                    help=N_("How values of units add up to their parent."),
                ),
                FormField(
                    "cascade",
                    N_("Targets of units without their own"),
                    "select",
                    choices=CASCADES,
                    help=N_("Sum KPIs only: how a unit without a target of its own gets a share of its parent's."),
                ),
                WEIGHT,
                FormField("decimals", N_("Decimals shown"), "int", minimum=0, maximum=6),
                FormField(
                    "may_be_negative",
                    N_("May be negative"),
                    "checkbox",
                    required=False,
                    help=N_(
                        "Values, baselines and targets below zero are accepted, as for a result in money. "
                        "A count, a share or a yes/no KPI is never negative."
                    ),
                ),
                FormField(
                    "due_days",
                    N_("Due days after the period"),
                    "int",
                    required=False,
                    minimum=0,
                    maximum=MAX_DUE_DAYS,
                    help=N_(
                        "A period's value is due this many days after the period ends; owners are reminded. "
                        "Empty: 30 days."
                    ),
                ),
            ),
            extra_check=check_kpi,
        ),
        KindSpec(
            "target",
            N_("Baseline or target"),
            KpiTarget,
            "kpi",
            "kpi_id",
            (
                FormField("kind", N_("Kind"), "select", choices=TARGET_KINDS),
                FormField(
                    "unit", N_("Unit"), "select", required=False, help=N_("Leave empty for the whole organisation.")
                ),
                FormField(
                    "valid_from",
                    N_("Valid from"),
                    "date",
                    help=N_("Applies to periods ending on or after this date, until a later row."),
                ),
                FormField("value", N_("Value"), "number", required=False),
                FormField("lower", N_("Lower bound"), "number", required=False, help=N_("Maintain KPIs only.")),
                FormField("upper", N_("Upper bound"), "number", required=False, help=N_("Maintain KPIs only.")),
                FormField(
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
            choices_from=unit_choices,
            extra_check=check_target,
        ),
        KindSpec(
            "measure",
            N_("Survey measure"),
            SurveyMeasure,
            "indicator",
            "indicator_id",
            (
                FormField("dimension", N_("Dimension"), "select"),
                WEIGHT,
                FormField("baseline", N_("Baseline (0–100)"), "number", minimum=0, maximum=100),
                FormField("target", N_("Target (0–100)"), "number", minimum=0, maximum=100),
            ),
            siblings_unique=("dimension_id",),
            choices_from=dimension_choices,
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
                FormField("level", N_("Level"), "select", choices=LEVEL_CHOICES),
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


def new_values(spec: KindSpec) -> dict[str, Any]:
    """A new item's form starts from the model's defaults for its choices (a KPI's cascade is
    "none" unless the office picks a key), so a default never has to be chosen by hand."""
    values: dict[str, Any] = {}
    for f in spec.fields:
        info = spec.model.model_fields.get(f.name)
        default = getattr(info, "default", None) if f.kind in ("select", "radio") else None
        if isinstance(default, str) and default:
            values[f.name] = str(default.value) if isinstance(default, Enum) else default
    return values


def spec_for(kind: str) -> KindSpec:
    try:
        return KINDS[kind]
    except KeyError:
        raise NotFound(kind) from None
