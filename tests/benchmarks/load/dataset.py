"""The load test's data: a fresh PostgreSQL database, migrated, with the demo organisation, the
demo maturity survey, one open round and enough personal links; and the plan the simulated
respondents read (their tokens and, per question, values the server accepts)."""

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from indicators.demo import DEMO_STRATEGY
from indicators.strategy_file import import_strategy
from maturity.audit.services import Actor
from maturity.db import Database, utcnow
from maturity.demo import load_demo
from maturity.units.models import OrgUnit
from surveys.demo import DEMO_SURVEY
from surveys.invitations import Invitee, invite
from surveys.models import Question, QuestionOption
from surveys.rounds import create_round
from surveys.survey_file import import_survey
from surveys.versions import questions_of, sections_of

ACTOR = Actor.system("load-test")
GROUPS = ["academic", "technical-admin", "leader"]
TEXTS = ["Færre systemer å logge inn i.", "Mer opplæring <b>nå</b> & senere", "ok", "Tid til å lære «nye» verktøy."]


@dataclass(frozen=True, slots=True)
class Plan:
    """What one load run's respondents need: their links and the answers they may give."""

    tokens: list[str]
    questions: dict[str, list[list[str]]]  # question code → possible form values (each a list)
    pages: int

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps({"tokens": self.tokens, "questions": self.questions, "pages": self.pages}))
        return path


def build(database_url: str, invitations: int) -> tuple[list[str], dict[str, list[list[str]]], int]:
    """Demo units, strategy and survey, an open round for the whole institution, and
    ``invitations`` personal links spread over the units; returns the tokens, the values to
    answer with and the number of pages."""
    db = Database.from_url(database_url, pool_size=1)
    try:
        with db.transaction() as session:
            load_demo(session)
            import_strategy(session, DEMO_STRATEGY.read_bytes(), ACTOR)
            survey = import_survey(session, DEMO_SURVEY.read_bytes(), ACTOR)
            now = utcnow()
            survey_round = create_round(
                session,
                survey,
                name_nb="Lasttest",
                name_en="Load test",
                period_label="2026",
                opens_at=now - timedelta(days=1),
                closes_at=now + timedelta(days=7),
                unit_codes=["OSLOMET"],
                actor=ACTOR,
            )
            units = [
                code
                for (code,) in session.execute(select(OrgUnit.code).where(col(OrgUnit.parent_id).is_not(None))).all()
            ]
            invitees = [
                Invitee(f"person{n}.{secrets.token_hex(3)}@load.example.org", units[n % len(units)], GROUPS[n % 3])
                for n in range(invitations)
            ]
            tokens = [token for _, token in invite(session, survey_round, invitees, actor=ACTOR)]
            questions = {q.code: _values(session, q) for q in questions_of(session, survey)}
            pages = len(sections_of(session, survey))
        return tokens, questions, pages
    finally:
        db.dispose()


def _values(session: Session, question: Question) -> list[list[str]]:
    """Form values a respondent may send for the question; every one is valid."""
    na = [["na"]] if question.allow_na and question.kind != "multi" else []
    if question.kind in ("level", "likert"):
        return [[str(n)] for n in range(1, 6)] + na
    options = [
        code
        for (code,) in session.execute(
            select(QuestionOption.code).where(col(QuestionOption.question_id) == question.id)
        ).all()
    ]
    if question.kind == "single":
        return [[code] for code in options] + na
    if question.kind == "multi":
        return [[""], ["", options[0]], ["", *options[:2]], ["", *options[-3:]]]
    if question.kind == "number":
        low = question.min_value if question.min_value is not None else 0
        high = question.max_value if question.max_value is not None else 100
        return [[str(v).replace(".", ",")] for v in (low, (low + high) / 2, high, low + 0.5)]
    return [[text] for text in TEXTS] + [[""]]
