"""Compare what the clients were told was saved with what the database holds.

Per answer (response × question), a respondent's requests are sequential, so:

- an answer with an acknowledged (2xx) save must be stored, with the value of the last
  acknowledged save — or of a later save that got no acknowledgement (the server may have
  committed it and then died, or the connection dropped before the answer arrived);
- an answer with no acknowledged save may be absent, or hold one of the values sent;
- no answer is stored twice, and no answer is stored that no client sent.

The expected columns of a value come from the app's own ``answer_values``, so "equal" means
equal in every stored column (number, option, options, text, not applicable, score).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from maturity.db import Database
from surveys.answering import answer_values
from surveys.invitations import resume_key
from surveys.models import Answer, Question, Response
from tests.benchmarks.load.harness import SECRET_KEY, ClientRecord

COLUMNS = ("not_applicable", "number", "option", "options", "text", "score")


@dataclass
class Tally:
    acknowledged: int = 0  # answers with at least one acknowledged save
    stored: int = 0  # answer rows of this run's respondents
    matching_last_ack: int = 0
    later_unacknowledged: int = 0  # stored value is a save sent after the last ack, never acknowledged
    unacknowledged_only: int = 0  # stored, though no save of that answer was acknowledged
    lost: list[str] = field(default_factory=list)  # acknowledged but missing
    stale: list[str] = field(default_factory=list)  # stored value is neither the last ack nor a later try
    unexplained: list[str] = field(default_factory=list)  # stored, but no client sent that value
    duplicates: int = 0  # rows beyond one per response × question, in the whole table

    @property
    def exact(self) -> bool:
        """Exactly what the clients were told: every stored answer is an acknowledged save's value."""
        return self.sound and self.stored == self.acknowledged == self.matching_last_ack

    @property
    def sound(self) -> bool:
        """Nothing acknowledged is lost or out of date, nothing duplicated or invented."""
        return not (self.lost or self.stale or self.unexplained or self.duplicates)

    def line(self, label: str) -> str:
        return (
            f"{label}: answers acknowledged {self.acknowledged}, stored {self.stored} "
            f"(= last acknowledged value {self.matching_last_ack}, a later unacknowledged save "
            f"{self.later_unacknowledged}, never acknowledged {self.unacknowledged_only}); "
            f"lost {len(self.lost)}, stale {len(self.stale)}, unexplained {len(self.unexplained)}, "
            f"duplicates {self.duplicates}"
        )


def compare(database_url: str, record: ClientRecord) -> Tally:
    db = Database.from_url(database_url, pool_size=1)
    try:
        with db.transaction() as session:
            return _compare(session, record)
    finally:
        db.dispose()


def _compare(session: Session, record: ClientRecord) -> Tally:
    questions = {q.code: q for q in session.execute(select(Question)).scalars()}
    tries: dict[tuple[str, str], list[tuple[list[str], bool]]] = defaultdict(list)
    for token, code, values, status, _started, _elapsed in record.saves:
        tries[(token, code)].append((values, 200 <= status < 300))
    stored = _stored(session, record.tokens)
    tally = Tally(stored=len(stored))
    tally.duplicates = _duplicates(session)
    for key, saves in tries.items():
        acked = [n for n, (_, ok) in enumerate(saves) if ok]
        row = stored.get(key)
        if not acked:
            if row is not None:
                tally.unacknowledged_only += 1
                if not any(row == _expected(session, questions[key[1]], v) for v, _ in saves):
                    tally.unexplained.append(_name(key))
            continue
        tally.acknowledged += 1
        if row is None:
            tally.lost.append(_name(key))
            continue
        last = acked[-1]
        if row == _expected(session, questions[key[1]], saves[last][0]):
            tally.matching_last_ack += 1
        elif any(row == _expected(session, questions[key[1]], v) for v, _ in saves[last + 1 :]):
            tally.later_unacknowledged += 1
        else:
            tally.stale.append(_name(key))
    for key in stored.keys() - tries.keys():
        tally.unexplained.append(_name(key))
    return tally


def _stored(session: Session, tokens: set[str]) -> dict[tuple[str, str], dict[str, Any]]:
    by_hash = {resume_key(SECRET_KEY, token): token for token in tokens}
    rows = session.execute(
        select(Response.resume_hash, Question.code, Answer)
        .join(Answer, col(Answer.response_id) == col(Response.id))
        .join(Question, col(Question.id) == col(Answer.question_id))
        .where(col(Response.resume_hash).in_(by_hash))
    ).tuples()
    return {(by_hash[h], code): {c: getattr(a, c) for c in COLUMNS} for h, code, a in rows}


def _duplicates(session: Session) -> int:
    groups = (
        select(func.count().label("n"))
        .select_from(Answer)
        .group_by(col(Answer.response_id), col(Answer.question_id))
        .subquery()
    )
    return int(session.execute(select(func.coalesce(func.sum(groups.c.n - 1), 0))).scalar_one())


def _expected(session: Session, question: Question, values: list[str]) -> dict[str, Any]:
    return answer_values(session, question, values)


def _name(key: tuple[str, str]) -> str:
    return f"{key[0][:8]}…/{key[1]}"
