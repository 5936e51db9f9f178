"""A KPI's values for a unit over its last periods: the data of trend lines (the dashboard's
small multiples, the report's trend column). Values are the roll-up scores use
(``indicators.rollup``): a unit without a record of its own takes its children's."""

from sqlmodel import Session

from indicators.measure_scores import kpi_periods
from indicators.rollup import kpi_rollups
from indicators.scores import KpiScore, PeriodScores
from maturity.periods import Period

SERIES_LENGTH = 5  # periods shown in a KPI's trend (and in the table of its values)
Series = dict[int, tuple[tuple[str, float], ...]]  # KPI id → (period, value), oldest first


def series_periods(last: Period) -> list[str]:
    """The ``SERIES_LENGTH`` periods ending with ``last``, oldest first."""
    chain = [last]
    for _ in range(SERIES_LENGTH - 1):
        chain.append(chain[-1].previous())
    return [str(p) for p in reversed(chain)]


def kpi_series_periods(score: KpiScore, when: Period) -> list[str]:
    """The KPI's periods ending with the one read (else the last inside ``when``), oldest first."""
    inside = kpi_periods(when, score.kpi.frequency)
    if not inside:
        return []
    return series_periods(Period.parse(score.period or inside[0]))


def unit_series(session: Session, scores: PeriodScores, unit_id: int) -> Series:
    """Every KPI of the unit's scores with its values over its series' periods (one statement);
    periods without a value are left out."""
    when = Period.parse(scores.period)
    wanted = {
        score.kpi.id: periods
        for indicator in scores.unit(unit_id).indicators()
        for score in indicator.kpis
        if score.kpi.id is not None and (periods := kpi_series_periods(score, when))
    }
    if not wanted:
        return {}
    every_period = sorted({label for periods in wanted.values() for label in periods})
    rollups = kpi_rollups(session, periods=every_period, kpi_ids=list(wanted), unit_ids=[unit_id])
    out: Series = {}
    for kpi_id, periods in wanted.items():
        points = []
        for label in periods:
            rollup = rollups.get((kpi_id, unit_id, label))
            if rollup is not None and rollup.value is not None:
                points.append((label, rollup.value))
        out[kpi_id] = tuple(points)
    return out
