"""API tokens for institutional systems: issue, list, revoke, and authenticate a bearer token.

A token reaches the records of its units and everything below them. Only the SHA-256 of a
token is stored, with its first characters to recognise it in lists; the token itself is shown
once, when it is issued.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from maturity.audit.services import Actor, record_event, snapshot
from maturity.auth.models import ApiToken, ApiTokenUnit
from maturity.db import utcnow
from maturity.errors import N_, InvalidInput, NotFound, Problem
from maturity.units.models import OrgUnit
from maturity.units.services import UnitScope

TOKEN_PREFIX = "mty_"  # noqa: S105  # a public marker, recognisable in logs and by secret scanners; not a secret
PREFIX_LENGTH = 8  # "mty_" and four random characters, shown in lists
MAX_NAME_LENGTH = 200
MAX_TOKEN_LENGTH = 200  # anything longer is not one of ours; don't hash megabytes
_TOUCH_AFTER = timedelta(minutes=1)
_CODE_SEPARATORS = re.compile(r"[\s,;]+")


def token_hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def split_unit_codes(text: str) -> list[str]:
    """Unit codes as typed into a form: separated by commas, semicolons or spaces."""
    return [code for code in _CODE_SEPARATORS.split(text) if code]


def check_token_request(
    session: Session, *, name: str, unit_codes: Iterable[str], expires_at: datetime | None
) -> tuple[list[Problem], list[OrgUnit]]:
    """Every problem with a request for a token, and the units it names (those that exist)."""
    problems: list[Problem] = []
    name = name.strip()
    if not name:
        problems.append(Problem(N_("The name is empty."), path="name"))
    elif len(name) > MAX_NAME_LENGTH:
        problems.append(
            Problem(N_("The name is longer than %(n)s characters."), {"n": MAX_NAME_LENGTH}, path="name", value=name)
        )
    codes = list(dict.fromkeys(code.strip() for code in unit_codes if code.strip()))
    units: list[OrgUnit] = []
    if not codes:
        problems.append(Problem(N_("Name at least one unit."), path="units"))
    else:
        found = {u.code: u for u in session.execute(select(OrgUnit).where(col(OrgUnit.code).in_(codes))).scalars()}
        for code in codes:
            if code in found:
                units.append(found[code])
            else:
                problems.append(Problem(N_("Unknown unit %(value)s."), {"value": code}, path="units", value=code))
    if expires_at is not None and expires_at <= utcnow():
        problems.append(Problem(N_("The expiry date has already passed."), path="expires"))
    return problems, units


def issue_token(
    session: Session, *, name: str, unit_codes: Iterable[str], expires_at: datetime | None, actor: Actor
) -> tuple[ApiToken, str]:
    """A new token for the subtrees of ``unit_codes``, and the token itself (shown once, never stored)."""
    problems, units = check_token_request(session, name=name, unit_codes=unit_codes, expires_at=expires_at)
    if problems:
        raise InvalidInput(problems)
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        token_hash=token_hash(plain),
        prefix=plain[:PREFIX_LENGTH],
        created_by_id=actor.user_id,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    assert token.id is not None  # flushed
    session.add_all(ApiTokenUnit(token_id=token.id, unit_id=unit.id) for unit in units if unit.id is not None)
    after = {**snapshot(token, exclude=("token_hash",)), "units": [u.code for u in units]}
    record_event(session, actor, "issue", token, label=_label(token), after=after)
    session.flush()
    return token, plain


def revoke_token(session: Session, token_id: int, actor: Actor) -> ApiToken:
    """Refuse the token from now on. Revoking a revoked token changes nothing."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(token_id)
    if token.revoked_at is not None:
        return token
    before = snapshot(token, exclude=("token_hash",))
    token.revoked_at = utcnow()
    session.add(token)
    record_event(
        session,
        actor,
        "revoke",
        token,
        label=_label(token),
        before=before,
        after=snapshot(token, exclude=("token_hash",)),
    )
    session.flush()
    return token


@dataclass(frozen=True, slots=True)
class TokenRow:
    token: ApiToken
    unit_codes: list[str]

    def state(self, now: datetime) -> str:
        """``active``, ``revoked`` or ``expired``."""
        if self.token.revoked_at is not None:
            return "revoked"
        if self.token.expires_at is not None and self.token.expires_at <= now:
            return "expired"
        return "active"


def list_tokens(session: Session) -> list[TokenRow]:
    """Every token, newest first, with the codes of its units; two queries."""
    tokens = list(
        session.execute(select(ApiToken).order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())).scalars()
    )
    codes: dict[int, list[str]] = {t.id: [] for t in tokens if t.id is not None}
    rows = session.execute(
        select(col(ApiTokenUnit.token_id), col(OrgUnit.code))
        .join(OrgUnit, col(OrgUnit.id) == col(ApiTokenUnit.unit_id))
        .order_by(col(OrgUnit.code))
    ).tuples()
    for token_id, code in rows:
        codes.setdefault(token_id, []).append(code)
    return [TokenRow(t, codes.get(t.id, []) if t.id is not None else []) for t in tokens]


def get_token(session: Session, token_id: int) -> TokenRow:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(token_id)
    codes = session.execute(
        select(col(OrgUnit.code))
        .join(ApiTokenUnit, col(ApiTokenUnit.unit_id) == col(OrgUnit.id))
        .where(col(ApiTokenUnit.token_id) == token_id)
        .order_by(col(OrgUnit.code))
    ).scalars()
    return TokenRow(token, list(codes))


def authenticate_token(session: Session, plain: str) -> tuple[ApiToken, UnitScope] | None:
    """The token and the part of the organisation it reaches; None if it is unknown, revoked or expired.

    ``last_used_at`` is brought up to date at most once a minute, so a busy system does not
    write on every request.
    """
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > MAX_TOKEN_LENGTH:
        return None
    token = session.execute(select(ApiToken).where(col(ApiToken.token_hash) == token_hash(plain))).scalars().first()
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    unit_ids = frozenset(
        session.execute(select(col(ApiTokenUnit.unit_id)).where(col(ApiTokenUnit.token_id) == token.id)).scalars()
    )
    if token.last_used_at is None or now - token.last_used_at >= _TOUCH_AFTER:
        token.last_used_at = now
        session.add(token)
        session.flush()
    return token, UnitScope(everything=False, roots=unit_ids)


def _label(token: ApiToken) -> str:
    return f"{token.name} ({token.prefix}…)"


def actor_for(token: ApiToken) -> Actor:
    """Who a change made with this token is recorded as."""
    return Actor.system(f"API token {_label(token)}")
