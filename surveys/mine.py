"""My surveys: the open rounds a logged-in person is invited to, and a way in without the e-mail.

Starting mints a new link to the person's invitation (as a reminder does) and hands it to the
browser only, in a signed cookie; the database learns nothing that leads from the person to a
response. What it shows is the invitation's own state: submitted (the ``used`` flag) or not,
and in confidential rounds whether a response was started.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlmodel import Session, col

from maturity.auth.models import User
from maturity.errors import NotFound
from surveys.answering import AlreadySubmitted, RoundClosed
from surveys.invitations import find_invitation, mint_token
from surveys.models import Anonymity, Invitation, Response, ResponseInvitation, Survey, SurveyRound

COOKIE_PREFIX = "maturity_survey_"
COOKIE_PATH = "/my-surveys"


@dataclass(frozen=True, slots=True)
class MyRound:
    survey_round: SurveyRound
    survey: Survey
    status: str  # "submitted", "started" (confidential rounds only) or "not_submitted"


def _mine(user: User) -> ColumnElement[bool]:
    return or_(col(Invitation.user_id) == user.id, func.lower(col(Invitation.email)) == user.email.lower())


def my_rounds(session: Session, user: User, *, now: datetime) -> list[MyRound]:
    """The open rounds the user is invited to (by account or e-mail address), closing first first."""
    rows = (
        session.execute(
            select(Invitation, SurveyRound, Survey)
            .join(SurveyRound, col(SurveyRound.id) == col(Invitation.round_id))
            .join(Survey, col(Survey.id) == col(SurveyRound.survey_id))
            .where(
                _mine(user),
                col(SurveyRound.opens_at) <= now,
                col(SurveyRound.closes_at) > now,
                col(SurveyRound.closed_at).is_(None),
            )
            .order_by(col(SurveyRound.closes_at), col(SurveyRound.id))
        )
        .tuples()
        .all()
    )
    started = _started_confidential(
        [inv.id for inv, rnd, _ in rows if rnd.anonymity == Anonymity.CONFIDENTIAL], session
    )
    out = []
    for invitation, survey_round, survey in rows:
        if invitation.used:
            status = "submitted"
        elif invitation.id in started:
            status = "started"
        else:
            status = "not_submitted"
        out.append(MyRound(survey_round, survey, status))
    return out


def _started_confidential(invitation_ids: list[int | None], session: Session) -> set[int]:
    if not invitation_ids:
        return set()
    rows = session.execute(
        select(col(ResponseInvitation.invitation_id))
        .join(Response, col(Response.id) == col(ResponseInvitation.response_id))
        .where(col(ResponseInvitation.invitation_id).in_(invitation_ids))
    ).scalars()
    return set(rows)


def my_invitation(session: Session, user: User, round_id: int, *, now: datetime) -> Invitation:
    """The user's invitation to an open round; NotFound when there is none, RoundClosed when not open."""
    row = (
        session.execute(
            select(Invitation, SurveyRound)
            .join(SurveyRound, col(SurveyRound.id) == col(Invitation.round_id))
            .where(_mine(user), col(Invitation.round_id) == round_id)
        )
        .tuples()
        .first()
    )
    if row is None:
        raise NotFound(round_id)
    invitation, survey_round = row
    if not survey_round.is_open(now):
        raise RoundClosed
    return invitation


def start(session: Session, user: User, round_id: int, *, now: datetime) -> str:
    """A new link to the user's invitation, for this browser only. In an anonymous round whose
    invitation is already used, a new link could only start a second response: AlreadySubmitted."""
    invitation = my_invitation(session, user, round_id, now=now)
    survey_round = session.get_one(SurveyRound, round_id)
    if invitation.used and survey_round.anonymity == Anonymity.ANONYMOUS:
        raise AlreadySubmitted
    return mint_token(session, invitation)


def token_is_mine(session: Session, user: User, round_id: int, token: str) -> bool:
    """The token from the cookie still leads to this user's invitation to this round."""
    invitation = find_invitation(session, token)
    if invitation is None or invitation.round_id != round_id:
        return False
    return invitation.user_id == user.id or invitation.email.lower() == user.email.lower()


# --- the browser's cookie ------------------------------------------------------------------------


def cookie_name(round_id: int) -> str:
    return f"{COOKIE_PREFIX}{round_id}"


def _signature(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), b"my-surveys:" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def encode_cookie(secret: str, user_id: int, round_id: int, token: str) -> str:
    """The token, bound to the user and round it was minted for, signed with the secret key."""
    payload = f"{user_id}.{round_id}.{token}"
    return f"{payload}.{_signature(secret, payload)}"


def decode_cookie(secret: str, value: str | None, *, user_id: int, round_id: int) -> str | None:
    """The token, if the cookie is ours, unchanged, and for this user and round."""
    if not value or value.count(".") != 3:
        return None
    payload, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    cookie_user, cookie_round, token = payload.split(".")
    if cookie_user != str(user_id) or cookie_round != str(round_id) or not token:
        return None
    return token
