"""The demo strategy (OsloMet's digital strategy 2018–2024 with KPIs and the sector maturity
model) and several years of plausible KPI records for every demo unit.

Values drift from each KPI's baseline towards its target, each unit's share follows its
headcount, some periods are missing, and one value was corrected — so history and gaps show.
"""

import random
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.demo_successor import load_successor_records, unit_shares
from indicators.models import Aggregation, Direction, ScoringMode, TargetKind
from indicators.recording import record_values
from indicators.records import RecordInput, check_records
from indicators.risk_comments import at_risk_without_comment
from indicators.strategy_file import import_strategy
from indicators.strategy_tree import KpiNode, StrategyTree, find_strategy, load_strategy_tree
from maturity.audit.services import Actor
from maturity.periods import Frequency, Period
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope

DEMO_STRATEGY = Path(__file__).resolve().parent / "data" / "demo_strategy.yaml"
SUCCESSOR_STRATEGY = Path(__file__).resolve().parent / "data" / "demo_strategy_2025.yaml"
# The demo institution is Norwegian, so its systems carry the names its staff would type; a
# record's source is shown as its author wrote it, in either language of a report.
DEMO_SOURCE = {
    Aggregation.SUM: "DBH og interne registre",
    Aggregation.RATIO: "FS, Canvas og HR-data",
    Aggregation.MEAN: "Medarbeiderundersøkelsen",
    Aggregation.INSTITUTION_ONLY: "IT-avdelingen",
}
FIRST_YEAR = 2018
# A few KPIs started later than the strategy; their series begin here.
STARTED = {"K22": 2022}
DEMO_RISK_COMMENT = "Forsinket oppstart: tiltakene kom i gang senere enn planlagt."


def load_demo_strategy(session: Session, base_url: str) -> None:
    """The successor first (the concluded strategy names it), with the concluded one's maturity model."""
    text = DEMO_STRATEGY.read_text(encoding="utf-8")
    model = text[text.index("\nmaturity_model:") :]
    import_strategy(session, (SUCCESSOR_STRATEGY.read_text(encoding="utf-8") + model).encode(), Actor.system("demo"))
    import_strategy(session, text.encode(), Actor.system("demo"))
    for code, load in (("oslomet-digital-2018", load_demo_records), ("oslomet-digital-2025", load_successor_records)):
        strategy = find_strategy(session, code)
        assert strategy is not None
        assert strategy.id is not None
        load(session, load_strategy_tree(session, strategy.id), today=date.today())


def periods_until(frequency: Frequency, first_year: int, today: date) -> list[Period]:
    """Every period of the frequency from ``first_year`` whose end has passed."""
    period = Period(first_year, frequency, 1)
    out = []
    while period.end < today:
        out.append(period)
        period = period.next()
    return out


def load_demo_records(session: Session, tree: StrategyTree, *, today: date) -> None:
    rng = random.Random(2018)  # the same demo every time
    units = list(session.execute(select(OrgUnit).order_by(col(OrgUnit.code))).scalars())
    root = next(u for u in units if u.parent_id is None)
    by_id = {u.id: u for u in units}
    shares = {
        year: {u: w for u, w in unit_shares(session, units, year).items() if u != root.id}
        for year in range(FIRST_YEAR, today.year + 1)
    }
    start, end = tree.strategy.period_start, tree.strategy.period_end
    items: list[RecordInput] = []
    for node in tree.kpis():
        kpi = node.kpi
        pace = rng.uniform(0.55, 1.1)  # how well this KPI has gone
        for period in periods_until(Frequency(kpi.frequency), STARTED.get(kpi.code, FIRST_YEAR), today):
            elapsed = min(1.0, max(0.0, (period.end - start).days / (end - start).days))
            if kpi.aggregation == Aggregation.INSTITUTION_ONLY:
                items.append(_demo_item(rng, node, root, period, elapsed * pace, 1.0))
                continue
            for unit_id, share in shares[period.year].items():
                if rng.random() < 0.06:
                    continue  # a gap: this value was never reported
                items.append(_demo_item(rng, node, by_id[unit_id], period, elapsed * pace, share))
    checked = check_records(session, items, UnitScope(everything=True, roots=frozenset()))
    # A value at risk carries the comment its strategy asks for, as a leader would have written it.
    # (Those of the last two years: the earlier ones were recorded before it asked.)
    recent = [r for r in checked if int(r.period[:4]) >= today.year - 2]
    risky = {(r.kpi.code, r.unit.code, r.period) for r in at_risk_without_comment(session, recent, today)}
    checked = [
        replace(r, note=DEMO_RISK_COMMENT) if (r.kpi.code, r.unit.code, r.period) in risky else r for r in checked
    ]
    actor = Actor.system("demo: imported from institutional systems")
    record_values(session, checked, actor, via="demo", require_comments=False)  # commented just above
    _demo_correction(session)


def _demo_item(
    rng: random.Random, node: KpiNode, unit: OrgUnit, period: Period, progress: float, share: float
) -> RecordInput:
    kpi = node.kpi
    baseline = node.valid(TargetKind.BASELINE, period.end) or node.valid(TargetKind.BASELINE, date.max)
    target = node.valid(TargetKind.TARGET, period.end) or node.valid(TargetKind.TARGET, date.max)
    b = baseline.value if baseline and baseline.value is not None else 0.0
    source = DEMO_SOURCE[Aggregation(kpi.aggregation)]
    if kpi.scoring == ScoringMode.BINARY:
        return RecordInput(kpi.code, unit.code, str(period), value=1.0 if progress > 0.6 else 0.0, source=source)
    if kpi.scoring == ScoringMode.MAINTAIN:
        assert target is not None
        lower = target.lower if target.lower is not None else 0.0
        value = round(min(100.0, lower + rng.uniform(-0.6, 0.45)), 2)
        return RecordInput(kpi.code, unit.code, str(period), value=value, source=source)
    t = target.value if target and target.value is not None else b
    level = b + (t - b) * progress
    noise = rng.gauss(0, abs(t - b) * 0.08 or 0.5)
    if kpi.aggregation == Aggregation.RATIO:
        denominator = max(5, round(rng.uniform(0.6, 1.4) * 400 * share * 10 + 5))
        percent = min(100.0, max(0.0, level + noise))
        numerator = round(denominator * percent / 100)
        return RecordInput(
            kpi.code, unit.code, str(period), numerator=numerator, denominator=denominator, source=source
        )
    if kpi.aggregation == Aggregation.SUM:
        value = max(0.0, (level + noise) * share * (1 if kpi.frequency == "year" else 0.5))
        return RecordInput(kpi.code, unit.code, str(period), value=round(value, kpi.decimals), source=source)
    low, high = (1.0, 5.0) if t <= 5 else (0.0, 100.0)
    value = min(high, max(low, level + noise * (1.5 if kpi.direction == Direction.LOWER else 1.0)))
    return RecordInput(kpi.code, unit.code, str(period), value=round(value, max(kpi.decimals, 1)), source=source)


def _demo_correction(session: Session) -> None:
    """One value corrected after the fact, so the history view has something to show."""
    items = [
        RecordInput(
            "K02",
            "TKD-IT",
            "2023",
            value=4,
            source="Portfolio register",
            note="Two projects were counted twice; corrected.",
        )
    ]
    checked = check_records(session, items, UnitScope(everything=True, roots=frozenset()))
    record_values(
        session, checked, Actor.system("demo: Siri Strand (strategy office)"), via="form", require_comments=False
    )
