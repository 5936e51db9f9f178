"""Rounds open and close at their times without anyone clicking: the schedule task, run by the
app's local runner (SQLite) or by worker processes (PostgreSQL), once per period however many
workers run."""

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, text
from sqlmodel import Session, col

from maturity.app import create_app
from maturity.audit.models import AuditEvent
from maturity.db import Database, utcnow
from maturity.settings import Settings
from surveys.models import Survey, SurveyRound
from surveys.rounds import create_round
from surveys.scheduling import keep_rounds_on_schedule, open_round_now
from tests.surveys.conftest import ACTOR
from tests.workers import QUICK_QUEUE, Workers

DEADLINE_SECONDS = 120


def scheduled_round(session: Session, survey: Survey, opens_in: timedelta, lasts: timedelta) -> SurveyRound:
    now = utcnow()
    result = create_round(
        session,
        survey,
        name_nb="Planlagt",
        name_en="Scheduled",
        period_label="2025",
        opens_at=now + opens_in,
        closes_at=now + opens_in + lasts,
        unit_codes=["FAC-A"],
        actor=ACTOR,
    )
    session.commit()
    return result


def events(session: Session, action: str) -> list[AuditEvent]:
    statement = select(AuditEvent).where(
        col(AuditEvent.action) == action, col(AuditEvent.object_type) == "survey_round"
    )
    return list(session.execute(statement).scalars())


class TestKeepRoundsOnSchedule:
    def test_a_round_whose_time_has_come_opens_once_and_freezes_its_version(
        self, session: Session, survey: Survey
    ) -> None:
        survey_round = scheduled_round(session, survey, timedelta(hours=1), timedelta(days=7))
        assert keep_rounds_on_schedule(session, utcnow()).opened == []  # not yet
        later = utcnow() + timedelta(hours=2)
        assert keep_rounds_on_schedule(session, later).opened == [survey_round.id]
        assert keep_rounds_on_schedule(session, later).opened == []  # once
        session.commit()
        session.refresh(survey_round)
        session.refresh(survey)
        assert survey_round.opened_at == survey_round.opens_at
        assert survey.frozen_at == survey_round.opens_at
        [opened] = events(session, "open")
        assert "schedule" in opened.actor_label

    def test_a_round_past_its_closing_time_is_closed_at_that_time(self, session: Session, survey: Survey) -> None:
        survey_round = scheduled_round(session, survey, timedelta(hours=1), timedelta(hours=1))
        later = utcnow() + timedelta(hours=3)
        result = keep_rounds_on_schedule(session, later)
        assert (result.opened, result.closed) == ([survey_round.id], [survey_round.id])
        assert keep_rounds_on_schedule(session, later).closed == []
        session.commit()
        session.refresh(survey_round)
        assert survey_round.closed_at == survey_round.closes_at
        assert len(events(session, "close")) == 1

    def test_a_round_opened_by_hand_is_not_opened_again(self, session: Session, survey: Survey) -> None:
        survey_round = scheduled_round(session, survey, timedelta(hours=1), timedelta(days=7))
        open_round_now(session, survey_round, ACTOR, utcnow())
        assert keep_rounds_on_schedule(session, utcnow() + timedelta(hours=2)).opened == []
        assert len(events(session, "open")) == 1


@pytest.fixture
def quick_settings(tmp_path: Path) -> Settings:
    return Settings(
        mode="test",
        secure_cookies=False,
        secret_key="test-" + "s" * 40,
        report_storage=tmp_path / "reports",
        **QUICK_QUEUE,  # type: ignore[arg-type]  # the ints of the queue's settings
    )


@pytest.fixture
def runner(db: Database, quick_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    """What runs background tasks: two worker processes on PostgreSQL, the app's own runner on SQLite."""
    workers = Workers(db.engine.url.render_as_string(hide_password=False), tmp_path / "reports")
    if db.dialect == "postgresql":
        workers.start(2)
        yield workers
        workers.stop()
        return
    with TestClient(create_app(quick_settings, db=db), base_url="http://testserver.local"):
        yield workers


def test_a_round_scheduled_to_open_opens_and_closes_without_anyone_clicking(
    db: Database, session: Session, survey: Survey, runner: Workers
) -> None:
    survey_round = scheduled_round(session, survey, timedelta(seconds=3), timedelta(seconds=4))
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        session.expire_all()
        current = session.get_one(SurveyRound, survey_round.id)
        if current.opened_at is not None and current.closed_at is not None:
            break
        assert time.monotonic() < deadline, "the round was not opened and closed on schedule"
        time.sleep(0.5)
    assert current.opened_at == current.opens_at
    assert current.closed_at == current.closes_at
    assert len(events(session, "open")) == 1
    assert len(events(session, "close")) == 1


@pytest.mark.postgres_only
def test_a_periodic_task_fires_once_per_period_with_two_workers(db: Database, runner: Workers) -> None:
    if db.dialect != "postgresql":
        pytest.skip("worker processes need PostgreSQL")
    deadline = time.monotonic() + DEADLINE_SECONDS
    query = text(
        "SELECT count(*), count(DISTINCT args->>'timestamp') FROM procrastinate_jobs"
        " WHERE task_name = 'surveys.round_schedule' AND status = 'succeeded'"
    )
    while True:
        with db.engine.connect() as connection:
            runs, periods = connection.execute(query).one()
        if periods >= 5:
            break
        assert time.monotonic() < deadline, "the schedule task did not run"
        time.sleep(0.5)
    assert runs == periods  # one run per period, though two workers defer it
