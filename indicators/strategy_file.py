"""A whole strategy with its maturity model as one YAML file: import (all or nothing) and export.

Importing updates the strategy with the same code in place, matching goals, actions,
indicators, KPIs, dimensions and levels by code, so KPI records survive a re-import. Exporting
gives a canonical file: importing it and exporting again gives the same bytes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, SQLModel, col

from indicators.action_file import action_fields, codes_for, replace_action_details
from indicators.kpi_owners import replace_owners
from indicators.milestones import replace_milestones
from indicators.models import (
    Action,
    Goal,
    Kpi,
    KpiTarget,
    Strategy,
    SuccessIndicator,
    SurveyMeasure,
    TargetKind,
)
from indicators.schemas import FORMAT, DatedValue, KpiSpec, MaturityModelSpec, StrategyFile
from indicators.strategy_checks import check_strategy_file, file_milestones
from indicators.strategy_conclusion import final_evaluation_values
from indicators.strategy_tree import StrategyTree, load_strategy_tree
from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import User
from maturity.errors import N_, InvalidInput, Problem
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel
from maturity.maturity_model.services import ModelTree, find_model, load_model_tree
from maturity.structured_file import load_file
from maturity.units.models import OrgUnit

MAX_BYTES = 2 * 1024 * 1024

# --- reading ----------------------------------------------------------------------------------


def parse_strategy_file(data: bytes) -> StrategyFile:
    """The file's structure, or InvalidInput naming each problem's path in the file."""
    return load_file(
        data,
        StrategyFile,
        max_bytes=MAX_BYTES,
        root="strategy",
        not_a_mapping=Problem(N_("The file does not describe a strategy (format: %(format)s)."), {"format": FORMAT}),
    )


# --- applying ---------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    strategy_id: int
    created: int = 0
    updated: int = 0
    deleted: int = 0


class _Sync:
    """Create, update or delete rows matched by a key, with an audit event for each change."""

    def __init__(self, session: Session, actor: Actor, summary: ImportSummary) -> None:
        self.session, self.actor, self.summary = session, actor, summary

    def upsert(self, existing: SQLModel | None, new: SQLModel, fields: dict[str, Any], label: str) -> Any:
        if existing is None:
            for name, value in fields.items():
                setattr(new, name, value)
            self.session.add(new)
            self.session.flush()
            record_event(self.session, self.actor, "create", new, label=label, after=snapshot(new), note="import")
            self.summary.created += 1
            return new
        before = snapshot(existing)
        for name, value in fields.items():
            setattr(existing, name, value)
        after = snapshot(existing)
        if before != after:
            self.session.add(existing)
            record_event(
                self.session, self.actor, "update", existing, label=label, before=before, after=after, note="import"
            )
            self.summary.updated += 1
        return existing

    def remove(self, rows: Iterable[SQLModel], label: Callable[[Any], str]) -> None:
        self.session.flush()  # moves of surviving children first, then the deletes
        for row in rows:
            record_event(self.session, self.actor, "delete", row, label=label(row), before=snapshot(row), note="import")
            self.session.delete(row)
            self.summary.deleted += 1
        self.session.flush()


def _texts(prefix: str, texts: Any) -> dict[str, str]:
    return {f"{prefix}_nb": texts.nb, f"{prefix}_en": texts.en}


def import_strategy(session: Session, data: bytes, actor: Actor) -> ImportSummary:
    """Create or update a strategy and its maturity model from a file; all of it or nothing."""
    spec = parse_strategy_file(data)
    problems = check_strategy_file(session, spec)
    if problems:
        raise InvalidInput(problems)
    s = spec.strategy
    strategy = session.execute(select(Strategy).where(col(Strategy.code) == s.code)).scalars().first()
    summary = ImportSummary(strategy_id=0)
    sync = _Sync(session, actor, summary)

    model_id = strategy.maturity_model_id if strategy else None
    if spec.maturity_model is not None:
        model_id = _apply_model(session, sync, spec.maturity_model)

    strategy = sync.upsert(
        strategy,
        Strategy(code=s.code, title_nb="", title_en="", period_start=s.period.start, period_end=s.period.end),
        {
            **_texts("title", s.title),
            **_texts("description", s.description),
            "period_start": s.period.start,
            "period_end": s.period.end,
            "on_track_threshold": s.pace.on_track,
            "behind_threshold": s.pace.behind,
            "risk_comment_required": s.risk_comment_required,
            **final_evaluation_values(session, s),
            "maturity_model_id": model_id,
        },
        s.code,
    )
    assert strategy is not None
    assert strategy.id is not None
    summary.strategy_id = strategy.id
    summary.updated += replace_milestones(session, actor, strategy, file_milestones(spec))
    old = load_strategy_tree(session, strategy.id)
    _apply_goals(session, sync, spec, old, strategy.id)
    session.flush()
    return summary


def _apply_model(session: Session, sync: _Sync, spec: MaturityModelSpec) -> int:
    existing = find_model(session, spec.code)
    model = sync.upsert(
        existing,
        MaturityModel(code=spec.code, name_nb="", name_en=""),
        {**_texts("name", spec.name), **_texts("description", spec.description)},
        spec.code,
    )
    tree = load_model_tree(session, model.id) if existing else ModelTree(model, [])
    old = {node.dimension.code: node for node in tree.dimensions}
    for position, d in enumerate(spec.dimensions):
        node = old.pop(d.code, None)
        dimension = sync.upsert(
            node.dimension if node else None,
            Dimension(model_id=model.id, code=d.code, name_nb="", name_en=""),
            {**_texts("name", d.name), **_texts("description", d.description), "position": position},
            d.code,
        )
        old_levels = {lv.level: lv for lv in (node.levels if node else [])}
        for lv in d.levels:
            sync.upsert(
                old_levels.pop(lv.level, None),
                LevelDescriptor(dimension_id=dimension.id, level=lv.level, name_nb="", name_en=""),
                {**_texts("name", lv.name), **_texts("description", lv.description)},
                f"{d.code} {lv.level}",
            )
    sync.remove([n.dimension for n in old.values()], lambda d: d.code)
    return int(model.id)


def _apply_goals(session: Session, sync: _Sync, spec: StrategyFile, old: StrategyTree, strategy_id: int) -> None:
    old_goals = {g.goal.code: g for g in old.goals}
    old_indicators = {i.indicator.code: i for g in old.goals for i in g.indicators}
    old_kpis = {k.kpi.code: k for k in old.kpis()}
    old_actions = {(g.goal.code, a.code): a for g in old.goals for a in g.actions}
    dimensions: dict[str, int] = {}
    model_id = session.get_one(Strategy, strategy_id).maturity_model_id
    if model_id is not None:
        dimensions = dict(
            session.execute(select(col(Dimension.code), col(Dimension.id)).where(col(Dimension.model_id) == model_id))
            .tuples()
            .all()
        )
    units: dict[str, int] = dict(session.execute(select(col(OrgUnit.code), col(OrgUnit.id))).tuples().all())
    users: dict[str, int] = dict(session.execute(select(col(User.email), col(User.id))).tuples().all())
    planned: list[tuple[Action, Any]] = []

    for gpos, g in enumerate(spec.strategy.goals):
        node = old_goals.pop(g.code, None)
        goal = sync.upsert(
            node.goal if node else None,
            Goal(strategy_id=strategy_id, code=g.code, title_nb="", title_en=""),
            {**_texts("title", g.title), **_texts("description", g.description), "weight": g.weight, "position": gpos},
            g.code,
        )
        for apos, a in enumerate(g.actions):
            action = sync.upsert(
                old_actions.pop((g.code, a.code), None),
                Action(goal_id=goal.id, code=a.code, title_nb="", title_en=""),
                {**_texts("title", a.title), "position": apos, **action_fields(a, units, users)},
                a.code,
            )
            planned.append((action, a))
        for ipos, ind in enumerate(g.indicators):
            inode = old_indicators.pop(ind.code, None)
            indicator = sync.upsert(
                inode.indicator if inode else None,
                SuccessIndicator(goal_id=goal.id, code=ind.code, title_nb="", title_en=""),
                {**_texts("title", ind.title), "weight": ind.weight, "position": ipos, "goal_id": goal.id},
                ind.code,
            )
            for kpos, k in enumerate(ind.kpis):
                knode = old_kpis.pop(k.code, None)
                kpi = sync.upsert(
                    knode.kpi if knode else None,
                    Kpi(indicator_id=indicator.id, code=k.code, name_nb="", name_en=""),
                    {
                        **_texts("name", k.name),
                        **_texts("description", k.description),
                        **_texts("unit", k.unit_of_measure),
                        "direction": k.direction,
                        "scoring": k.scoring,
                        "frequency": k.frequency,
                        "aggregation": k.aggregation,
                        "cascade": k.cascade,
                        "weight": k.weight,
                        "decimals": k.decimals,
                        "may_be_negative": k.may_be_negative,
                        "due_days": k.due_days,
                        "position": kpos,
                        "indicator_id": indicator.id,
                    },
                    k.code,
                )
                _replace_targets(session, sync, kpi, knode.baselines + knode.targets if knode else [], k, units)
                owners = [(units[o.unit], users[o.owner.lower()]) for o in k.owners]
                if replace_owners(session, sync.actor, kpi, owners) and knode is not None:
                    sync.summary.updated += 1
            _replace_measures(
                session, sync, indicator, inode.measures if inode else [], ind.survey_measures, dimensions
            )
    sync.remove(old_actions.values(), lambda a: a.code)
    # links name indicators and KPIs of any goal: after all of them are in place
    session.flush()
    codes = codes_for(session, strategy_id, {i: c for c, i in dimensions.items()})
    for action, a in planned:
        if replace_action_details(session, sync.actor, action, a, codes, users):
            sync.summary.updated += 1
    sync.remove([k.kpi for k in old_kpis.values()], lambda k: k.code)
    sync.remove([i.indicator for i in old_indicators.values()], lambda i: i.code)
    sync.remove([g.goal for g in old_goals.values()], lambda g: g.code)


def _target_key(row: KpiTarget | tuple[str, DatedValue, int | None]) -> tuple[Any, ...]:
    if isinstance(row, KpiTarget):
        return (row.kind, row.unit_id, row.valid_from, row.value, row.lower, row.upper, row.tolerance)
    kind, spec, unit_id = row
    return (kind, unit_id, spec.valid_from, spec.value, spec.lower, spec.upper, spec.tolerance)


def _replace_targets(
    session: Session, sync: _Sync, kpi: Kpi, old: list[KpiTarget], spec: KpiSpec, units: dict[str, int]
) -> None:
    """Dated rows are definitions: the file's rows replace the KPI's, logged once as one change."""
    wanted = [(TargetKind.BASELINE.value, b, units.get(b.unit) if b.unit else None) for b in spec.baselines] + [
        (TargetKind.TARGET.value, t, units.get(t.unit) if t.unit else None) for t in spec.targets
    ]
    if sorted(map(_target_key, old), key=repr) == sorted(map(_target_key, wanted), key=repr):
        return
    before = {"targets": [snapshot(r, exclude=("id", "kpi_id")) for r in old]}
    for row in old:
        session.delete(row)
    session.flush()
    new_rows = [
        KpiTarget(
            kpi_id=kpi.id,  # type: ignore[arg-type]  # flushed above
            unit_id=unit_id,
            kind=kind,
            valid_from=dv.valid_from,
            value=dv.value,
            lower=dv.lower,
            upper=dv.upper,
            tolerance=dv.tolerance,
        )
        for kind, dv, unit_id in wanted
    ]
    session.add_all(new_rows)
    session.flush()
    after = {"targets": [snapshot(r, exclude=("id", "kpi_id")) for r in new_rows]}
    record_event(
        session, sync.actor, "update", kpi, label=f"{kpi.code} targets", before=before, after=after, note="import"
    )


def _replace_measures(
    session: Session,
    sync: _Sync,
    indicator: SuccessIndicator,
    old: list[SurveyMeasure],
    specs: list[Any],
    dimensions: dict[str, int],
) -> None:
    wanted = [(dimensions[m.dimension], m.weight, m.baseline, m.target) for m in specs]
    if [(m.dimension_id, m.weight, m.baseline, m.target) for m in old] == wanted:
        return
    before = {"survey_measures": [snapshot(m, exclude=("id",)) for m in old]}
    for measure in old:
        session.delete(measure)
    session.flush()
    rows = [
        SurveyMeasure(
            indicator_id=indicator.id,  # type: ignore[arg-type]  # flushed above
            dimension_id=dimension_id,
            weight=weight,
            baseline=baseline,
            target=target,
            position=position,
        )
        for position, (dimension_id, weight, baseline, target) in enumerate(wanted)
    ]
    session.add_all(rows)
    session.flush()
    record_event(
        session,
        sync.actor,
        "update",
        indicator,
        label=f"{indicator.code} survey measures",
        before=before,
        after={"survey_measures": [snapshot(m, exclude=("id",)) for m in rows]},
        note="import",
    )
