"""A small organisation with a strategy, an open survey round, invitations and an API token,
and a way to see everything the database holds."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlmodel import Session, SQLModel

import maturity.all_models  # noqa: F401  (every table in the metadata)
from maturity.audit.services import Actor
from maturity.auth.models import User
from maturity.auth.tokens import issue_token
from maturity.db import Database
from maturity.settings import Settings
from tests.factories import Org, make_user
from tests.reports.conftest import records, storage  # noqa: F401  (fixtures: report storage, KPI values)
from tests.surveys.conftest import open_round, survey, tokens  # noqa: F401  (fixtures)


@pytest.fixture
def settings(storage: Path) -> Settings:  # noqa: F811  # the imported fixture, handed in by pytest
    """With sign-in through an identity provider on, so its routes are walked too. No test here
    gets as far as asking the provider (port 9 would refuse)."""
    return Settings(
        mode="test",
        secure_cookies=False,
        secret_key="test-" + "s" * 40,
        login_max_failures=5,
        report_storage=storage,
        periodic_tasks=False,
        oidc_issuer="http://localhost:9",
        oidc_client_id="maturity",
    )


@pytest.fixture
def others(session: Session, org: Org, people: dict[str, User]) -> dict[str, User]:
    """``people`` plus the leader of FAC-B, who must not see anything of FAC-A."""
    users = {**people, "other_leader": make_user(session, "other@example.org", home="FAC-B", leader_of=("FAC-B",))}
    session.commit()
    return users


@pytest.fixture
def api_tokens(session: Session, org: Org) -> dict[str, str]:
    """A token for FAC-A and one for FAC-B (the first has id 1)."""
    made = {
        code: issue_token(session, name=f"System {code}", unit_codes=[code], expires_at=None, actor=Actor.system("t"))[
            1
        ]
        for code in ("FAC-A", "FAC-B")
    }
    session.commit()
    return made


@pytest.fixture
def anonymous(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app, base_url="http://testserver.local") as c:
        yield c


# Bookkeeping that a request which writes nothing may rightly update: when an API token was last
# shown, and a login's idle timeout, moved on by any answered request five minutes after the last
# move (a long walk of hostile submissions crosses that line on a slow machine).
NOT_WRITES = {("api_token", "last_used_at"), ("user_session", "last_seen_at"), ("user_session", "expires_at")}


def snapshot(db: Database) -> dict[str, list[str]]:
    """Every row of every table, in a stable order: what "nothing was written" compares."""
    with db.engine.connect() as connection:
        return {
            table.name: sorted(
                repr(tuple(row))
                for row in connection.execute(
                    select(*(c for c in table.columns if (table.name, c.name) not in NOT_WRITES))
                )
            )
            for table in SQLModel.metadata.sorted_tables
        }
