"""Building the report object for a unit and period from what the database holds.

Nothing here scores: baselines, targets and recorded KPI values are copied as they are, and the
scored figures stay empty until the scoring service fills them (see ``reports.content``).
"""

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.models import Aggregation, KpiRecord, TargetKind
from indicators.services import GoalNode, KpiNode, StrategyTree, current_strategy, load_strategy_tree
from maturity import i18n
from maturity.periods import Period
from maturity.units.models import OrgUnit
from maturity.units.services import ancestors
from reports.content import (
    DimensionProfile,
    GoalSection,
    IndicatorSection,
    KpiLine,
    NarrativeText,
    ReportContent,
    SeriesPoint,
    UnitRef,
)
from reports.models import Narrative
from reports.narratives import find_narrative

SERIES_LENGTH = 8  # periods shown in a KPI's trend


def unit_ref(unit: OrgUnit, locale: str) -> UnitRef:
    return UnitRef(code=unit.code, name=unit.name(locale), kind=unit.kind)


def report_title(unit: OrgUnit, period: str, locale: str) -> str:
    return i18n.translate(locale, "Progress report %(period)s: %(unit)s", period=period, unit=unit.name(locale))


def build_content(session: Session, unit: OrgUnit, period: str, locale: str) -> ReportContent:
    """The report object for ``unit`` in ``period`` (a checked period string), in ``locale``."""
    when = Period.parse(period)
    chain = ancestors(session, unit)
    parent = chain[-1] if chain else None
    institution = chain[0] if chain else unit
    strategy = current_strategy(session, today=when.end)
    tree = load_strategy_tree(session, strategy.id) if strategy and strategy.id else None
    records = _records(session, tree, {unit.id, institution.id}, when) if tree else {}
    narrative = find_narrative(session, unit, period)
    goals = tuple(_goal(node, unit, institution, records, when, locale) for node in tree.goals) if tree else ()
    stamps = [k.recorded_at for g in goals for i in g.indicators for k in i.kpis if k.recorded_at]
    if narrative is not None and narrative.text:
        stamps.append(narrative.updated_at)
    return ReportContent(
        unit=unit_ref(unit, locale),
        parent=unit_ref(parent, locale) if parent else None,
        institution=unit_ref(institution, locale),
        period=period,
        language="en" if locale == "en" else "nb",
        title=report_title(unit, period, locale),
        strategy_code=tree.strategy.code if tree else "",
        strategy_title=tree.strategy.tr("title", locale) if tree else "",
        data_as_of=max(stamps) if stamps else None,
        goals=goals,
        profile=_profile(tree, locale),
        narrative=_narrative(narrative),
    )


def _narrative(narrative: Narrative | None) -> NarrativeText | None:
    if narrative is None or not narrative.text:
        return None
    return NarrativeText(
        text=narrative.text,
        author=narrative.author_label.split(" <")[0],
        updated_at=narrative.updated_at,
        revision=narrative.revision,
    )


def _profile(tree: StrategyTree | None, locale: str) -> tuple[DimensionProfile, ...]:
    if tree is None or tree.model is None:
        return ()
    return tuple(
        DimensionProfile(code=d.dimension.code, name=d.dimension.tr("name", locale)) for d in tree.model.dimensions
    )


RecordKey = tuple[int, int]  # kpi id, unit id


def _records(
    session: Session, tree: StrategyTree, unit_ids: set[int | None], when: Period
) -> dict[RecordKey, list[tuple[Period, KpiRecord]]]:
    """Each KPI's records for the unit and the institution up to the end of the period, oldest first."""
    kpi_ids = [node.kpi.id for node in tree.kpis()]
    statement = select(KpiRecord).where(col(KpiRecord.kpi_id).in_(kpi_ids), col(KpiRecord.unit_id).in_(unit_ids))
    found: dict[RecordKey, list[tuple[Period, KpiRecord]]] = {}
    for record in session.execute(statement).scalars():
        period = Period.parse(record.period)
        if period.end <= when.end:
            found.setdefault((record.kpi_id, record.unit_id), []).append((period, record))
    for rows in found.values():
        rows.sort(key=lambda row: (row[0].end, row[0].start))
    return found


def _goal(
    node: GoalNode,
    unit: OrgUnit,
    institution: OrgUnit,
    records: dict[RecordKey, list[tuple[Period, KpiRecord]]],
    when: Period,
    locale: str,
) -> GoalSection:
    return GoalSection(
        code=node.goal.code,
        title=node.goal.tr("title", locale),
        description=node.goal.tr("description", locale),
        indicators=tuple(
            IndicatorSection(
                code=indicator.indicator.code,
                title=indicator.indicator.tr("title", locale),
                kpis=tuple(_kpi(k, unit, institution, records, when, locale) for k in indicator.kpis),
            )
            for indicator in node.indicators
        ),
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _kpi(
    node: KpiNode,
    unit: OrgUnit,
    institution: OrgUnit,
    records: dict[RecordKey, list[tuple[Period, KpiRecord]]],
    when: Period,
    locale: str,
) -> KpiLine:
    kpi = node.kpi
    measured = institution if kpi.aggregation == Aggregation.INSTITUTION_ONLY else unit
    assert kpi.id is not None
    assert measured.id is not None
    rows = records.get((kpi.id, measured.id), [])
    current = next((r for p, r in reversed(rows) if p.start >= when.start), None)
    baseline = node.valid(TargetKind.BASELINE, when.end, unit.id)
    target = node.valid(TargetKind.TARGET, when.end, unit.id)
    return KpiLine(
        code=kpi.code,
        name=kpi.tr("name", locale),
        unit_of_measure=kpi.tr("unit", locale),
        decimals=kpi.decimals,
        direction=kpi.direction,
        scoring=kpi.scoring,
        measured_for=measured.name(locale),
        baseline=baseline.value if baseline else None,
        baseline_from=_iso(baseline.valid_from) if baseline else None,
        target=target.value if target else None,
        target_lower=target.lower if target else None,
        target_upper=target.upper if target else None,
        target_from=_iso(target.valid_from) if target else None,
        actual=current.value if current else None,
        actual_period=current.period if current else None,
        source=current.source if current else "",
        note=current.note if current else "",
        recorded_at=current.recorded_at if current else None,
        recorded_by=current.recorded_by_label.split(" <")[0] if current else "",
        series=tuple(SeriesPoint(period=str(p), value=r.value) for p, r in rows[-SERIES_LENGTH:]),
    )
