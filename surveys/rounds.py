"""Survey rounds: creating one for a survey version and its units, and freezing the version when a
round first opens."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.units.models import OrgUnit
from maturity.units.services import subtree_ids
from surveys.models import (
    Anonymity,
    RoundUnit,
    Survey,
    SurveyRound,
)


def freeze(session: Session, survey: Survey, now: datetime) -> None:
    """From the first opening on, a survey version's questions stay as they are."""
    if survey.frozen_at is None:
        survey.frozen_at = now
        session.add(survey)


def create_round(
    session: Session,
    survey: Survey,
    *,
    name_nb: str,
    name_en: str,
    period_label: str,
    opens_at: datetime,
    closes_at: datetime,
    unit_codes: Sequence[str],
    anonymity: str = Anonymity.ANONYMOUS,
    min_group_size: int = 5,
    actor: Actor,
) -> SurveyRound:
    problems: list[Problem] = []
    if not name_nb.strip() or not name_en.strip():
        problems.append(Problem(N_("The name is empty."), path="name"))
    if closes_at <= opens_at:
        problems.append(Problem(N_("The round must close after it opens."), path="closes_at"))
    if anonymity not in (Anonymity.ANONYMOUS, Anonymity.CONFIDENTIAL):
        problems.append(Problem(N_("Choose one of the options."), path="anonymity", value=anonymity))
    if min_group_size < 2:
        problems.append(Problem(N_("Must be at least %(limit)s."), {"limit": 2}, path="min_group_size"))
    units = {u.code: u for u in session.execute(select(OrgUnit).where(col(OrgUnit.code).in_(unit_codes))).scalars()}
    for code in unit_codes:
        if code not in units:
            problems.append(Problem(N_("Unknown unit %(value)s."), {"value": code}, path="units", value=code))
    if not unit_codes:
        problems.append(Problem(N_("Name at least one unit."), path="units"))
    if problems:
        raise InvalidInput(problems)
    assert survey.id is not None
    survey_round = SurveyRound(
        survey_id=survey.id,
        name_nb=name_nb.strip(),
        name_en=name_en.strip(),
        period_label=period_label.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        anonymity=anonymity,
        min_group_size=min_group_size,
    )
    # A round made with times already past (an import, the demo's history) has opened, and
    # closed, at those times: the schedule task has nothing left to do for it.
    now = utcnow()
    if opens_at <= now:
        survey_round.opened_at = opens_at
    if closes_at <= now:
        survey_round.closed_at = closes_at
    session.add(survey_round)
    session.flush()
    assert survey_round.id is not None
    session.add_all(RoundUnit(round_id=survey_round.id, unit_id=u.id) for u in units.values() if u.id is not None)
    if opens_at <= now:
        freeze(session, survey, now)
    session.flush()
    record_event(session, actor, "create", survey_round, label=survey_round.name_en, after=snapshot(survey_round))
    return survey_round


def round_unit_ids(session: Session, survey_round: SurveyRound) -> set[int]:
    """Every unit the round is for: its target units and everything below them."""
    roots = list(
        session.execute(select(col(RoundUnit.unit_id)).where(col(RoundUnit.round_id) == survey_round.id)).scalars()
    )
    return {unit_id for unit_id in session.execute(subtree_ids(roots)).scalars() if unit_id is not None}
