"""The demo surveys: history to report on, and a round the demo users can answer."""

from sqlalchemy import func, select
from sqlmodel import Session, col

from indicators.demo import load_demo_strategy
from maturity.db import utcnow
from maturity.demo import load_demo
from surveys.demo import load_demo_surveys
from surveys.models import Answer, Response, SurveyRound


class TestDemoSurveys:
    def test_closed_rounds_with_respondents_and_one_open_round_with_links(self, session: Session) -> None:
        load_demo(session)
        load_demo_strategy(session, "http://demo")
        notes = load_demo_surveys(session, "http://demo")
        rounds = session.execute(select(SurveyRound).order_by(col(SurveyRound.opens_at))).scalars().all()
        # 2023 and 2024 for the concluded strategy, spring and autumn 2025 for its successor
        assert [(r.period_label, r.status(utcnow())) for r in rounds] == [
            ("2023", "closed"),
            ("2024", "closed"),
            ("2025", "closed"),
            ("2025", "closed"),
            ("2026", "open"),
        ]
        per_round = dict(
            session.execute(select(Response.round_id, func.count()).group_by(Response.round_id)).tuples().all()
        )
        assert all(200 <= per_round[r.id] <= 1000 for r in rounds[:4])
        assert rounds[4].id not in per_round  # nobody has answered the open round yet
        small = session.execute(
            select(func.count()).select_from(
                select(Response.unit_id)
                .where(col(Response.round_id) == rounds[0].id)
                .group_by(Response.unit_id)
                .having(func.count() < rounds[0].min_group_size)
                .subquery()
            )
        ).scalar_one()
        assert small > 0  # some units are below k, so suppression will show
        scores = session.execute(select(func.min(Answer.score), func.max(Answer.score))).one()
        assert (scores[0], scores[1]) == (0, 100)
        assert len(notes) == 2
        assert all("http://demo/s/" in line for line in notes)
