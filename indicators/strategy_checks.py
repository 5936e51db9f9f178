"""The rules of a strategy file that span fields, the file and the database, checked after its
structure (``strategy_file.parse_strategy_file``) and before anything is applied."""

from collections import Counter
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.action_file import check_file_actions
from indicators.milestones import check_file_milestones
from indicators.models import Goal, Kpi, KpiRecord, Strategy, SuccessIndicator
from indicators.records import NOT_NEGATIVE
from indicators.schemas import DatedValue, KpiSpec, MaturityModelSpec, StrategyFile
from indicators.strategy_conclusion import cascade_problems, final_evaluation_problems
from maturity.auth.models import User
from maturity.errors import N_, Problem
from maturity.maturity_model.models import Dimension
from maturity.scoring import Milestone
from maturity.units.models import OrgUnit


def check_strategy_file(session: Session, spec: StrategyFile) -> list[Problem]:
    """Every problem of the file beyond its structure, each located by its path in the file."""
    s = spec.strategy
    problems = _check_period_and_pace(spec)
    problems += final_evaluation_problems(session, s)
    problems += check_file_milestones(file_milestones(spec), s.period.start, s.period.end)
    codes = _codes_with_paths(spec)
    problems += _check_codes_unique(codes)
    problems += _check_kpi_owners(session, spec, codes["kpis"])
    units = set(session.execute(select(col(OrgUnit.code))).scalars())
    dimension_codes = _dimension_codes(session, spec)
    problems += _check_indicators(spec, units, dimension_codes)
    emails = set(session.execute(select(col(User.email))).scalars())
    problems += _check_owner_specs(spec, units, emails)
    problems += check_file_actions(spec, units, emails, dimension_codes)
    if spec.maturity_model is not None:
        problems += _check_model(spec.maturity_model)
    problems += _check_kpis_with_records_kept(session, spec)
    problems += _check_negative_records_kept(session, spec)
    return problems


def _check_period_and_pace(spec: StrategyFile) -> list[Problem]:
    s = spec.strategy
    problems: list[Problem] = []
    if s.period.end <= s.period.start:
        problems.append(Problem(N_("The period must end after it starts."), path="period.end", value=str(s.period.end)))
    if s.pace.behind >= s.pace.on_track:
        problems.append(Problem(N_("The 'behind' threshold must be below 'on track'."), path="pace.behind"))
    return problems


CodesWithPaths = list[tuple[str, str]]


def _codes_with_paths(spec: StrategyFile) -> dict[str, CodesWithPaths]:
    """The codes of goals, actions, indicators and KPIs, each with its path in the file."""
    goals = list(enumerate(spec.strategy.goals))
    return {
        "goals": [(g.code, f"goals[{i}].code") for i, g in goals],
        "actions": [(a.code, f"goals[{i}].actions[{j}].code") for i, g in goals for j, a in enumerate(g.actions)],
        "indicators": [
            (ind.code, f"goals[{i}].indicators[{j}].code") for i, g in goals for j, ind in enumerate(g.indicators)
        ],
        "kpis": [
            (k.code, f"goals[{i}].indicators[{j}].kpis[{n}].code")
            for i, g in goals
            for j, ind in enumerate(g.indicators)
            for n, k in enumerate(ind.kpis)
        ],
    }


def _check_codes_unique(codes: dict[str, CodesWithPaths]) -> Iterator[Problem]:
    """A code once per kind in the file."""
    for codes_with_paths in codes.values():
        twice = _duplicates([code for code, _ in codes_with_paths])
        for code, where in codes_with_paths:
            if code in twice:
                yield Problem(N_("Code %(value)s is used twice in this file."), {"value": code}, path=where, value=code)


def _check_kpi_owners(session: Session, spec: StrategyFile, kpis: CodesWithPaths) -> Iterator[Problem]:
    """A KPI code of another strategy cannot be taken over."""
    owners: dict[str, str] = dict(
        session.execute(
            select(col(Kpi.code), col(Strategy.code))
            .join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
            .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
            .join(Strategy, col(Strategy.id) == col(Goal.strategy_id))
            .where(col(Kpi.code).in_([c for c, _ in kpis]))
        )
        .tuples()
        .all()
    )
    for code, where in kpis:
        if code in owners and owners[code] != spec.strategy.code:
            yield Problem(
                N_("KPI code %(value)s already belongs to strategy %(strategy)s."),
                {"value": code, "strategy": owners[code]},
                path=where,
                value=code,
            )


