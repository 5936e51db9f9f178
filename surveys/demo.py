"""The demo survey on the demo maturity model: two closed rounds a year apart with a few hundred
synthetic respondents each, spread over units and groups as a real university's would be (some
units below the minimum group size), and one open round the demo staff user can answer."""

import random
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.db import utcnow
from maturity.scoring import question_score
from maturity.units.models import OrgUnit, UnitHeadcount
from surveys.invitations import Invitee, invite, resume_key, token_hash
from surveys.models import SCORED_KINDS, Answer, Invitation, Question, QuestionOption, RespondentGroup, Response, Survey
from surveys.rounds import create_round
from surveys.survey_file import import_survey
from surveys.versions import questions_of

DEMO_SURVEY = Path(__file__).resolve().parent / "data" / "demo_survey.yaml"
ACTOR = Actor.system("demo")
SUGGESTIONS = [
    "Færre systemer å logge inn i.",
    "Mer tid til opplæring i nye verktøy.",
    "Felles maler for digital undervisning.",
    "Bedre oversikt over hvilke data vi har.",
    "Automatisere reiseregninger og timelister.",
]


def load_demo_surveys(session: Session, base_url: str) -> list[str]:
    survey = import_survey(session, DEMO_SURVEY.read_bytes(), ACTOR)
    rng = random.Random(2024)
    # The last two years of the demo strategy (2018–2024), so its latest period has a round and a trend.
    for year, lift in ((2023, 0.0), (2024, 0.35)):
        closed = create_round(
            session,
            survey,
            name_nb=f"Vår {year}",
            name_en=f"Spring {year}",
            period_label=str(year),
            opens_at=datetime(year, 3, 1, 8, tzinfo=UTC),
            closes_at=datetime(year, 4, 1, 8, tzinfo=UTC),
            unit_codes=["OSLOMET"],
            actor=ACTOR,
        )
        _synthetic_responses(session, survey, closed.id, year, lift, rng)  # type: ignore[arg-type]  # flushed
    now = utcnow()
    open_round = create_round(
        session,
        survey,
        name_nb="Høst 2026",
        name_en="Autumn 2026",
        period_label="2026",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=21),
        unit_codes=["OSLOMET"],
        actor=ACTOR,
    )
    [(_, staff_token), (_, leader_token)] = invite(
        session,
        open_round,
        [Invitee("ansatt@demo.oslomet.no", "TKD-IT-AI", "academic"), Invitee("leder@demo.oslomet.no", "TKD", "leader")],
        actor=ACTOR,
    )
    return [
        f"Open survey round, personal link of the staff user:  {base_url}/s/{staff_token}",
        f"Open survey round, personal link of the leader:      {base_url}/s/{leader_token}",
    ]


def _synthetic_responses(
    session: Session, survey: Survey, round_id: int, year: int, lift: float, rng: random.Random
) -> None:
    """Responses written in bulk (they are data, not answers given through the app)."""
    questions = questions_of(session, survey)
    options = {
        q.id: [
            o.code
            for o in session.execute(select(QuestionOption).where(col(QuestionOption.question_id) == q.id)).scalars()
        ]
        for q in questions
        if q.kind in ("single", "multi")
    }
    groups = {g.code: g.id for g in session.execute(select(RespondentGroup)).scalars()}
    units = [
        u for u in session.execute(select(OrgUnit).order_by(col(OrgUnit.code))).scalars() if u.parent_id is not None
    ]
    headcount = {
        h.unit_id: h.headcount
        for h in session.execute(select(UnitHeadcount).where(col(UnitHeadcount.period) == str(year))).scalars()
    }
    submitted = datetime(year, 3, 20, 12, tzinfo=UTC)
    responses: list[tuple[OrgUnit, str, dict[int | None, float]]] = []
    people: list[tuple[str, str, str]] = []
    for unit in units:
        unit_rng = random.Random(f"{unit.code}")  # a unit's maturity is the same across rounds
        base: dict[int | None, float] = {
            q.dimension_id: unit_rng.uniform(1.8, 3.5) for q in questions if q.dimension_id
        }
        admin_unit = unit.code.startswith("FA")
        for _ in range(round(headcount.get(unit.id, 0) * rng.uniform(0.15, 0.45))):
            group = rng.choices(["academic", "technical-admin", "leader"], [5, 90, 5] if admin_unit else [62, 30, 8])[0]
            responses.append((unit, group, base))
            people.append((f"person{len(people)}.{year}@demo.oslomet.no", unit.code, group))
    rng.shuffle(people)  # invitations in another order than responses: no join through ids either
    session.execute(
        insert(Invitation),
        [
            {
                "round_id": round_id,
                "token_hash": token_hash(secrets.token_urlsafe(16)),
                "email": email,
                "unit_id": next(u.id for u in units if u.code == code),
                "group_id": groups.get(group),
                "used": True,
                "created_at": submitted - timedelta(days=20),
            }
            for email, code, group in people
        ],
    )
    ids = (
        session.execute(
            insert(Response).returning(col(Response.id), sort_by_parameter_order=True),
            [
                {
                    "round_id": round_id,
                    "unit_id": unit.id,
                    "group_id": groups.get(group),
                    "status": "submitted",
                    "resume_hash": resume_key(secrets.token_hex(16), secrets.token_hex(16)),
                    "started_at": submitted - timedelta(minutes=rng.randint(15, 60 * 24 * 10)),
                    "updated_at": submitted,
                    "submitted_at": submitted,
                }
                for unit, group, _ in responses
            ],
        )
        .scalars()
        .all()
    )
    answers = []
    for response_id, (_, group, base) in zip(ids, responses, strict=True):
        for q in questions:
            answers.append(_answer(q, response_id, group, base, lift, options.get(q.id, []), rng, submitted))
    session.execute(insert(Answer), [a for a in answers if a is not None])


def _answer(
    q: Question,
    response_id: int,
    group: str,
    base: dict[int | None, float],
    lift: float,
    options: list[str],
    rng: random.Random,
    at: datetime,
) -> dict[str, object] | None:
    row: dict[str, object] = {
        "response_id": response_id,
        "question_id": q.id,
        "updated_at": at,
        "not_applicable": False,
    }
    if q.kind in SCORED_KINDS:
        if rng.random() < 0.05:
            return {**row, "not_applicable": True}
        centre = base[q.dimension_id] + lift + (0.3 if q.kind == "likert" else 0) + (0.2 if group == "leader" else 0)
        value = float(min(5, max(1, round(rng.gauss(centre, 0.85)))))
        if q.reverse:
            value = 6 - value  # agreeing with a negative statement goes with low maturity
        return {**row, "number": value, "score": question_score(q.kind, value, reverse=q.reverse)}
    if q.kind == "single":
        return {**row, "option": group if group in options else options[0]}
    if q.kind == "multi":
        return {**row, "options": sorted(rng.sample(options, rng.randint(2, min(5, len(options)))))}
    if q.kind == "number":
        return {**row, "number": float(max(0, min(60, round(rng.gauss(6, 3)))))}
    if rng.random() < 0.15:
        return {**row, "text": rng.choice(SUGGESTIONS)}
    return None
