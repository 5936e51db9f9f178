"""Benchmark: rescoring a large synthetic organisation, next to the bare SQL aggregate alone.

200 units (depth 4), a round with 20 000 submitted respondents × 40 questions (8 dimensions of
one level and four Likert questions; about 5 % "not applicable"), 40 KPIs (sum, ratio, mean,
institution only) × 5 years of records for every unit, headcounts for every unit and year.

``rescore(session, strategy, period)`` is what is timed as "full": ``score_period`` for every
unit — the strategy tree, KPI roll-ups of the period and the one before, the round's survey
figures with their disclosure decision, and the composition into KPI, survey-measure, indicator
and goal scores with pace and trends. "Bare" is the survey GROUP BY statement alone, executed and
fetched: the floor any rescoring pays. The
issue's goal: full ≤ 2 s and ≤ 2 × bare. Figures are printed (``make bench``, and with
``MATURITY_TEST_BACKEND=postgresql``); the assertions check only that the work was done.

The data goes in with executemany of plain INSERTs (no COPY), and the planner statistics are
refreshed (ANALYZE) as a production database's would be.
"""

import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, text
from sqlmodel import Session

from indicators.models import Goal, Kpi, KpiRecord, KpiTarget, Strategy, SuccessIndicator, SurveyMeasure
from indicators.rollup import kpi_rollups, rollup_statement
from indicators.scores import PeriodScores, score_period
from maturity.db import without_jit
from maturity.maturity_model.models import Dimension, MaturityModel
from maturity.units.models import OrgUnit, UnitHeadcount
from surveys.aggregates import dimension_statement, round_aggregates
from surveys.models import Answer, Question, RespondentGroup, Response, Survey, SurveyRound, SurveySection
from tests.conftest import BACKEND

UNITS = 200  # 1 institution, 5 faculties, 30 departments, 164 sections
RESPONDENTS = 20_000
DIMENSIONS = 8
QUESTIONS_PER_DIMENSION = 5  # one level, four Likert: 40 in all
KPIS = 40
YEARS = range(2021, 2026)
AGGREGATIONS = ("sum", "ratio", "mean", "institution_only")
REPEAT = 5
BATCH = 20_000


def rescore(session: Session, strategy_id: int, period: str) -> PeriodScores:
    """Every unit's scores for the period: the whole composition, disclosure included."""
    return score_period(session, strategy_id, period, today=date(2026, 1, 31))


def _insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[start : start + BATCH])


