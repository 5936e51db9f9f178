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


# A small strategy: one goal with two indicators and four KPIs (a yearly count, a share per
# semester, an institution-only yes/no, a lower-is-better mean), a survey measure, and a
# maturity model of two dimensions.
STRATEGY_YAML = """\
format: maturity-strategy/1
strategy:
  code: test-strategy
  title: {nb: Teststrategi, en: Test strategy}
  period: {start: 2020-01-01, end: 2025-12-31}
  # The tests record values at every pace; those of the comment a value at risk needs
  # (tests/indicators/test_risk_comments.py) switch it on.
  risk_comment_required: false
  goals:
    - code: G1
      title: {nb: Mål en, en: Goal one}
      weight: 2
      actions:
        - {code: G1.A1, title: {nb: Tiltak, en: Action}}
      indicators:
        - code: G1.I1
          title: {nb: Indikator en, en: Indicator one}
          kpis:
            - code: KSUM
              name: {nb: Antall prosjekter, en: Projects}
              unit_of_measure: {nb: antall, en: count}
              direction: higher
              scoring: progress
              frequency: year
              aggregation: sum
              # A sum KPI is scored below the institution only against a unit's own target (or a
              # cascaded one): these units have their own, the same as the institution's.
              baselines:
                - {valid_from: 2020-01-01, value: 10}
                - {valid_from: 2020-01-01, unit: FAC-A, value: 10}
                - {valid_from: 2020-01-01, unit: DEP-A1, value: 10}
                - {valid_from: 2020-01-01, unit: SEC-A2X, value: 10}
              targets:
                - {valid_from: 2020-01-01, value: 30}
                - {valid_from: 2020-01-01, unit: FAC-A, value: 30}
                - {valid_from: 2020-01-01, unit: DEP-A1, value: 30}
                - {valid_from: 2020-01-01, unit: SEC-A2X, value: 30}
            - code: KRATIO
              name: {nb: Andel emner, en: Share of courses}
              unit_of_measure: "%"
              direction: higher
              scoring: progress
              frequency: semester
              aggregation: ratio
              baselines: [{valid_from: 2020-01-01, value: 20}]
              targets: [{valid_from: 2020-01-01, value: 80}, {valid_from: 2023-01-01, value: 90}]
          survey_measures:
            - {dimension: D1, weight: 1, baseline: 40, target: 70}
        - code: G1.I2
          title: {nb: Indikator to, en: Indicator two}
          kpis:
            - code: KINST
              name: {nb: Etablert, en: Established}
              direction: higher
              scoring: binary
              frequency: year
              aggregation: institution_only
              targets: [{valid_from: 2020-01-01, value: 1}]
            - code: KLOW
              name: {nb: Ventetid, en: Waiting time}
              unit_of_measure: {nb: timer, en: hours}
              direction: lower
              scoring: progress
              frequency: year
              aggregation: mean
              baselines: [{valid_from: 2020-01-01, value: 20}]
              targets: [{valid_from: 2020-01-01, value: 4}]
maturity_model:
  code: test-model
  name: {nb: Modell, en: Model}
  dimensions:
"""
for _code, _nb, _en in (("D1", "Dimensjon en", "Dimension one"), ("D2", "Dimensjon to", "Dimension two")):
    STRATEGY_YAML += f"    - code: {_code}\n      name: {{nb: {_nb}, en: {_en}}}\n      levels:\n"
    STRATEGY_YAML += "".join(
        f"        - {{level: {n}, name: {{nb: Nivå {n}, en: Level {n}}},"
        f" description: {{nb: Enheten gjør {n}., en: The unit does {n}.}}}}\n"
        for n in range(1, 6)
    )
