"""The rules an item's form follows beyond its fields' own: choices read from the database
(units, a strategy's dimensions) and checks across fields and rows (a target against its KPI, a
KPI's code and negative values, a strategy's period and thresholds, a milestone's date).
``indicators/editing.py`` names them in each kind's description."""

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from indicators.milestones import check_form_milestone, milestones_outside
from indicators.models import DEFAULT_DUE_DAYS, Goal, Kpi, KpiRecord, KpiTarget, Strategy, SuccessIndicator
from indicators.records import NOT_NEGATIVE
from maturity.errors import N_, Problem
from maturity.forms import Choice
from maturity.maturity_model.models import Dimension
from maturity.units.models import OrgUnit

if TYPE_CHECKING:
    from indicators.editing import KindSpec


def unit_choices(session: Session, _: int | None) -> dict[str, tuple[Choice, ...]]:
    units = session.execute(select(col(OrgUnit.code), col(OrgUnit.name_en)).order_by(OrgUnit.code)).tuples()
    return {"unit": (Choice("", N_("The whole organisation")), *(Choice(code, code) for code, _ in units))}


def dimension_choices(session: Session, indicator_id: int | None) -> dict[str, tuple[Choice, ...]]:
    statement = (
        select(col(Dimension.code), col(Dimension.name_nb))
        .join(Strategy, col(Strategy.maturity_model_id) == col(Dimension.model_id))
        .join(Goal, col(Goal.strategy_id) == col(Strategy.id))
        .join(SuccessIndicator, col(SuccessIndicator.goal_id) == col(Goal.id))
        .where(col(SuccessIndicator.id) == indicator_id)
        .order_by(col(Dimension.position))
    )
    return {"dimension": tuple(Choice(code, f"{code} {name}") for code, name in session.execute(statement).tuples())}


def check_target(
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
    if not kpi.may_be_negative:
        for name in ("value", "lower", "upper"):
            if values.get(name) is not None and values[name] < 0:
                problems.append(Problem(NOT_NEGATIVE, {"kpi": kpi.code}, path=name, value=str(values[name])))
    return problems


def check_kpi(
    session: Session, spec: "KindSpec", values: dict[str, Any], parent_id: int | None, item_id: int | None
) -> list[Problem]:
    problems = check_kpi_code(session, spec, values, parent_id, item_id)
    if values.get("due_days") is None:  # left empty: the usual month
        values["due_days"] = DEFAULT_DUE_DAYS
    if values.get("cascade", "none") != "none" and values.get("aggregation") != "sum":
        problems.append(Problem(N_("Only a KPI that adds up across units (sum) can share its target."), path="cascade"))
    if values.get("may_be_negative") and (values.get("aggregation") == "ratio" or values.get("scoring") == "binary"):
        problems.append(Problem(N_("A share or a yes/no KPI is never negative."), path="may_be_negative"))
    elif not values.get("may_be_negative") and item_id is not None and (found := negative_values(session, item_id)):
        problems.append(
            Problem(
                N_(
                    "%(count)s recorded values, baselines or targets of this KPI are below zero; "
                    "correct them before the KPI refuses negative values."
                ),
                {"count": found},
                path="may_be_negative",
            )
        )
    return problems


def negative_values(session: Session, kpi_id: int) -> int:
    """How many current values, baselines and targets of the KPI are below zero."""
    records = (
        select(func.count()).select_from(KpiRecord).where(col(KpiRecord.kpi_id) == kpi_id, col(KpiRecord.value) < 0)
    )
    targets = (
        select(func.count())
        .select_from(KpiTarget)
        .where(
            col(KpiTarget.kpi_id) == kpi_id,
            or_(col(KpiTarget.value) < 0, col(KpiTarget.lower) < 0, col(KpiTarget.upper) < 0),
        )
    )
    return int(session.execute(records).scalar_one()) + int(session.execute(targets).scalar_one())


def check_kpi_code(
    session: Session, spec: "KindSpec", values: dict[str, Any], _: int | None, item_id: int | None
) -> list[Problem]:
    """KPI codes are unique across strategies: files and the API name KPIs by code."""
    other = session.execute(select(col(Kpi.id)).where(col(Kpi.code) == values.get("code"))).scalar()
    if other is not None and other != item_id:
        return [Problem(N_("The code %(value)s is already in use."), {"value": values["code"]}, path="code")]
    return []


def check_milestone(
    session: Session, spec: "KindSpec", values: dict[str, Any], strategy_id: int | None, item_id: int | None
) -> list[Problem]:
    return check_form_milestone(session, values, strategy_id, item_id)


def check_strategy(
    session: Session, spec: "KindSpec", values: dict[str, Any], _: int | None, item_id: int | None
) -> list[Problem]:
    problems = []
    if values.get("period_start") and values.get("period_end") and values["period_end"] <= values["period_start"]:
        problems.append(Problem(N_("The period must end after it starts."), path="period_end"))
    if (values.get("behind_threshold") or 0) >= (values.get("on_track_threshold") or 0):
        problems.append(Problem(N_("The 'behind' threshold must be below 'on track'."), path="behind_threshold"))
    if item_id is not None and values.get("period_start") and values.get("period_end"):
        problems += milestones_outside(session, item_id, values["period_start"], values["period_end"])
    return problems
