from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint, false
from sqlmodel import Field, Relationship, SQLModel

from maturity.db import UTCDateTime, utcnow


class Role(StrEnum):
    STAFF = "staff"
    LEADER = "leader"
    STRATEGY_OFFICE = "strategy_office"


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    name: str = Field(max_length=200)
    home_unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True, ondelete="SET NULL")
    locale: str | None = Field(default=None, max_length=5)
    password_hash: str | None = Field(default=None, max_length=200)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Sign-in with OpenID Connect: the account key (Feide login name, stored lower-case) and the
    # provider's subject beside it.
    login_name: str | None = Field(default=None, max_length=254, unique=True)
    oidc_sub: str | None = Field(default=None, max_length=255, unique=True)
    # From the HR staff list; the respondent group table belongs to surveys, hence the bare key.
    employee_number: str | None = Field(default=None, max_length=40, unique=True)
    respondent_group_id: int | None = Field(
        default=None, foreign_key="respondent_group.id", index=True, ondelete="SET NULL"
    )
    # May log in with a password when password login is switched off (for when the provider is down).
    break_glass: bool = Field(default=False, sa_column_kwargs={"server_default": false()})

    roles: list["RoleAssignment"] = Relationship(
        back_populates="user",
        sa_relationship_kwargs={"lazy": "raise", "cascade": "all, delete-orphan"},
    )

    def has_role(self, role: Role) -> bool:
        return any(r.role == role for r in self.roles)

    @property
    def led_unit_ids(self) -> frozenset[int]:
        return frozenset(r.unit_id for r in self.roles if r.role == Role.LEADER and r.unit_id is not None)


class RoleAssignment(SQLModel, table=True):
    """A role held by a user; a leader role names the unit whose subtree it covers."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id"),
        CheckConstraint("(role = 'leader') = (unit_id IS NOT NULL)", name="leader_has_unit"),
        CheckConstraint("role IN ('staff', 'leader', 'strategy_office')", name="known_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Set through the relationship when the user is flushed, hence optional in Python only.
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True, ondelete="CASCADE", nullable=False)
    role: str = Field(sa_type=String(20))
    unit_id: int | None = Field(default=None, foreign_key="org_unit.id", index=True, ondelete="CASCADE")

    user: User = Relationship(back_populates="roles", sa_relationship_kwargs={"lazy": "raise"})


class UserSession(SQLModel, table=True):
    """A login. The cookie carries a random token; only its SHA-256 is stored here."""

    __tablename__ = "user_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The provider's ID token of an OpenID Connect sign-in: the hint its logout endpoint asks for.
    id_token: str | None = Field(default=None, sa_type=Text)


class SignInFlow(SQLModel, table=True):
    """An OpenID Connect sign-in under way: what the callback must find again, used once.

    Keyed by the SHA-256 of ``state`` and bound to the browser that started it by the SHA-256 of
    a random cookie, so a callback from another browser, or a second time, finds nothing.
    """

    __tablename__ = "sign_in_flow"

    state_hash: str = Field(primary_key=True, max_length=64)
    browser_hash: str = Field(max_length=64)
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=128)
    next_path: str = Field(default="/", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class LoginFailure(SQLModel, table=True):
    """A failed login, kept for the rate limit; shared by every app process through the database."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=300, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ApiToken(SQLModel, table=True):
    """A bearer token for institutional systems, limited to the subtrees of its units.

    Only the SHA-256 of the token is stored; the token itself is shown once, when issued.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)  # the first characters, to recognise a token in lists
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiTokenUnit(SQLModel, table=True):
    __tablename__ = "api_token_unit"
    __table_args__ = (UniqueConstraint("token_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    token_id: int = Field(foreign_key="api_token.id", index=True, ondelete="CASCADE")
    unit_id: int = Field(foreign_key="org_unit.id", index=True, ondelete="CASCADE")
