"""Users, roles, passwords, login sessions and the login rate limit."""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import LoginFailure, Role, RoleAssignment, User, UserSession
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, Problem
from maturity.settings import LOCALES
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
# SQLModel types relationship attributes as their Python value; the loader option needs the attribute.
_ROLES = cast(Any, User.roles)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def scope_for(user: User) -> UnitScope:
    """Strategy office: everything. Leader: the subtrees of the led units. Staff: the home unit."""
    if user.has_role(Role.STRATEGY_OFFICE):
        return UnitScope(everything=True, roots=frozenset())
    if user.led_unit_ids:
        return UnitScope(everything=False, roots=user.led_unit_ids)
    home = frozenset([user.home_unit_id] if user.home_unit_id is not None else [])
    return UnitScope(everything=False, roots=home, subtrees=False)


def load_user(session: Session, user_id: int) -> User | None:
    statement = select(User).where(col(User.id) == user_id).options(selectinload(_ROLES))
    return session.execute(statement).scalars().first()


def load_users(session: Session, user_ids: Iterable[int]) -> list[User]:
    """These people with their roles, in one statement, ordered by id."""
    statement = select(User).where(col(User.id).in_(set(user_ids))).options(selectinload(_ROLES)).order_by(col(User.id))
    return list(session.execute(statement).scalars())


def find_user_by_email(session: Session, email: str) -> User | None:
    statement = select(User).where(col(User.email) == email.strip().lower()).options(selectinload(_ROLES))
    return session.execute(statement).scalars().first()


@dataclass(frozen=True, slots=True)
class RoleSpec:
    role: Role
    unit_code: str | None = None


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    home_unit_code: str | None,
    roles: list[RoleSpec],
    locale: str | None = None,
    actor: Actor | None = None,
) -> User:
    """A new user with roles; every problem with the input is reported at once."""
    problems: list[Problem] = []
    roles = list(dict.fromkeys(roles))  # a role named twice is held once
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        problems.append(Problem(N_("%(value)s is not an e-mail address."), {"value": email}, path="email", value=email))
    elif find_user_by_email(session, email) is not None:
        problems.append(
            Problem(N_("A user with e-mail %(value)s already exists."), {"value": email}, path="email", value=email)
        )
    if not name.strip():
        problems.append(Problem(N_("The name is empty."), path="name"))
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            Problem(
                N_("The password must be at least %(n)s characters long."), {"n": MIN_PASSWORD_LENGTH}, path="password"
            )
        )
    if locale is not None and locale not in LOCALES:
        problems.append(Problem(N_("Unknown language %(value)s."), {"value": locale}, path="locale", value=locale))
    codes = {c for c in [home_unit_code, *(r.unit_code for r in roles)] if c}
    units = {u.code: u for u in session.execute(select(OrgUnit).where(col(OrgUnit.code).in_(codes))).scalars()}
    for code in sorted(codes - units.keys()):
        problems.append(Problem(N_("Unknown unit %(value)s."), {"value": code}, path="unit", value=code))
    for spec in roles:
        if (spec.role == Role.LEADER) != (spec.unit_code is not None):
            problems.append(Problem(N_("A leader role needs a unit, and only a leader role has one."), path="roles"))
    if problems:
        raise InvalidInput(problems)

    home = units.get(home_unit_code) if home_unit_code else None
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password) if password is not None else None,
        home_unit_id=home.id if home else None,
        locale=locale,
    )
    user.roles = [
        RoleAssignment(role=spec.role, unit_id=units[spec.unit_code].id if spec.unit_code else None) for spec in roles
    ]
    session.add(user)
    session.flush()
    if actor is not None:
        after = {
            **snapshot(user, exclude=("password_hash", "created_at")),
            "roles": [(r.role, r.unit_id) for r in user.roles],
        }
        record_event(session, actor, "create", user, label=user.email, after=after)
    return user


# --- login, sessions, rate limit ------------------------------------------------------------


