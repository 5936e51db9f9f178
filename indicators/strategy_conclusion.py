"""A strategy's final evaluation and its successor (a code: the successor may be imported later), and a KPI's cascade key, as the strategy
file carries them: checks, the values an import applies and what an export writes. (Kept apart
from ``strategy_file.py`` so that the file's own module stays about the file.)"""

from typing import Any

from sqlmodel import Session

from indicators.models import Strategy
from indicators.schemas import KpiSpec, StrategySpec
from maturity.errors import N_, Problem

DEFAULT_ACHIEVED, DEFAULT_PARTLY = 100.0, 50.0


def cascade_problems(kpi: KpiSpec, path: str) -> list[Problem]:
    """Only a ``sum`` KPI is cascaded; the others inherit the institution's target."""
    if kpi.cascade != "none" and kpi.aggregation != "sum":
        return [
            Problem(
                N_("Only a KPI that adds up across units (sum) can cascade its target; this one is %(aggregation)s."),
                {"aggregation": kpi.aggregation},
                path=f"{path}.cascade",
                value=kpi.cascade,
            )
        ]
    return []


def final_evaluation_problems(session: Session, spec: StrategySpec) -> list[Problem]:
    problems = []
    if spec.final.partly >= spec.final.achieved:
        problems.append(
            Problem(
                N_("The 'partly achieved' threshold must be below 'achieved'."),
                path="final.partly",
                value=str(spec.final.partly),
            )
        )
    if spec.successor == spec.code:
        problems.append(Problem(N_("A strategy cannot succeed itself."), path="successor", value=spec.successor))
    return problems


def final_evaluation_values(session: Session, spec: StrategySpec) -> dict[str, Any]:
    """The columns an import sets (the file was checked)."""
    return {
        "achieved_threshold": spec.final.achieved,
        "partly_threshold": spec.final.partly,
        "successor_code": spec.successor,
    }


def final_evaluation_data(session: Session, strategy: Strategy) -> dict[str, Any]:
    """What an export writes: the thresholds unless they are the defaults, the successor if any."""
    out: dict[str, Any] = {}
    if (strategy.achieved_threshold, strategy.partly_threshold) != (DEFAULT_ACHIEVED, DEFAULT_PARTLY):
        out["final"] = {"achieved": _number(strategy.achieved_threshold), "partly": _number(strategy.partly_threshold)}
    if strategy.successor_code is not None:
        out["successor"] = strategy.successor_code
    return out


def _number(value: float) -> float | int:
    return int(value) if value == int(value) else value
