"""Test data, made through the real services and bound to the test's session."""

import re
from dataclasses import dataclass

from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import Session

from maturity.auth.models import Role, User
from maturity.auth.services import RoleSpec, create_user
from maturity.units.models import OrgUnit
from maturity.units.services import import_units_csv

PASSWORD = "correct horse battery"

# UNI
# ├── FAC-A        faculty
# │   ├── DEP-A1
# │   └── DEP-A2
# │       └── SEC-A2X
# └── FAC-B        faculty
#     └── DEP-B1
ORG_CSV = """code;parent_code;kind;name_nb;name_en;headcount_2025
UNI;;institution;Universitetet;The University;10
FAC-A;UNI;faculty;Fakultet A;Faculty A;5
DEP-A1;FAC-A;department;Institutt A1;Department A1;40
DEP-A2;FAC-A;department;Institutt A2;Department A2;30
SEC-A2X;DEP-A2;section;Seksjon A2X;Section A2X;4
FAC-B;UNI;faculty;Fakultet B;Faculty B;6
DEP-B1;FAC-B;department;Institutt B1;Department B1;50
"""


@dataclass
class Org:
    units: dict[str, OrgUnit]

    def __getitem__(self, code: str) -> OrgUnit:
        return self.units[code]


def make_org(session: Session) -> Org:
    import_units_csv(session, ORG_CSV.encode())
    from sqlalchemy import select

    return Org({u.code: u for u in session.execute(select(OrgUnit)).scalars()})


def make_user(
    session: Session,
    email: str,
    *,
    home: str | None = "DEP-A1",
    leader_of: tuple[str, ...] = (),
    office: bool = False,
    staff: bool = True,
    locale: str | None = None,
    password: str = PASSWORD,
) -> User:
    roles = [RoleSpec(Role.STAFF)] if staff else []
    roles += [RoleSpec(Role.LEADER, code) for code in leader_of]
    if office:
        roles.append(RoleSpec(Role.STRATEGY_OFFICE))
    return create_user(
        session,
        email=email,
        name=email.split("@")[0].title(),
        password=password,
        home_unit_code=home,
        roles=roles,
        locale=locale,
    )


def csrf_token(client: TestClient[Litestar], path: str = "/login") -> str:
    """The CSRF token as a browser gets it: from the hidden field of a rendered form."""
    page = client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient[Litestar], email: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"email": email, "password": password, "_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
