"""The leader's narrative for a unit and period: the current text and every earlier version."""

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.periods import Period
from maturity.units.models import OrgUnit
from reports.models import Narrative, NarrativeRevision

MAX_CHARS = 20_000


def find_narrative(session: Session, unit: OrgUnit, period: str) -> Narrative | None:
    statement = select(Narrative).where(col(Narrative.unit_id) == unit.id, col(Narrative.period) == period)
    return session.execute(statement).scalars().first()


def narrative_history(session: Session, narrative: Narrative | None) -> list[NarrativeRevision]:
    """Every version, newest first."""
    if narrative is None:
        return []
    statement = (
        select(NarrativeRevision)
        .where(col(NarrativeRevision.narrative_id) == narrative.id)
        .order_by(col(NarrativeRevision.revision).desc())
    )
    return list(session.execute(statement).scalars())


def check_period(raw: str) -> str:
    try:
        return str(Period.parse(raw))
    except ValueError:
        raise InvalidInput(
            [Problem(N_("%(value)s is not a period (2024, 2024-S1, 2024-Q3 …)."), {"value": raw}, path="period")]
        ) from None


def save_narrative(session: Session, unit: OrgUnit, period: str, text: str, actor: Actor) -> Narrative:
    """Store the text as the current version; an unchanged text adds no version."""
    period = check_period(period)
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_CHARS:
        raise InvalidInput(
            [Problem(N_("The narrative is longer than %(max)s characters."), {"max": MAX_CHARS}, path="text")]
        )
    narrative = find_narrative(session, unit, period)
    if narrative is not None and narrative.text == text:
        return narrative
    now = utcnow()
    if narrative is None:
        assert unit.id is not None
        narrative = Narrative(unit_id=unit.id, period=period, text=text, revision=1)
    else:
        narrative.text = text
        narrative.revision += 1
    narrative.author_id, narrative.author_label, narrative.updated_at = actor.user_id, actor.label, now
    session.add(narrative)
    session.flush()
    assert narrative.id is not None
    session.add(
        NarrativeRevision(
            narrative_id=narrative.id,
            revision=narrative.revision,
            text=text,
            author_id=actor.user_id,
            author_label=actor.label,
            created_at=now,
        )
    )
    session.flush()
    return narrative