def _check_indicators(spec: StrategyFile, units: set[str], dimension_codes: set[str]) -> list[Problem]:
    """Each indicator measured by something; its KPIs' baselines and targets; its survey measures'
    dimensions known and each measured once."""
    problems: list[Problem] = []
    for i, goal in enumerate(spec.strategy.goals):
        for j, indicator in enumerate(goal.indicators):
            base = f"goals[{i}].indicators[{j}]"
            if not indicator.kpis and not indicator.survey_measures:
                problems.append(Problem(N_("An indicator needs at least one KPI or survey measure."), path=base))
            for n, kpi in enumerate(indicator.kpis):
                where = f"{base}.kpis[{n}]"
                problems += cascade_problems(kpi, where)
                if kpi.may_be_negative and (kpi.aggregation == "ratio" or kpi.scoring == "binary"):
                    problems.append(
                        Problem(N_("A share or a yes/no KPI is never negative."), path=f"{where}.may_be_negative")
                    )
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
    return problems


def _check_owner_specs(spec: StrategyFile, units: set[str], emails: set[str]) -> list[Problem]:
    """Each KPI owner's unit and person known, one owner per unit."""
    problems: list[Problem] = []
    for i, goal in enumerate(spec.strategy.goals):
        for j, indicator in enumerate(goal.indicators):
            for n, kpi in enumerate(indicator.kpis):
                seen: set[str] = set()
                for m, owner in enumerate(kpi.owners):
                    where = f"goals[{i}].indicators[{j}].kpis[{n}].owners[{m}]"
                    if owner.unit not in units:
                        problems.append(
                            Problem(
                                N_("Unknown unit %(value)s."),
                                {"value": owner.unit},
                                path=f"{where}.unit",
                                value=owner.unit,
                            )
                        )
                    elif owner.unit in seen:
                        problems.append(
                            Problem(N_("Unit %(value)s has two owners."), {"value": owner.unit}, path=f"{where}.unit")
                        )
                    seen.add(owner.unit)
                    if owner.owner.lower() not in emails:
                        problems.append(
                            Problem(
                                N_("Nobody has the address %(value)s."),
                                {"value": owner.owner},
                                path=f"{where}.owner",
                                value=owner.owner,
                            )
                        )
    return problems


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
        elif not kpi.may_be_negative:
            for name in ("value", "lower", "upper"):
                number = getattr(row, name)
                if number is not None and number < 0:
                    problems.append(Problem(NOT_NEGATIVE, {"kpi": kpi.code}, path=f"{where}.{name}", value=str(number)))
    return problems


def file_milestones(spec: StrategyFile) -> list[Milestone]:
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


def _check_negative_records_kept(session: Session, spec: StrategyFile) -> list[Problem]:
    """A KPI with values below zero recorded stays one that may be negative: no stored value may
    become invalid by a re-import."""
    paths = {
        k.code: f"goals[{i}].indicators[{j}].kpis[{n}].may_be_negative"
        for i, g in enumerate(spec.strategy.goals)
        for j, ind in enumerate(g.indicators)
        for n, k in enumerate(ind.kpis)
        if not k.may_be_negative
    }
    if not paths:
        return []
    counts = session.execute(
        select(col(Kpi.code), func.count(col(KpiRecord.id)))
        .join(KpiRecord, col(KpiRecord.kpi_id) == col(Kpi.id))
        .where(col(Kpi.code).in_(paths), col(KpiRecord.value) < 0)
        .group_by(Kpi.code)
    ).all()
    return [
        Problem(
            N_("KPI %(value)s has %(count)s recorded values below zero; keep may_be_negative: true."),
            {"value": code, "count": count},
            path=paths[code],
            value=code,
        )
        for code, count in counts
    ]