def _units(session: Session) -> list[int]:
    """Ids 1…200: UNI; faculties 2–6; six departments each (7–36); the rest sections under them."""
    rows = [{"id": 1, "code": "U", "name_nb": "U", "name_en": "U", "kind": "institution", "parent_id": None}]
    faculties = list(range(2, 7))
    departments = list(range(7, 37))
    for unit_id in faculties:
        rows.append({"id": unit_id, "parent_id": 1, "kind": "faculty"})
    for n, unit_id in enumerate(departments):
        rows.append({"id": unit_id, "parent_id": faculties[n // 6], "kind": "department"})
    for n, unit_id in enumerate(range(37, UNITS + 1)):
        rows.append({"id": unit_id, "parent_id": departments[n % len(departments)], "kind": "section"})
    for row in rows[1:]:
        row.update(code=f"U{row['id']}", name_nb=f"Enhet {row['id']}", name_en=f"Unit {row['id']}")
    _insert(session, OrgUnit, rows)
    heads = [
        {"unit_id": row["id"], "period": str(year), "headcount": 10 + row["id"] % 40} for row in rows for year in YEARS
    ]
    _insert(session, UnitHeadcount, heads)
    return [row["id"] for row in rows]


def _survey(session: Session) -> tuple[SurveyRound, list[tuple[int, str]], list[int]]:
    model = MaturityModel(code="bench", name_nb="Modell", name_en="Model")
    session.add(model)
    session.flush()
    survey = Survey(code="bench", title_nb="Undersøkelse", title_en="Survey", maturity_model_id=model.id)
    session.add(survey)
    groups = [RespondentGroup(code=f"g{n}", name_nb=f"Gruppe {n}", name_en=f"Group {n}", position=n) for n in range(3)]
    session.add_all(groups)
    session.flush()
    questions: list[tuple[int, str]] = []
    for d in range(DIMENSIONS):
        dimension = Dimension(model_id=model.id, code=f"D{d}", name_nb=f"D{d}", name_en=f"D{d}", position=d)
        session.add(dimension)
        session.flush()
        section = SurveySection(survey_id=survey.id, dimension_id=dimension.id, position=d)
        session.add(section)
        session.flush()
        for q in range(QUESTIONS_PER_DIMENSION):
            kind = "level" if q == 0 else "likert"
            question = Question(
                survey_id=survey.id,
                section_id=section.id,
                code=f"D{d}Q{q}",
                kind=kind,
                text_nb="?",
                text_en="?",
                dimension_id=dimension.id,
                position=q,
            )
            session.add(question)
            session.flush()
            assert question.id is not None
            questions.append((question.id, kind))
    opens = datetime(2025, 3, 1, tzinfo=UTC)
    survey_round = SurveyRound(
        survey_id=survey.id,
        name_nb="Runde",
        name_en="Round",
        period_label="2025",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
    )
    session.add(survey_round)
    session.flush()
    return survey_round, questions, [g.id for g in groups if g.id is not None]


def _responses(
    session: Session, survey_round: SurveyRound, questions: list[tuple[int, str]], groups: list[int]
) -> None:
    rng = random.Random(5)
    now = datetime(2025, 3, 10, tzinfo=UTC)
    responses = [
        {
            "id": n,
            "round_id": survey_round.id,
            "unit_id": rng.randint(2, UNITS),
            "group_id": rng.choice(groups),
            "status": "submitted",
            "resume_hash": f"{n:064x}",
            "started_at": now,
            "updated_at": now,
            "submitted_at": now,
        }
        for n in range(1, RESPONDENTS + 1)
    ]
    _insert(session, Response, responses)
    answers: list[dict[str, Any]] = []
    for response in range(1, RESPONDENTS + 1):
        for question_id, _kind in questions:
            value = rng.randint(1, 5)
            not_applicable = rng.random() < 0.05
            answers.append(
                {
                    "response_id": response,
                    "question_id": question_id,
                    "not_applicable": not_applicable,
                    "number": None if not_applicable else float(value),
                    "score": None if not_applicable else (value - 1) * 25.0,
                    "updated_at": now,
                }
            )
        if len(answers) >= BATCH:
            _insert(session, Answer, answers)
            answers = []
    _insert(session, Answer, answers)


def _kpis(session: Session, units: list[int], model_id: int) -> int:
    strategy = Strategy(
        code="bench",
        title_nb="S",
        title_en="S",
        period_start=date(2021, 1, 1),
        period_end=date(2030, 12, 31),
        maturity_model_id=model_id,
    )
    session.add(strategy)
    session.flush()
    goal = Goal(strategy_id=strategy.id, code="G", title_nb="G", title_en="G")
    session.add(goal)
    session.flush()
    indicators = [SuccessIndicator(goal_id=goal.id, code=f"I{n}", title_nb="I", title_en="I") for n in range(4)]
    session.add_all(indicators)
    session.flush()
    kpis = [
        Kpi(
            indicator_id=indicators[n % 4].id,
            code=f"K{n}",
            name_nb=f"K{n}",
            name_en=f"K{n}",
            aggregation=AGGREGATIONS[n % 4],
        )
        for n in range(KPIS)
    ]
    session.add_all(kpis)
    session.flush()
    for kpi in kpis:
        session.add(KpiTarget(kpi_id=kpi.id, kind="baseline", valid_from=date(2021, 1, 1), value=10.0))
        session.add(KpiTarget(kpi_id=kpi.id, kind="target", valid_from=date(2021, 1, 1), value=90.0))
    dimensions = session.execute(select(Dimension.id).where(Dimension.model_id == model_id)).scalars().all()
    for n, dimension_id in enumerate(dimensions):
        session.add(SurveyMeasure(indicator_id=indicators[n % 4].id, dimension_id=dimension_id, baseline=30, target=80))
    recorded = datetime(2026, 1, 15, tzinfo=UTC)
    records = []
    for kpi in kpis:
        for unit in units:
            for year in YEARS:
                ratio = kpi.aggregation == "ratio"
                numerator, denominator = (float(unit % 7 + 1), float(unit % 7 + 10)) if ratio else (None, None)
                value = 100 * numerator / denominator if numerator and denominator else float((unit * year) % 97)
                records.append(
                    {
                        "kpi_id": kpi.id,
                        "unit_id": unit,
                        "period": str(year),
                        "value": value,
                        "numerator": numerator,
                        "denominator": denominator,
                        "recorded_at": recorded,
                    }
                )
    _insert(session, KpiRecord, records)
    assert strategy.id is not None
    return strategy.id


@pytest.fixture
def organisation(session: Session) -> tuple[SurveyRound, int]:
    started = time.perf_counter()
    units = _units(session)
    survey_round, questions, groups = _survey(session)
    _responses(session, survey_round, questions, groups)
    strategy_id = _kpis(session, units, session.get_one(Survey, survey_round.survey_id).maturity_model_id or 0)
    session.commit()
    session.execute(text("ANALYZE"))
    session.commit()
    print(f"\n[{BACKEND}] synthetic data inserted in {time.perf_counter() - started:.1f} s")
    return survey_round, strategy_id


class CpuClock:
    """CPU seconds spent on the work itself, which a shared machine does not inflate the way it
    inflates wall time: this process's for SQLite; for PostgreSQL on this host, the server
    process's (read from /proc), measured with parallel workers off so that one process does it all."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.backend_pid: int | None = None
        if BACKEND == "postgresql":
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            self.backend_pid = pid if os.path.exists(f"/proc/{pid}/stat") else None

    @property
    def available(self) -> bool:
        return BACKEND != "postgresql" or self.backend_pid is not None

    def serial(self) -> None:
        without_jit(self.session)
        if BACKEND == "postgresql":
            self.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))

    def now(self) -> float:
        if self.backend_pid is None:
            return time.process_time()
        fields = Path(f"/proc/{self.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed(work: Callable[[], Any]) -> tuple[Any, list[float]]:
    """``work``'s result and its wall times over REPEAT runs (after one warm-up run)."""
    result = work()
    seconds = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - started)
    return result, seconds


def cpu_timed(clock: CpuClock, work: Callable[[], Any]) -> float:
    """The least CPU time ``work`` took in REPEAT runs (in one transaction, parallelism off)."""
    clock.serial()
    times = []
    for _ in range(REPEAT):
        started = clock.now()
        work()
        times.append(clock.now() - started)
    clock.session.rollback()
    return min(times)


def report(label: str, seconds: list[float], cpu: float | None) -> float:
    median = statistics.median(seconds)
    cpu_text = f"   cpu {cpu * 1000:6.0f} ms" if cpu is not None else ""
    print(f"[{BACKEND}] {label:<36} wall median {median * 1000:6.0f} ms   min {min(seconds) * 1000:6.0f} ms{cpu_text}")
    return median


def test_rescoring_against_the_bare_aggregate(session: Session, organisation: tuple[SurveyRound, int]) -> None:
    survey_round, strategy_id = organisation
    assert survey_round.id is not None
    round_id = survey_round.id
    without_jit(session)  # the bare statements run as the functions run them (see maturity.db)

    works: dict[str, Callable[[], Any]] = {
        "bare": lambda: session.execute(dimension_statement(round_id)).all(),
        "kpi_bare": lambda: session.execute(rollup_statement(["2025", "2024"])).all(),
        "survey": lambda: round_aggregates(session, survey_round),
        "kpi": lambda: kpi_rollups(session, periods=["2025", "2024"]),
        "full": lambda: rescore(session, strategy_id, "2025"),
    }
    results, wall = {}, {}
    for name, work in works.items():
        results[name], wall[name] = timed(work)
    clock = CpuClock(session)
    cpu: dict[str, float | None] = dict.fromkeys(works)
    if clock.available:
        cpu = {name: cpu_timed(clock, work) for name, work in works.items()}

    print(f"\n[{BACKEND}] load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    labels = {
        "bare": "bare survey GROUP BY, fetched",
        "kpi_bare": "bare KPI roll-up statement, fetched",
        "survey": "round_aggregates()",
        "kpi": "kpi_rollups() (2 years)",
        "full": "rescore() = score_period()",
    }
    median = {name: report(label, wall[name], cpu[name]) for name, label in labels.items()}
    ratio = f"wall {median['full'] / median['bare']:.2f}×"
    full_cpu, bare_cpu = cpu["full"], cpu["bare"]
    if full_cpu is not None and bare_cpu:
        ratio += f", cpu {full_cpu / bare_cpu:.2f}×"
    print(f"[{BACKEND}] rescore / bare survey aggregate: {ratio}  (goal ≤ 2 s and ≤ 2×)")

    rows, survey, kpi_rows, rollups = results["bare"], results["survey"], results["kpi_bare"], results["kpi"]
    assert len(rows) == len(survey.dimensions_by_group)
    assert survey.submitted[1] == RESPONDENTS
    assert survey.overall(1).n == RESPONDENTS
    assert len(kpi_rows) == len(rollups)
    # every unit has records: each is its own value; institution-only KPIs only at the root
    assert len(rollups) == 2 * (KPIS // 4 * 3 * UNITS + KPIS // 4)
    scores = results["full"]
    assert len(scores.units) == UNITS
    root = scores.unit(1)
    assert root.goals[0].combined.score is not None
    assert all(s.figure.shown for s in root.indicators()[0].surveys)
