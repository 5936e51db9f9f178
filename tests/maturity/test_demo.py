"""The demo organisation and its logins, as `make demo` serves them."""

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from maturity.demo import DEMO_LOGINS, load_demo
from maturity.units.models import OrgUnit, UnitHeadcount
from tests.factories import login

NAVIGATION = {
    "strategy office": {
        "en": [
            "Home",
            "My updates",
            "Dashboard",
            "Overview",
            "Strategy",
            "Courses of action",
            "KPIs",
            "Surveys",
            "My surveys",
            "Reports",
            "Units",
            "My unit",
            "Administration",
        ],
        "nb": [
            "Hjem",
            "Mine oppdateringer",
            "Dashbord",
            "Helhetsoversikt",
            "Strategi",
            "Tiltak",
            "Nøkkeltall",
            "Undersøkelser",
            "Mine undersøkelser",
            "Rapporter",
            "Enheter",
            "Min enhet",
            "Administrasjon",
        ],
    },
    "leader": {
        "en": [
            "Home",
            "My updates",
            "Dashboard",
            "Strategy",
            "Courses of action",
            "KPIs",
            "Surveys",
            "My surveys",
            "Reports",
            "Units",
            "My unit",
        ],
        "nb": [
            "Hjem",
            "Mine oppdateringer",
            "Dashbord",
            "Strategi",
            "Tiltak",
            "Nøkkeltall",
            "Undersøkelser",
            "Mine undersøkelser",
            "Rapporter",
            "Enheter",
            "Min enhet",
        ],
    },
    "staff": {
        "en": ["Home", "My updates", "Courses of action", "My surveys", "My unit"],
        "nb": ["Hjem", "Mine oppdateringer", "Tiltak", "Mine undersøkelser", "Min enhet"],
    },
}


@pytest.fixture
def demo(session: Session) -> None:
    load_demo(session)
    session.commit()


class TestDemoData:
    def test_it_builds_an_organisation_shaped_like_the_seed_university(self, session: Session, demo: None) -> None:
        kinds = dict(session.execute(select(OrgUnit.kind, func.count()).group_by(OrgUnit.kind)).all())
        assert kinds["institution"] == 1
        assert kinds["faculty"] >= 4
        assert kinds["department"] >= 15
        assert kinds["section"] >= 5
        depth_four = session.execute(select(OrgUnit).where(OrgUnit.code == "TKD-IT-AI")).scalars().one()
        assert depth_four.parent_id is not None

    def test_every_unit_has_headcounts_for_several_years_and_some_are_small(self, session: Session, demo: None) -> None:
        units = session.execute(select(func.count()).select_from(OrgUnit)).scalar_one()
        per_period = dict(
            session.execute(select(UnitHeadcount.period, func.count()).group_by(UnitHeadcount.period)).all()
        )
        assert len(per_period) >= 3
        assert set(per_period.values()) == {units}
        small = session.execute(
            select(func.count()).select_from(UnitHeadcount).where(UnitHeadcount.headcount < 10)
        ).scalar_one()
        assert small > 0  # units below the minimum reporting group size exist


class TestDemoLogins:
    @pytest.mark.parametrize("lang", ["nb", "en"])
    def test_each_login_works_and_shows_its_roles_navigation(
        self, client: TestClient[Litestar], demo: None, lang: str
    ) -> None:
        for demo_login in DEMO_LOGINS:
            client.cookies.clear()
            login(client, demo_login.email, demo_login.password)
            page = client.get("/", headers={"accept-language": lang})
            nav = re.search(r'<nav class="main-nav".*?</nav>', page.text, re.S)
            assert nav, demo_login.role
            assert re.findall(r">([^<>]+)</a>", nav.group(0)) == NAVIGATION[demo_login.role][lang]
            assert f'<html lang="{lang}">' in page.text
            assert demo_login.name in page.text