class LoginRateLimited(Exception):
    """Too many failed logins for this address or client; try again later."""


def _token_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login_failure_keys(email: str, client: str) -> list[str]:
    return [f"email:{email.strip().lower()}"[:300], f"client:{client}"[:300]]


def check_login_rate(session: Session, keys: list[str], *, max_failures: int, window_seconds: int) -> None:
    since = utcnow() - timedelta(seconds=window_seconds)
    statement = (
        select(col(LoginFailure.key), func.count())
        .where(col(LoginFailure.key).in_(keys), col(LoginFailure.at) >= since)
        .group_by(col(LoginFailure.key))
    )
    if any(count >= max_failures for _key, count in session.execute(statement)):
        raise LoginRateLimited


def record_login_failure(session: Session, keys: list[str], *, window_seconds: int) -> None:
    now = utcnow()
    session.execute(delete(LoginFailure).where(col(LoginFailure.at) < now - timedelta(seconds=window_seconds)))
    session.add_all(LoginFailure(key=key, at=now) for key in keys)
    session.flush()


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    client: str,
    max_failures: int,
    window_seconds: int,
    break_glass_only: bool = False,
) -> User | None:
    """The user if the password matches an active account (a break-glass one, with
    ``break_glass_only``: password login is off); None otherwise.

    Raises LoginRateLimited before checking anything when the address or the client has failed
    too often. The caller records failures in a transaction of its own, so they outlive the
    failed request.
    """
    check_login_rate(
        session, login_failure_keys(email, client), max_failures=max_failures, window_seconds=window_seconds
    )
    user = find_user_by_email(session, email)
    if not verify_password(user.password_hash if user else None, password) or user is None or not user.is_active:
        return None
    if break_glass_only and not user.break_glass:
        return None
    if _hasher.check_needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    session.execute(delete(LoginFailure).where(col(LoginFailure.key) == login_failure_keys(email, client)[0]))
    return user


def start_session(
    session: Session, user: User, *, idle_seconds: int, previous_token: str | None = None, id_token: str | None = None
) -> str:
    """A new session id for the user (the old one, if any, is dropped: rotation on login).

    ``id_token`` is the provider's ID token of an OpenID Connect sign-in, kept for its logout."""
    if previous_token:
        end_session(session, previous_token)
    now = utcnow()
    session.execute(delete(UserSession).where(col(UserSession.user_id) == user.id, col(UserSession.expires_at) < now))
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            id=_token_id(token),
            user_id=user.id,  # type: ignore[arg-type]  # id set after flush
            expires_at=now + timedelta(seconds=idle_seconds),
            id_token=id_token,
        )
    )
    session.flush()
    return token


def end_session(session: Session, token: str) -> str | None:
    """Log out; returns the provider's ID token when the login came from an OpenID Connect sign-in."""
    record = session.get(UserSession, _token_id(token))
    if record is None:
        return None
    id_token = record.id_token
    session.delete(record)
    session.flush()
    return id_token


def end_all_sessions(session: Session, user: User) -> None:
    """Every login of the user ends at once (deactivation)."""
    session.execute(delete(UserSession).where(col(UserSession.user_id) == user.id))


_TOUCH_AFTER = timedelta(minutes=5)


def user_for_session(session: Session, token: str, *, idle_seconds: int, touch: bool = True) -> User | None:
    """The logged-in user for a session token, extending the idle timeout now and then (unless
    ``touch`` is off: then the login row is only read)."""
    record = session.get(UserSession, _token_id(token))
    now = utcnow()
    if record is None or record.expires_at <= now:
        return None
    user = load_user(session, record.user_id)
    if user is None or not user.is_active:
        return None
    if touch and now - record.last_seen_at > _TOUCH_AFTER:
        record.last_seen_at = now
        record.expires_at = now + timedelta(seconds=idle_seconds)
    return user


def set_locale(session: Session, user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput([Problem(N_("Unknown language %(value)s."), {"value": locale}, path="locale", value=locale)])
    user.locale = locale
    session.add(user)
