"""Signing in with OpenID Connect: the flow's state between the two requests, and who the
person is in our database."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event
from maturity.auth.models import Role, RoleAssignment, SignInFlow, User
from maturity.auth.oidc import Identity
from maturity.auth.services import find_user_by_email, load_user
from maturity.db import utcnow
from maturity.people.groups import group_ids_by_code
from maturity.settings import Settings
from maturity.units.models import OrgUnit

FLOW_SECONDS = 600  # time from pressing the button to coming back from the provider


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class StartedFlow:
    state: str
    nonce: str
    code_verifier: str
    browser_key: str  # goes into the browser's cookie; only its hash is stored


def start_flow(session: Session, *, next_path: str) -> StartedFlow:
    """A new sign-in: random state, nonce, PKCE verifier and browser key; stale flows are dropped."""
    now = utcnow()
    session.execute(delete(SignInFlow).where(col(SignInFlow.created_at) < now - timedelta(seconds=FLOW_SECONDS)))
    flow = StartedFlow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),  # 86 characters of the unreserved set (RFC 7636: 43–128)
        browser_key=secrets.token_urlsafe(32),
    )
    session.add(
        SignInFlow(
            state_hash=_digest(flow.state),
            browser_hash=_digest(flow.browser_key),
            nonce=flow.nonce,
            code_verifier=flow.code_verifier,
            next_path=next_path,
            created_at=now,
        )
    )
    session.flush()
    return flow


def take_flow(session: Session, *, state: str, browser_key: str | None) -> SignInFlow | None:
    """The flow ``state`` names, removed so it is used once; None when it is unknown, stale or
    was started in another browser."""
    record = session.get(SignInFlow, _digest(state))
    if record is None:
        return None
    session.delete(record)
    session.flush()
    if not browser_key or not secrets.compare_digest(record.browser_hash, _digest(browser_key)):
        return None
    if record.created_at < utcnow() - timedelta(seconds=FLOW_SECONDS):
        return None
    return record


class PersonUnknown(Exception):
    """Nobody in the staff list has this login, and self-registration is off."""


class PersonInactive(Exception):
    """The person's account is deactivated."""


class AccountConflict(Exception):
    """The login name belongs to an account already linked to another subject."""


def _by(session: Session, column_: Any, value: str) -> User | None:
    user_id = session.execute(select(col(User.id)).where(column_ == value)).scalars().first()
    return load_user(session, user_id) if user_id is not None else None


def _home_unit(session: Session, identity: Identity) -> OrgUnit | None:
    if not identity.org_unit_ids:
        return None
    units = {
        u.external_id: u
        for u in session.execute(select(OrgUnit).where(col(OrgUnit.external_id).in_(identity.org_unit_ids))).scalars()
    }
    return next((units[i] for i in identity.org_unit_ids if i in units), None)


def _group_id(session: Session, settings: Settings, identity: Identity) -> int | None:
    code = settings.affiliation_groups.get(identity.affiliation or "")
    if code is None:
        return None
    return group_ids_by_code(session).get(code)


def find_or_create_person(session: Session, settings: Settings, identity: Identity) -> User:
    """The account of the person who signed in, linked to their subject on first sign-in.

    Found by subject, then by login name, then (``oidc_link_by_email``) by e-mail address among
    staff-list people not yet linked. Unknown people are created as staff only with
    ``oidc_self_registration``; otherwise PersonUnknown and nothing is written.
    """
    user = _by(session, col(User.oidc_sub), identity.sub) or _by(session, col(User.login_name), identity.login_name)
    if user is None and settings.oidc_link_by_email and identity.email:
        candidate = find_user_by_email(session, identity.email)
        if candidate is not None and candidate.login_name is None and candidate.oidc_sub is None:
            user = candidate
    if user is not None:
        if user.oidc_sub is not None and user.oidc_sub != identity.sub:
            raise AccountConflict
        if not user.is_active:
            raise PersonInactive
        if user.oidc_sub is None or user.login_name != identity.login_name:
            user.oidc_sub = identity.sub
            user.login_name = identity.login_name
            session.add(user)
            session.flush()
            record_event(
                session, Actor.of(user), "link", user, label=user.email, after={"login_name": identity.login_name}
            )
        if user.employee_number is None:  # not on the staff list: the provider's groups place them
            home = _home_unit(session, identity)
            group_id = _group_id(session, settings, identity)
            if home is not None and home.id != user.home_unit_id:
                user.home_unit_id = home.id
            if group_id is not None:
                user.respondent_group_id = group_id
            session.add(user)
        return user
    if not settings.oidc_self_registration:
        raise PersonUnknown
    if not identity.email or find_user_by_email(session, identity.email) is not None:
        raise AccountConflict  # an e-mail address is needed, and another account has this one
    home = _home_unit(session, identity)
    user = User(
        email=identity.email,
        name=identity.name or identity.login_name,
        home_unit_id=home.id if home else None,
        login_name=identity.login_name,
        oidc_sub=identity.sub,
        respondent_group_id=_group_id(session, settings, identity),
    )
    user.roles = [RoleAssignment(role=Role.STAFF)]
    session.add(user)
    session.flush()
    record_event(
        session,
        Actor.of(user),
        "create",
        user,
        label=user.email,
        after={"login_name": user.login_name, "home_unit_id": user.home_unit_id, "self_registered": True},
    )
    return user
