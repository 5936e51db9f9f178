"""Scores of a period kept in the app process until a write changes what they are made from.

Scoring every unit of a period reads the strategy, the KPI roll-ups and two survey rounds with
their disclosure decision; the dashboard and the overview would pay that on every request. The
cache keeps each result under what it was made from:

- the input version (``maturity.inputs``), which every write to a table scores read changes in
  its own transaction — so the first request after a write computes anew;
- the day (pace is judged on today while a period runs; KPI values fall due by date);
- the survey rounds closed by now: a round closes at its time without any write. A round that
  closed less than ``CLOSING_MARGIN`` ago is not yet trusted (an answer saved just before its
  close may commit just after), so nothing is kept while one has.

A result is computed in a session of its own, which is then closed, so the ORM objects in it
belong to no request's session and are only read afterwards. Several app processes each keep
their own; they never disagree, since each reads the version from the database. Concurrent
requests for one missing key wait for one computation.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, col

from indicators.scores import PeriodScores, score_period
from maturity.db import Database
from maturity.inputs.services import input_version
from surveys.models import SurveyRound

CLOSING_MARGIN = timedelta(minutes=2)
T = TypeVar("T")
InputsKey = tuple[int, str, frozenset[int]]


def inputs_key(session: Session, now: datetime) -> InputsKey | None:
    """What a result depends on besides its own arguments; None when nothing may be kept."""
    version = input_version(session)
    if version is None:
        return None
    closed: set[int] = set()
    for round_id, closes_at, closed_at in session.execute(
        select(col(SurveyRound.id), col(SurveyRound.closes_at), col(SurveyRound.closed_at))
    ).tuples():
        ended = min(closes_at, closed_at) if closed_at is not None else closes_at
        if ended <= now:
            if now - ended < CLOSING_MARGIN:
                return None
            closed.add(round_id)
    return version, now.date().isoformat(), frozenset(closed)


class ScoreCache:
    """Results kept per key and inputs, the ``maxsize`` most recently used."""

    def __init__(self, database: Database, maxsize: int = 64) -> None:
        self.database = database
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}
        self._current: InputsKey | None = None  # the inputs of what is kept
        # An in-memory SQLite database has one connection: a second session would share (and end)
        # the request's transaction, so nothing is kept there.
        self.enabled = not isinstance(database.engine.pool, StaticPool)

    def inputs(self, session: Session, now: datetime | None = None) -> InputsKey | None:
        """The inputs key of this moment; a request that keeps several results reads it once,
        so they are all kept under the inputs the first was read with."""
        return inputs_key(session, now or datetime.now(UTC)) if self.enabled else None

    def period_scores(
        self,
        session: Session,
        strategy_id: int,
        period: str,
        inputs: InputsKey | None,
        *,
        round_id: int | None = None,
        now: datetime | None = None,
    ) -> PeriodScores:
        """``score_period`` for every unit, kept."""
        moment = now or datetime.now(UTC)
        return self.kept(
            session,
            ("scores", strategy_id, period, round_id),
            lambda s: score_period(s, strategy_id, period, now=moment, round_id=round_id),
            inputs,
        )

    def kept(
        self, session: Session, key: tuple[Hashable, ...], compute: Callable[[Session], T], inputs: InputsKey | None
    ) -> T:
        """``compute``'s result for ``key`` under ``inputs`` (``ScoreCache.inputs``): kept, or
        computed in a session of its own and kept if that session saw the same inputs. ``compute``
        must read the database only through the session it is given, and whoever receives the
        result must not change it. Without inputs (nothing may be kept) it runs in ``session``."""
        if inputs is None:
            return compute(session)
        full = (*key, *inputs)
        found = self._get(full)
        if found is not None:
            return found  # type: ignore[return-value]  # stored by this function for this key
        with self._lock:
            computing = self._computing.setdefault(full, threading.Lock())
        with computing:
            found = self._get(full)
            if found is not None:
                return found  # type: ignore[return-value]
            own = self.database.session()
            try:
                seen = inputs_key(own, datetime.now(UTC))
                value = compute(own)
            finally:
                own.close()  # detaches the result's objects without expiring them
            with self._lock:
                if seen == inputs:
                    if inputs != self._current:
                        # A version once replaced never comes back (random, and a rollback only
                        # restores the one before it): results kept under another are garbage.
                        self._entries.clear()
                        self._current = inputs
                    self._entries[full] = value
                    while len(self._entries) > self.maxsize:
                        self._entries.popitem(last=False)
                self._computing.pop(full, None)
        return value

    def _get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
