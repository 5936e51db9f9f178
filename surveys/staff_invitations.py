"""Inviting everyone in some units according to the staff list, through the invitation flow
that exists: each active person whose home unit lies in the chosen units' subtrees (and in the
round's) gets one single-use link, with their unit and respondent group as the list says. The
invitations are the same as from a file, so anonymity is unchanged: nothing leads from a
response to a person."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.errors import N_, InvalidInput, Problem
from maturity.units.models import OrgUnit
from maturity.units.services import subtree_ids
from surveys.invitations import Invitee, invite
from surveys.models import Invitation, RespondentGroup, SurveyRound
from surveys.rounds import round_unit_ids


@dataclass(frozen=True, slots=True)
class StaffInvitation:
    issued: list[tuple[Invitation, str]]
    already_invited: int


def staff_invitees(session: Session, survey_round: SurveyRound, unit_codes: Sequence[str]) -> tuple[list[Invitee], int]:
    """The people to invite (not yet invited to the round), and how many were invited already."""
    codes = [c.strip() for c in unit_codes if c.strip()]
    if not codes:
        raise InvalidInput([Problem(N_("Name at least one unit."), path="units")])
    units = {u.code: u for u in session.execute(select(OrgUnit).where(col(OrgUnit.code).in_(codes))).scalars()}
    allowed = round_unit_ids(session, survey_round)
    problems = [
        Problem(N_("Unknown unit %(value)s."), {"value": code}, path="units", value=code)
        for code in codes
        if code not in units or units[code].id not in allowed
    ]
    if problems:
        raise InvalidInput(problems)
    wanted = set(session.execute(subtree_ids([u.id for u in units.values() if u.id is not None])).scalars()) & allowed
    codes_by_id = dict(session.execute(select(col(OrgUnit.id), col(OrgUnit.code))).tuples().all())
    groups = dict(session.execute(select(col(RespondentGroup.id), col(RespondentGroup.code))).tuples().all())
    already = set(
        session.execute(select(col(Invitation.email)).where(col(Invitation.round_id) == survey_round.id)).scalars()
    )
    people = session.execute(
        select(col(User.email), col(User.home_unit_id), col(User.respondent_group_id))
        .where(col(User.is_active), col(User.home_unit_id).in_(wanted))
        .order_by(col(User.email))
    ).all()
    invitees = [
        Invitee(email, codes_by_id[unit_id], groups.get(group_id) if group_id is not None else None)
        for email, unit_id, group_id in people
        if email not in already
    ]
    return invitees, len(people) - len(invitees)


def invite_staff_of_units(
    session: Session, survey_round: SurveyRound, unit_codes: Sequence[str], *, actor: Actor
) -> StaffInvitation:
    """One link for each active person of the staff list in the units (and below) not yet invited."""
    invitees, already = staff_invitees(session, survey_round, unit_codes)
    if not invitees:
        raise InvalidInput(
            [Problem(N_("Everyone in these units is invited already, or nobody works there."), path="units")]
        )
    return StaffInvitation(invite(session, survey_round, invitees, actor=actor), already)
