"""A small fixed dataset for scores, written straight into the tables (so the arithmetic in the
tests is the only thing that decides the expected values).

Period 2024 of the test strategy (2020–2025), a closed round labelled 2024 with k = 3, one level
question per dimension, no respondent groups:

    unit       own respondents, D1 level → score         D2 level
    DEP-A1     3: 3, 4, 5 → 50, 75, 100 (mean 75)         3, 3, 3
    DEP-A2     4: 2, 3, 3, 4 → 25, 50, 50, 75             3, 3, 3, 3
    SEC-A2X    2: 4, 5 → 75, 100 (mean 87.5: too few)     3, 3
    FAC-B      2: 1, 1 → 0, 0 (too few)                   3, 3
    DEP-B1     5: 3, 3, 4, 4, 4 → 65 (suppressed: FAC-B's total less DEP-B1 would give FAC-B's own two away)

KPI records 2024: KSUM DEP-A1 12, DEP-A2 8, SEC-A2X 5 (counted in DEP-A2's own 8, not again);
KRATIO 2024-S1 DEP-A1 10/50, 2024-S2 DEP-A1 30/60 and DEP-A2 10/40; KINST UNI 1;
KLOW DEP-A1 12, DEP-A2 8 with 2024 headcounts DEP-A1 40, DEP-A2 30, SEC-A2X 4.
"""

from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session

from indicators.models import Kpi, KpiRecord
from maturity.units.models import OrgUnit, UnitHeadcount
from surveys.models import Answer, Question, Response, Survey, SurveyRound

K = 3
D1_LEVELS = {"DEP-A1": [3, 4, 5], "DEP-A2": [2, 3, 3, 4], "SEC-A2X": [4, 5], "FAC-B": [1, 1], "DEP-B1": [3, 3, 4, 4, 4]}


def add_scored_data(session: Session, survey: Survey, *, label: str = "2024", year: int = 2024) -> SurveyRound:
    units = {u.code: u for u in session.execute(select(OrgUnit)).scalars()}
    questions = {q.code: q for q in session.execute(select(Question)).scalars()}
    survey_round = SurveyRound(
        survey_id=survey.id,
        name_nb=f"Runde {label}",
        name_en=f"Round {label}",
        period_label=label,
        opens_at=datetime(year, 3, 1, tzinfo=UTC),
        closes_at=datetime(year, 4, 1, tzinfo=UTC),
        min_group_size=K,
    )
    session.add(survey_round)
    session.flush()
    when = datetime(year, 3, 10, tzinfo=UTC)
    number = 0
    for code, levels in D1_LEVELS.items():
        for level in levels:
            number += 1
            response = Response(
                round_id=survey_round.id,
                unit_id=units[code].id,
                status="submitted",
                resume_hash=f"{label}-{number}".rjust(64, "0"),
                started_at=when,
                updated_at=when,
                submitted_at=when,
            )
            session.add(response)
            session.flush()
            for question, value in (("D1-L", level), ("D2-L", 3)):
                session.add(
                    Answer(
                        response_id=response.id,
                        question_id=questions[question].id,
                        number=float(value),
                        score=(value - 1) * 25.0,
                    )
                )
    for code, headcount in (("DEP-A1", 40), ("DEP-A2", 30), ("SEC-A2X", 4)):
        session.add(UnitHeadcount(unit_id=units[code].id, period=str(year), headcount=headcount))
    kpis = {k.code: k for k in session.execute(select(Kpi)).scalars()}
    records = [
        ("KSUM", "DEP-A1", f"{year}", 12, None, None),
        ("KSUM", "DEP-A2", f"{year}", 8, None, None),
        ("KSUM", "SEC-A2X", f"{year}", 5, None, None),
        ("KRATIO", "DEP-A1", f"{year}-S1", 20, 10, 50),
        ("KRATIO", "DEP-A1", f"{year}-S2", 50, 30, 60),
        ("KRATIO", "DEP-A2", f"{year}-S2", 25, 10, 40),
        ("KINST", "UNI", f"{year}", 1, None, None),
        ("KLOW", "DEP-A1", f"{year}", 12, None, None),
        ("KLOW", "DEP-A2", f"{year}", 8, None, None),
    ]
    for kpi, unit, period, value, numerator, denominator in records:
        session.add(
            KpiRecord(
                kpi_id=kpis[kpi].id,
                unit_id=units[unit].id,
                period=period,
                value=float(value),
                numerator=numerator,
                denominator=denominator,
                source=f"source of {kpi} {unit}",
                recorded_at=datetime(year + 1, 1, 15, tzinfo=UTC),
            )
        )
    session.commit()
    return survey_round
