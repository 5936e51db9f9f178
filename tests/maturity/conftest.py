import pytest
from sqlmodel import Session

from maturity.auth.models import User
from tests.factories import Org, make_org, make_user


@pytest.fixture
def org(session: Session) -> Org:
    org = make_org(session)
    session.commit()
    return org


@pytest.fixture
def people(session: Session, org: Org) -> dict[str, User]:
    """One user per role: staff in DEP-A1, the leader of FAC-A, the strategy office."""
    users = {
        "staff": make_user(session, "staff@example.org", home="DEP-A1"),
        "leader": make_user(session, "leader@example.org", home="FAC-A", leader_of=("FAC-A",)),
        "office": make_user(session, "office@example.org", home="UNI", office=True),
    }
    session.commit()
    return users
