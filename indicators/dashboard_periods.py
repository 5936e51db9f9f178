"""Which periods and survey rounds the dashboard and the overview offer, and which they show.

Offered: the strategy's years up to the current one, every year with KPI values of the strategy
(in the reader's scope) and every period label of a closed survey round of the strategy's
maturity model, as far as they overlap the strategy's dates — each marked with what it has,
those with data first. The default is ``maturity.periods.default_period`` (the one rule). A
period that is well-formed but has no data gets a clear page, not an error; one outside the
strategy's dates a page (404) that links the periods that exist; a malformed one is a 400 naming
the parameter. When a period has more than one closed round, the reader may choose the round
(the newest by default, as ``indicators.scores.find_round``).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.models import Goal, Kpi, KpiRecord, Strategy, SuccessIndicator
from maturity.errors import N_, Problem
from maturity.periods import Period, default_period, latest_first_key
from maturity.units.services import UnitScope
from surveys.models import Survey, SurveyRound

FIRST_YEAR, LAST_YEAR = 1900, 2999  # periods outside these years name nothing


@dataclass(frozen=True, slots=True)
class PeriodOption:
    label: str
    kpi_values: int  # KPI values of the strategy in the reader's scope for a period inside it
    rounds: tuple[SurveyRound, ...]  # closed survey rounds labelled with it, newest first

    @property
    def has_data(self) -> bool:
        return bool(self.kpi_values or self.rounds)


@dataclass
class PeriodChoice:
    """The options of the form and what was chosen: the period, and the round when there is one."""

    options: list[PeriodOption]
    chosen: PeriodOption
    survey_round: SurveyRound | None
    problems: list[Problem] = field(default_factory=list)  # a bad ``period`` or ``round``: answer 400
    outside: bool = False  # the period asked for lies outside the strategy's dates: answer 404
    strategy: Strategy | None = None  # the strategy whose periods these are

    @property
    def period(self) -> str:
        return self.chosen.label

    @property
    def with_data(self) -> list[PeriodOption]:
        return [o for o in self.options if o.has_data]

    @property
    def without_data(self) -> list[PeriodOption]:
        return [o for o in self.options if not o.has_data]


def parse_period(text: str) -> Period | None:
    """A reporting period within the years that name something, else None."""
    try:
        period = Period.parse(text)
    except ValueError:
        return None
    return period if FIRST_YEAR <= period.year <= LAST_YEAR else None


def _record_periods(session: Session, strategy: Strategy, scope: UnitScope) -> Counter[str]:
    statement = (
        select(col(KpiRecord.period), func.count())
        .join(Kpi, col(Kpi.id) == col(KpiRecord.kpi_id))
        .join(SuccessIndicator, col(SuccessIndicator.id) == col(Kpi.indicator_id))
        .join(Goal, col(Goal.id) == col(SuccessIndicator.goal_id))
        .where(col(Goal.strategy_id) == strategy.id)
        .group_by(col(KpiRecord.period))
    )
    return Counter(dict(session.execute(scope.filter(statement, KpiRecord.unit_id)).tuples().all()))


def _closed_rounds(session: Session, strategy: Strategy, now: datetime) -> dict[str, list[SurveyRound]]:
    """Closed rounds by period label, newest first (of the strategy's maturity model if it has one)."""
    statement = select(SurveyRound).where(col(SurveyRound.period_label) != "")
    if strategy.maturity_model_id is not None:
        statement = statement.join(Survey, col(Survey.id) == col(SurveyRound.survey_id)).where(
            col(Survey.maturity_model_id) == strategy.maturity_model_id
        )
    found: dict[str, list[SurveyRound]] = {}
    for survey_round in session.execute(statement).scalars():
        if survey_round.status(now) == "closed" and parse_period(survey_round.period_label) is not None:
            found.setdefault(survey_round.period_label, []).append(survey_round)
    for rounds in found.values():
        rounds.sort(key=lambda r: (r.opens_at, r.id or 0), reverse=True)
    return found


def _overlap(a: Period, b: Period) -> bool:
    return a.start <= b.end and b.start <= a.end


def _option(label: str, records: Counter[str], rounds: dict[str, list[SurveyRound]]) -> PeriodOption:
    period = Period.parse(label)
    values = sum(n for p, n in records.items() if (q := parse_period(p)) is not None and _overlap(q, period))
    return PeriodOption(label, values, tuple(rounds.get(label, ())))


def period_choice(
    session: Session,
    strategy: Strategy,
    scope: UnitScope,
    period: str | None,
    round_id: int | None,
    now: datetime,
) -> PeriodChoice:
    """The periods to offer and the one chosen (the latest ended period with data by default);
    ``problems`` names a malformed ``period`` or a ``round`` that is no closed round of it."""
    today = now.date()
    records = _record_periods(session, strategy, scope)
    rounds = _closed_rounds(session, strategy, now)
    labels = {str(y) for y in range(strategy.period_start.year, min(strategy.period_end.year, today.year) + 1)}
    labels |= {str(q.year) for p in records if (q := parse_period(p)) is not None}
    labels |= set(rounds)
    labels = {label for label in labels if in_strategy(strategy, Period.parse(label))}
    labels = labels or {str(strategy.period_start.year)}
    options = _latest_first([_option(label, records, rounds) for label in labels])
    problems: list[Problem] = []
    if period:
        parsed = parse_period(period)
        if parsed is None:
            problems.append(
                Problem(
                    N_(
                        "The parameter 'period' must be a reporting period such as 2025, 2025-S1, 2025-Q3 "
                        "or 2025-03, not '%(value)s'."
                    ),
                    {"value": period[:40]},
                    path="period",
                )
            )
            chosen = _default(options, strategy, today)
        elif not in_strategy(strategy, parsed):
            chosen = _option(str(parsed), records, rounds)
            return PeriodChoice(options, chosen, None, outside=True, strategy=strategy)
        else:
            chosen = next((o for o in options if o.label == str(parsed)), None) or _option(str(parsed), records, rounds)
    else:
        chosen = _default(options, strategy, today)
    if chosen.label not in labels:  # a period asked for by address, without data: offered too
        options = _latest_first([*options, chosen])
    survey_round = chosen.rounds[0] if chosen.rounds else None
    if round_id is not None and not problems:
        survey_round = next((r for r in chosen.rounds if r.id == round_id), None)
        if survey_round is None:
            problems.append(
                Problem(
                    N_("The parameter 'round' names no closed survey round of %(period)s."),
                    {"period": chosen.label},
                    path="round",
                )
            )
    return PeriodChoice(options, chosen, survey_round, problems, strategy=strategy)


def in_strategy(strategy: Strategy, period: Period) -> bool:
    """The period overlaps the strategy's dates (it can be offered and asked for)."""
    return period.start <= strategy.period_end and strategy.period_start <= period.end


def _latest_first(options: list[PeriodOption]) -> list[PeriodOption]:
    """Latest first; a year before its parts (2024, then 2024-S2, then 2024-S1)."""
    return sorted(options, key=lambda o: latest_first_key(Period.parse(o.label)), reverse=True)


def _default(options: list[PeriodOption], strategy: Strategy, today: date) -> PeriodOption:
    """The default-period rule (``maturity.periods.default_period``); while no period qualifies
    (a strategy without an ended period with data), its latest period that has begun."""
    with_data = [Period.parse(o.label) for o in options if o.has_data]
    found = default_period(with_data, strategy.period_start, strategy.period_end, today)
    if found is not None:
        return next(o for o in options if o.label == str(found))
    begun = [o for o in options if Period.parse(o.label).start <= today]
    return begun[0] if begun else options[-1]


def default_period_label(session: Session, strategy: Strategy, scope: UnitScope, now: datetime) -> str:
    """The period the dashboard, overview, reports and API open on for this reader."""
    return period_choice(session, strategy, scope, None, None, now).period
