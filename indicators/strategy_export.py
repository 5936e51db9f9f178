"""A strategy with its maturity model as the canonical YAML file: importing it
(``strategy_file.import_strategy``) and exporting again gives the same bytes."""

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.action_file import action_as_data, codes_for, load_details
from indicators.kpi_owners import owners_as_data
from indicators.milestones import milestones_as_data
from indicators.models import DEFAULT_DUE_DAYS, KpiTarget
from indicators.schemas import FORMAT
from indicators.strategy_conclusion import final_evaluation_data
from indicators.strategy_tree import load_strategy_tree
from maturity.structured_file import dump_file
from maturity.units.models import OrgUnit


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _pair(obj: Any, field: str) -> dict[str, str]:
    return {"nb": getattr(obj, f"{field}_nb"), "en": getattr(obj, f"{field}_en")}


def _dated(row: KpiTarget, unit_codes: dict[int, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"valid_from": row.valid_from}
    if row.unit_id is not None:
        out["unit"] = unit_codes[row.unit_id]
    for name in ("value", "lower", "upper", "tolerance"):
        value = getattr(row, name)
        if value is not None:
            out[name] = _number(value)
    return out


def strategy_as_data(session: Session, strategy_id: int) -> dict[str, Any]:
    tree = load_strategy_tree(session, strategy_id)
    unit_codes: dict[int, str] = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
    dimension_codes = {d.dimension.id: d.dimension.code for d in tree.model.dimensions} if tree.model else {}
    s = tree.strategy
    details = load_details(session, [a.id for g in tree.goals for a in g.actions if a.id is not None])
    owners = owners_as_data(session, [k.kpi.id for k in tree.kpis() if k.kpi.id is not None])
    codes = codes_for(session, s.id or 0, {k: v for k, v in dimension_codes.items() if k is not None})
    data: dict[str, Any] = {
        "format": FORMAT,
        "strategy": {
            "code": s.code,
            "title": _pair(s, "title"),
            "description": _pair(s, "description"),
            "period": {"start": s.period_start, "end": s.period_end},
            "pace": {"on_track": _number(s.on_track_threshold), "behind": _number(s.behind_threshold)},
            **final_evaluation_data(session, s),
            **({} if s.risk_comment_required else {"risk_comment_required": False}),
            **({"milestones": milestones_as_data(tree.milestones)} if tree.milestones else {}),
            "goals": [
                {
                    "code": g.goal.code,
                    "title": _pair(g.goal, "title"),
                    "description": _pair(g.goal, "description"),
                    "weight": _number(g.goal.weight),
                    "actions": [action_as_data(a, details, codes) for a in g.actions],
                    "indicators": [
                        {
                            "code": i.indicator.code,
                            "title": _pair(i.indicator, "title"),
                            "weight": _number(i.indicator.weight),
                            "kpis": [
                                {
                                    "code": k.kpi.code,
                                    "name": _pair(k.kpi, "name"),
                                    "description": _pair(k.kpi, "description"),
                                    "unit_of_measure": k.kpi.unit_nb
                                    if k.kpi.unit_nb == k.kpi.unit_en
                                    else _pair(k.kpi, "unit"),
                                    "direction": k.kpi.direction,
                                    "scoring": k.kpi.scoring,
                                    "frequency": k.kpi.frequency,
                                    "aggregation": k.kpi.aggregation,
                                    **({"cascade": k.kpi.cascade} if k.kpi.cascade != "none" else {}),
                                    "weight": _number(k.kpi.weight),
                                    "decimals": k.kpi.decimals,
                                    **({"may_be_negative": True} if k.kpi.may_be_negative else {}),
                                    **({"due_days": k.kpi.due_days} if k.kpi.due_days != DEFAULT_DUE_DAYS else {}),
                                    **({"owners": owners[k.kpi.id]} if k.kpi.id in owners else {}),
                                    "baselines": [_dated(r, unit_codes) for r in k.baselines],
                                    "targets": [_dated(r, unit_codes) for r in k.targets],
                                }
                                for k in i.kpis
                            ],
                            "survey_measures": [
                                {
                                    "dimension": dimension_codes[m.dimension_id],
                                    "weight": _number(m.weight),
                                    "baseline": _number(m.baseline),
                                    "target": _number(m.target),
                                }
                                for m in i.measures
                            ],
                        }
                        for i in g.indicators
                    ],
                }
                for g in tree.goals
            ],
        },
    }
    if tree.model is not None:
        m = tree.model.model
        data["maturity_model"] = {
            "code": m.code,
            "name": _pair(m, "name"),
            "description": _pair(m, "description"),
            "dimensions": [
                {
                    "code": d.dimension.code,
                    "name": _pair(d.dimension, "name"),
                    "description": _pair(d.dimension, "description"),
                    "levels": [
                        {"level": lv.level, "name": _pair(lv, "name"), "description": _pair(lv, "description")}
                        for lv in d.levels
                    ],
                }
                for d in tree.model.dimensions
            ],
        }
    return data


def export_strategy(session: Session, strategy_id: int) -> str:
    """The canonical YAML file of a strategy and its maturity model."""
    return dump_file(strategy_as_data(session, strategy_id))
