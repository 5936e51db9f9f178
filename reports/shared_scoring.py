"""What every report of a batch reads the same way, scored once per worker instead of per report.

A report's scorecard needs the whole period scored (``indicators.scores.score_period``: the
strategy tree, the KPI roll-ups of the period and the one before, both survey rounds disclosed)
and the KPI roll-ups of the earlier periods for its trend charts. None of that depends on the
unit, so a batch worker keeps one ``SharedScoring`` for the round it serves (a fresh pool, so a
fresh one, every round) and every report of the round takes its unit's part. The figures are
the same as a report built alone computes (every unit's scores are composed independently, and
a roll-up's value for a key does not depend on which other keys were asked for), so the
snapshot is too. It is valid for one round only: a change to the data after it was made is seen
by the next round or batch.

``KeptScoring`` is the same for a single report in the app process (the PDF on demand): the
period's scores and series come from the app's ``ScoreCache``, kept until a write changes what
they are made from, so a download after the dashboard (or another report) was seen scores
nothing.
"""

from dataclasses import dataclass, field

from sqlmodel import Session

from indicators.kpi_series import SERIES_LENGTH, series_periods
from indicators.rollup import kpi_rollups
from indicators.score_cache import InputsKey, ScoreCache
from indicators.scores import PeriodScores, kpi_periods, score_period
from maturity.periods import Period

__all__ = ["SERIES_LENGTH", "KeptScoring", "SeriesValues", "SharedScoring", "series_periods"]

SeriesValues = dict[tuple[int, int], dict[str, float]]  # (KPI id, unit id) → period → value


@dataclass
class SharedScoring:
    """The period's scores of every unit and the KPI roll-ups for the trend series, by
    (strategy, period), made on first use."""

    scores: dict[tuple[int, str], PeriodScores] = field(default_factory=dict)
    series: dict[tuple[int, str], SeriesValues] = field(default_factory=dict)

    def period_scores(self, session: Session, strategy_id: int, period: str) -> PeriodScores:
        key = (strategy_id, period)
        if key not in self.scores:
            self.scores[key] = score_period(session, strategy_id, period)
        return self.scores[key]

    def series_values(self, session: Session, scores: PeriodScores) -> SeriesValues:
        key = (scores.strategy.id or 0, scores.period)
        if key not in self.series:
            self.series[key] = every_series_value(session, scores)
        return self.series[key]


class KeptScoring(SharedScoring):
    """``SharedScoring`` whose scores and series are kept in the app's ``ScoreCache`` under the
    inputs read when the report first asks (computed anew after any write to them)."""

    def __init__(self, cache: ScoreCache) -> None:
        super().__init__()
        self.cache = cache
        self._inputs: list[InputsKey | None] = []  # read once, on first use

    def inputs(self, session: Session) -> InputsKey | None:
        if not self._inputs:
            self._inputs.append(self.cache.inputs(session))
        return self._inputs[0]

    def period_scores(self, session: Session, strategy_id: int, period: str) -> PeriodScores:
        return self.cache.period_scores(session, strategy_id, period, self.inputs(session))

    def series_values(self, session: Session, scores: PeriodScores) -> SeriesValues:
        key = ("report-series", scores.strategy.id or 0, scores.period)
        return self.cache.kept(session, key, lambda own: every_series_value(own, scores), self.inputs(session))


def every_series_value(session: Session, scores: PeriodScores) -> SeriesValues:
    """Every KPI's rolled-up values over every period a report's series of it may show (the
    series ends with one of the KPI's periods inside the period read); one statement, and only
    the values kept, so the worker holds a few MB rather than every roll-up."""
    when = Period.parse(scores.period)
    kpi_ids = [node.kpi.id for node in scores.tree.kpis() if node.kpi.id is not None]
    frequencies = {node.kpi.frequency for node in scores.tree.kpis()}
    periods = {
        label
        for frequency in frequencies
        for last in kpi_periods(when, frequency)
        for label in series_periods(Period.parse(last))
    }
    rollups = kpi_rollups(session, periods=sorted(periods), kpi_ids=kpi_ids) if kpi_ids else {}
    values: SeriesValues = {}
    for (kpi_id, unit_id, label), rollup in rollups.items():
        if rollup.value is not None:
            values.setdefault((kpi_id, unit_id), {})[label] = rollup.value
    return values
