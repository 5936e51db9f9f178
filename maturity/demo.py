"""The demo organisation: OsloMet-shaped units with headcounts, and one login per role.

Loaded through the same services as real data (the unit CSV import, user creation), so the
demo exercises the real paths. Later capabilities extend ``load_demo``.
"""

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from maturity.audit.services import Actor
from maturity.auth.models import Role
from maturity.auth.services import RoleSpec, create_user
from maturity.units.services import import_units_csv

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_LOGO = DATA_DIR / "demo-logo.svg"  # a neutral logo of our own for the demo institution's reports


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: str
    email: str
    password: str
    name: str
    unit: str


DEMO_LOGINS = [
    DemoLogin("strategy office", "strategi@demo.oslomet.no", "demo-strategi", "Siri Strand", "FA-FOU"),
    DemoLogin("leader", "leder@demo.oslomet.no", "demo-leder-tkd", "Lars Lie", "TKD"),
    DemoLogin("staff", "ansatt@demo.oslomet.no", "demo-ansatt", "Aina Aas", "TKD-IT-AI"),
]
_ROLES = {
    "strategy office": [RoleSpec(Role.STAFF), RoleSpec(Role.STRATEGY_OFFICE)],
    "leader": [RoleSpec(Role.STAFF), RoleSpec(Role.LEADER, "TKD")],
    "staff": [RoleSpec(Role.STAFF)],
}


def load_demo(session: Session) -> list[DemoLogin]:
    actor = Actor.system("demo")
    import_units_csv(session, (DATA_DIR / "demo_units.csv").read_bytes(), actor)
    for login in DEMO_LOGINS:
        create_user(
            session,
            email=login.email,
            name=login.name,
            password=login.password,
            home_unit_code=login.unit,
            roles=_ROLES[login.role],
            actor=actor,
        )
    return DEMO_LOGINS
