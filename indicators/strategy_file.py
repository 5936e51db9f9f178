"""A whole strategy with its maturity model as one YAML file: import (all or nothing) and export.

Importing updates the strategy with the same code in place, matching goals, actions,
indicators, KPIs, dimensions and levels by code, so KPI records survive a re-import. Exporting
gives a canonical file: importing it and exporting again gives the same bytes.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from indicators.milestones import check_file_milestones, milestones_as_data, replace_milestones
from indicators.models import (
    Action,
    Goal,
    Kpi,
    KpiRecord,
    KpiTarget,
    Strategy,
    SuccessIndicator,
    SurveyMeasure,
    TargetKind,
)
from indicators.schemas import FORMAT, DatedValue, KpiSpec, MaturityModelSpec, StrategyFile
from indicators.services import StrategyTree, load_strategy_tree
from indicators.strategy_conclusion import (
    cascade_problems,
    final_evaluation_data,
    final_evaluation_problems,
    final_evaluation_values,
)
from maturity.audit.services import Actor, record_event, snapshot
from maturity.errors import N_, InvalidInput, Problem
from maturity.maturity_model.models import Dimension, LevelDescriptor, MaturityModel
from maturity.maturity_model.services import ModelTree, find_model, load_model_tree
from maturity.scoring import Milestone
from maturity.structured_file import dump_file, load_file
from maturity.units.models import OrgUnit

MAX_BYTES = 2 * 1024 * 1024

# --- reading and checking -------------------------------------------------------------------


def parse_strategy_file(data: bytes) -> StrategyFile:
    """The file's structure, or InvalidInput naming each problem's path in the file."""
    return load_file(
        data,
        StrategyFile,
        max_bytes=MAX_BYTES,
        root="strategy",
        not_a_mapping=Problem(N_("The file does not describe a strategy (format: %(format)s)."), {"format": FORMAT}),
    )


def _duplicates(codes: list[str]) -> set[str]:
    return {code for code, n in Counter(codes).items() if n > 1}


def _check_dated(kpi: KpiSpec, path: str, rows: list[DatedValue], kind: str, units: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[str | None, object]] = set()
    for j, row in enumerate(rows):
        where = f"{path}.{kind}[{j}]"
        key = (row.unit, row.valid_from)
        if key in seen:
            problems.append(Problem(N_("Two rows for the same unit and date."), path=where, value=str(row.valid_from)))
        seen.add(key)
        if row.unit is not None and row.unit not in units:
            problems.append(
                Problem(N_("Unknown unit %(value)s."), {"value": row.unit}, path=f"{where}.unit", value=row.unit)
            )
        if row.unit is not None and kpi.aggregation == "institution_only":
            problems.append(Problem(N_("An institution-only KPI has no targets per unit."), path=f"{where}.unit"))
        band = row.lower is not None or row.upper is not None or row.tolerance is not None
        if kpi.scoring == "maintain" and kind == "targets":
            if row.lower is None or row.upper is None:
                problems.append(Problem(N_("A maintain KPI's target is a band: give lower and upper."), path=where))
            elif row.lower > row.upper:
                problems.append(
                    Problem(N_("Lower must not be above upper."), path=f"{where}.lower", value=str(row.lower))
                )
        else:
            if band:
                problems.append(Problem(N_("Only a maintain KPI's target has lower, upper and tolerance."), path=where))
            if row.value is None:
                problems.append(Problem(N_("This field is required."), path=f"{where}.value"))
        if kpi.scoring == "binary" and row.value not in (None, 0, 1):
            problems.append(
                Problem(N_("A yes/no KPI has the values 0 and 1."), path=f"{where}.value", value=str(row.value))
            )
        if kpi.aggregation == "ratio":
            for name in ("value", "lower", "upper"):
                number = getattr(row, name)
                if number is not None and not 0 <= number <= 100:
                    problems.append(
                        Problem(N_("A share is between 0 and 100 %%."), path=f"{where}.{name}", value=str(number))
                    )
    return problems


def check_strategy_file(session: Session, spec: StrategyFile) -> list[Problem]:
    """The rules that span fields, the file and the database."""
    problems: list[Problem] = []
    s = spec.strategy
    if s.period.end <= s.period.start:
        problems.append(Problem(N_("The period must end after it starts."), path="period.end", value=str(s.period.end)))
    if s.pace.behind >= s.pace.on_track:
        problems.append(Problem(N_("The 'behind' threshold must be below 'on track'."), path="pace.behind"))
    problems += final_evaluation_problems(session, s)
    problems += check_file_milestones(_milestones(spec), s.period.start, s.period.end)
    units = set(session.execute(select(col(OrgUnit.code))).scalars())

    for field_name, codes_with_paths in (
        ("goals", [(g.code, f"goals[{i}].code") for i, g in enumerate(s.goals)]),
        (
            "actions",
            [(a.code, f"goals[{i}].actions[{j}].code") for i, g in enumerate(s.goals) for j, a in enumerate(g.actions)],
        ),
        (
            "indicators",
            [
                (ind.code, f"goals[{i}].indicators[{j}].code")
                for i, g in enumerate(s.goals)
                for j, ind in enumerate(g.indicators)
            ],
        ),
        (
            "kpis",
            [
                (k.code, f"goals[{i}].indicators[{j}].kpis[{n}].code")
                for i, g in enumerate(s.goals)
                for j, ind in enumerate(g.indicators)
                for n, k in enumerate(ind.kpis)
            ],
        ),
    ):
        twice = _duplicates([code for code, _ in codes_with_paths])
        for code, where in codes_with_paths:
            if code in twice:
                problems.append(
                    Problem(N_("Code %(value)s is used twice in this file."), {"value": code}, path=where, value=code)
                )
        if field_name == "kpis":
            owners: dict[str, str] = dict(
                session.execute(
                    select(col(Kpi.code), col(Strategy.code))
                    .join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
                    .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
                    .join(Strategy, col(Strategy.id) == col(Goal.strategy_id))
                    .where(col(Kpi.code).in_([c for c, _ in codes_with_paths]))
                )
                .tuples()
                .all()
            )
            for code, where in codes_with_paths:
                if code in owners and owners[code] != s.code:
                    problems.append(
                        Problem(
                            N_("KPI code %(value)s already belongs to strategy %(strategy)s."),
                            {"value": code, "strategy": owners[code]},
                            path=where,
                            value=code,
                        )
                    )

    dimension_codes = _dimension_codes(session, spec)
    for i, goal in enumerate(s.goals):
        for j, indicator in enumerate(goal.indicators):
            base = f"goals[{i}].indicators[{j}]"
            if not indicator.kpis and not indicator.survey_measures:
                problems.append(Problem(N_("An indicator needs at least one KPI or survey measure."), path=base))
            for n, kpi in enumerate(indicator.kpis):
                where = f"{base}.kpis[{n}]"
                problems += cascade_problems(kpi, where)
                problems += _check_dated(kpi, where, kpi.baselines, "baselines", units)
                problems += _check_dated(kpi, where, kpi.targets, "targets", units)
            measured = [m.dimension for m in indicator.survey_measures]
            for n, measure in enumerate(indicator.survey_measures):
                where = f"{base}.survey_measures[{n}].dimension"
                if measure.dimension not in dimension_codes:
                    problems.append(
                        Problem(
                            N_("Unknown dimension %(value)s."),
                            {"value": measure.dimension},
                            path=where,
                            value=measure.dimension,
                        )
                    )
                elif measured.count(measure.dimension) > 1:
                    problems.append(
                        Problem(
                            N_("Code %(value)s is used twice in this file."), {"value": measure.dimension}, path=where
                        )
                    )
    if spec.maturity_model is not None:
        problems += _check_model(spec.maturity_model)
    problems += _check_kpis_with_records_kept(session, spec)
    return problems


def _milestones(spec: StrategyFile) -> list[Milestone]:
    return [Milestone(m.due, m.expected) for m in spec.strategy.milestones]


def _dimension_codes(session: Session, spec: StrategyFile) -> set[str]:
    if spec.maturity_model is not None:
        return {d.code for d in spec.maturity_model.dimensions}
    existing = session.execute(select(Strategy).where(col(Strategy.code) == spec.strategy.code)).scalars().first()
    if existing is None or existing.maturity_model_id is None:
        return set()
    return set(
        session.execute(
            select(col(Dimension.code)).where(col(Dimension.model_id) == existing.maturity_model_id)
        ).scalars()
    )


def _check_model(model: MaturityModelSpec) -> list[Problem]:
    problems: list[Problem] = []
    twice = _duplicates([d.code for d in model.dimensions])
    for i, dimension in enumerate(model.dimensions):
        where = f"maturity_model.dimensions[{i}]"
        if dimension.code in twice:
            problems.append(
                Problem(
                    N_("Code %(value)s is used twice in this file."),
                    {"value": dimension.code},
                    path=f"{where}.code",
                    value=dimension.code,
                )
            )
        if sorted(level.level for level in dimension.levels) != [1, 2, 3, 4, 5]:
            problems.append(Problem(N_("A dimension needs the levels 1 to 5, each once."), path=f"{where}.levels"))
    return problems


def _check_kpis_with_records_kept(session: Session, spec: StrategyFile) -> list[Problem]:
    """A KPI with recorded values cannot be dropped by a re-import."""
    existing = session.execute(select(Strategy).where(col(Strategy.code) == spec.strategy.code)).scalars().first()
    if existing is None:
        return []
    in_file = {k.code for g in spec.strategy.goals for i in g.indicators for k in i.kpis}
    counts = session.execute(
        select(col(Kpi.code), func.count(col(KpiRecord.id)))
        .join(KpiRecord, col(KpiRecord.kpi_id) == col(Kpi.id))
        .join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
        .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
        .where(col(Goal.strategy_id) == existing.id)
        .group_by(Kpi.code)
    ).all()
    return [
        Problem(
            N_("KPI %(value)s has %(count)s recorded values and cannot be removed; keep it in the file."),
            {"value": code, "count": count},
            path="goals",
            value=code,
        )
        for code, count in counts
        if code not in in_file
    ]


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
            **final_evaluation_values(session, s),
            "maturity_model_id": model_id,
        },
        s.code,
    )
    assert strategy is not None
    assert strategy.id is not None
    summary.strategy_id = strategy.id
    summary.updated += replace_milestones(session, actor, strategy, _milestones(spec))
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

    for gpos, g in enumerate(spec.strategy.goals):
        node = old_goals.pop(g.code, None)
        goal = sync.upsert(
            node.goal if node else None,
            Goal(strategy_id=strategy_id, code=g.code, title_nb="", title_en=""),
            {**_texts("title", g.title), **_texts("description", g.description), "weight": g.weight, "position": gpos},
            g.code,
        )
        for apos, a in enumerate(g.actions):
            sync.upsert(
                old_actions.pop((g.code, a.code), None),
                Action(goal_id=goal.id, code=a.code, title_nb="", title_en=""),
                {**_texts("title", a.title), "position": apos},
                a.code,
            )
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
                        "position": kpos,
                        "indicator_id": indicator.id,
                    },
                    k.code,
                )
                _replace_targets(session, sync, kpi, knode.baselines + knode.targets if knode else [], k, units)
            _replace_measures(
                session, sync, indicator, inode.measures if inode else [], ind.survey_measures, dimensions
            )
    sync.remove(old_actions.values(), lambda a: a.code)
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


# --- exporting --------------------------------------------------------------------------------


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
    data: dict[str, Any] = {
        "format": FORMAT,
        "strategy": {
            "code": s.code,
            "title": _pair(s, "title"),
            "description": _pair(s, "description"),
            "period": {"start": s.period_start, "end": s.period_end},
            "pace": {"on_track": _number(s.on_track_threshold), "behind": _number(s.behind_threshold)},
            **final_evaluation_data(session, s),
            **({"milestones": milestones_as_data(tree.milestones)} if tree.milestones else {}),
            "goals": [
                {
                    "code": g.goal.code,
                    "title": _pair(g.goal, "title"),
                    "description": _pair(g.goal, "description"),
                    "weight": _number(g.goal.weight),
                    "actions": [{"code": a.code, "title": _pair(a, "title")} for a in g.actions],
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
